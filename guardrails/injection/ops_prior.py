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

_VERB = (
    r"(?:delete|restart|scale|roll\s*back|rollback|roll\s+forward|deploy|redeploy|drain|cordon|uncordon|kill|"
    r"terminate|evict|purge|drop|wipe|flush|show|list|print|describe|get|check|promote|retrain|rebalance|"
    r"generate|search|find|dump|tail|exec|run|apply|disable|enable|pause|resume|suspend|reset|rotate|bump|"
    r"pin|unpin|override|ignore|skip|bypass|silence|ack|acknowledge|open|close|create|update|patch|label|"
    r"annotate|taint|untaint|expose|upgrade|downgrade|revert|approve|deny)"
)
_NOUN = (
    r"(?:pods?|deployments?|deploys?|namespaces?|nodes?|replicas?|replica\s*sets?|services?|jobs?|cron\s*jobs?|"
    r"pvcs?|volumes?|configmaps?|secrets?|helm|charts?|releases?|ingress(?:es)?|clusters?|alerts?|incidents?|"
    r"models?|gpus?|terraform|runbooks?|hpa|pdb|images?|tags?|rollouts?|revisions?|containers?|logs?|events?|"
    r"metrics?|dashboards?|queues?|topics?|caches?|cdn|dns|certs?|certificates?|canary|pipelines?|builds?|"
    r"prod|production|staging|dev|qa|k8s|kubernetes|kubectl|on-?call|latency|5xx|errors?|healthy|status|drift)"
)
_POLITE = r"(?:@?opsgraph[,:]?\s+|hey,?\s+|ok,?\s+|pls\s+|please\s+|can\s+you\s+|could\s+you\s+|quick\s+one:\s+)*"
_VERB_FIRST = re.compile(rf"^\s*{_POLITE}{_VERB}\b[^\n]{{0,160}}?\b{_NOUN}\b")
_CLI = re.compile(rf"^\s*{_POLITE}(?:kubectl|k|helm|terraform|argocd|flux|k9s|stern)\s+[a-z-]+")
_MENTIONS_OPS = re.compile(rf"\b{_NOUN}\b")
_STARTS_WITH_VERB = re.compile(rf"^\s*{_POLITE}{_VERB}\b")
_MAX_OPS_REQUEST_CHARS = 240
_SHORT_WORDS = 8


def looks_like_ops_request(normalised_text: str) -> bool:
    """One line, and either starts like a command (verb ... ops noun, or a CLI), or is a short
    message that starts with an ops verb or talks about ops things ("scale payments to 4",
    "checkout prod logs", "anything broken in prod?")."""
    text = normalised_text.strip()
    if len(text) > _MAX_OPS_REQUEST_CHARS or "\n" in text:
        return False
    if _VERB_FIRST.match(text) or _CLI.match(text):
        return True
    short = len(text.split()) <= _SHORT_WORDS
    return short and (_MENTIONS_OPS.search(text) is not None or _STARTS_WITH_VERB.match(text) is not None)
