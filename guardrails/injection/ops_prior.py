"""Recognise a plain operations request ("delete the evicted pods in every namespace").

Whether such a request may run is the action policy's decision (approval, roles), not the
injection detector's. So when a message has the shape of an ops request and nothing but the
classifier speaks against it (no rule, no disguise, no decoded payload), the classifier's
evidence is damped: the assistant must not refuse normal operations work on a hunch.
"""

from __future__ import annotations

import re

# Damped classifier evidence: a hunch alone then needs p >= 0.5 / OPS_DAMPING to block.
OPS_DAMPING = 0.6

_OPS_REQUEST = re.compile(
    r"^\s*(?:@?opsgraph[,:]?\s+|hey,?\s+|ok,?\s+|pls\s+|please\s+|can\s+you\s+|could\s+you\s+|quick\s+one:\s+)*"
    r"(?:delete|restart|scale|roll\s*back|rollback|roll\s+forward|deploy|redeploy|drain|cordon|uncordon|kill|"
    r"terminate|evict|purge|drop|wipe|flush|show|list|print|describe|get|check|promote|retrain|rebalance|"
    r"generate|search|find|dump|tail|exec|run|apply|disable|enable|pause|resume|suspend|reset|rotate|bump|"
    r"pin|unpin|override|ignore|skip|bypass|silence|ack|acknowledge|open|close|create|update|patch|label|"
    r"annotate|taint|untaint|expose|upgrade|downgrade|revert|approve|deny)\b"
    r"[^\n]{0,160}?\b(?:pods?|deployments?|deploys?|namespaces?|nodes?|replicas?|replica\s*sets?|services?|"
    r"jobs?|cron\s*jobs?|pvcs?|volumes?|configmaps?|secrets?|helm|charts?|releases?|ingress(?:es)?|clusters?|"
    r"alerts?|incidents?|models?|gpus?|terraform|runbooks?|hpa|pdb|images?|tags?|rollouts?|revisions?|"
    r"containers?|logs?|events?|metrics?|dashboards?|queues?|topics?|caches?|cdn|dns|certs?|certificates?|"
    r"canary|pipelines?|builds?|prod|production|staging|dev|qa|k8s|kubernetes|kubectl)\b",
    re.IGNORECASE,
)
_MAX_OPS_REQUEST_CHARS = 240


def looks_like_ops_request(normalised_text: str) -> bool:
    text = normalised_text.strip()
    return len(text) <= _MAX_OPS_REQUEST_CHARS and "\n" not in text and bool(_OPS_REQUEST.match(text))
