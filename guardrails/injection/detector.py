"""The layered detector: normalise -> rules -> classifier -> decode and rescan, one score.

Evidence combines like independent probabilities: `score = 1 - prod(1 - evidence)` over the
classifier probability, every rule hit, obfuscation signals and decoded payloads. `scan` is for
messages people send; `scan_untrusted` is for data outsiders control (alert annotations, logs,
tool output) and adds rules for instructions aimed at an AI reader and a lower threshold.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from opsgraph.guardrails.injection import rules
from opsgraph.guardrails.injection.decode import payloads, rot13
from opsgraph.guardrails.injection.model import LinearModel
from opsgraph.guardrails.injection.normalize import normalize
from opsgraph.guardrails.injection.ops_prior import OPS_DAMPING, looks_like_ops_request
from opsgraph.guardrails.injection.support import support
from opsgraph.guardrails.injection.verdict import Verdict

CHAT_THRESHOLD = 0.5
UNTRUSTED_THRESHOLD = 0.35
MAX_DEPTH = 2
# Obfuscation is evidence on its own: people asking for a rollout do not type 1gn0r3.
_FLAG_WEIGHTS = {
    "tag-characters": 0.6, "homoglyph": 0.3, "zero-width": 0.2, "leetspeak": 0.25,
    "split-words": 0.2, "glued-words": 0.15, "spaced-letters": 0.2, "filler-run": 0.2,
}  # fmt: skip
_STRONG_RULE = 0.8


@dataclass(frozen=True)
class _Evidence:
    reason: str
    weight: float


class Detector:
    def __init__(
        self,
        model: LinearModel,
        *,
        threshold: float = CHAT_THRESHOLD,
        untrusted_threshold: float = UNTRUSTED_THRESHOLD,
    ) -> None:
        self.model = model
        self.threshold = threshold
        self.untrusted_threshold = untrusted_threshold

    def scan(self, text: str) -> Verdict:
        return self._verdict(text, rules.CHAT_RULES, self.threshold, prefix="")

    def scan_untrusted(self, text: str, source: str) -> Verdict:
        ruleset = rules.CHAT_RULES + rules.UNTRUSTED_RULES
        return self._verdict(text, ruleset, self.untrusted_threshold, prefix=f"source:{source}")

    def _verdict(self, text: str, ruleset: tuple[rules.Rule, ...], threshold: float, prefix: str) -> Verdict:
        if not text or not text.strip():
            return Verdict(False, 0.0, ())
        evidence = self._evidence(text, ruleset, depth=0)
        score = _combine(evidence)
        # Below the chat threshold, a lower (untrusted) threshold needs concrete evidence: a rule, a
        # disguise or a decoded payload. The classifier alone is not trusted that far on log lines.
        concrete = any(not e.reason.startswith("model:") and e.weight >= 0.1 for e in evidence)
        injection = score >= self.threshold or (score >= threshold and concrete)
        ranked = sorted(evidence, key=lambda e: -e.weight)
        reasons = tuple(dict.fromkeys(e.reason for e in ranked if e.weight >= 0.1))
        if prefix:
            reasons = (prefix, *reasons)
        return Verdict(injection, round(score, 4), reasons)

    def _evidence(self, text: str, ruleset: tuple[rules.Rule, ...], depth: int) -> list[_Evidence]:
        normal = normalize(text)
        found = [_Evidence(f"obfuscation:{flag}", _FLAG_WEIGHTS.get(flag, 0.1)) for flag in normal.flags]
        found += [_Evidence(hit.reason, hit.weight) for hit in rules.match(normal.text, ruleset)]
        probability = self.model.probability(normal.text, support(normal.text))
        model_weight = probability
        if looks_like_ops_request(normal.text) and not any(e.weight >= 0.1 for e in found):
            model_weight = probability * OPS_DAMPING
        found.append(_Evidence(f"model:{probability:.2f}", model_weight))
        strong = tuple(r for r in ruleset if r.weight >= _STRONG_RULE)
        for kind, variant in (("rot13", rot13(normal.text)), ("reversed", normal.text[::-1])):
            found += [_Evidence(f"decoded:{kind}>{hit.reason}", hit.weight) for hit in rules.match(variant, strong)]
        if depth < MAX_DEPTH:
            for payload in payloads(text):
                inner = _combine(self._evidence(payload.text, ruleset, depth + 1))
                found.append(_Evidence(f"decoded:{payload.kind}", inner))
        return found


def _combine(evidence: list[_Evidence]) -> float:
    remaining = 1.0
    for item in evidence:
        remaining *= 1.0 - min(max(item.weight, 0.0), 1.0)
    return 1.0 - remaining


_default: Detector | None = None
_lock = threading.Lock()


def default_detector() -> Detector:
    """The process-wide detector, built on first use (loads or trains the cached model)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                from opsgraph.agent.settings import Settings
                from opsgraph.guardrails.injection.model import load_or_train

                _default = Detector(load_or_train(Settings().cache_dir))
    return _default


def scan(text: str) -> Verdict:
    """Scan a message a person sent to the assistant."""
    return default_detector().scan(text)


def scan_untrusted(text: str, source: str) -> Verdict:
    """Scan data outsiders control (`source` names it: "alert", "log", "tool:k8s_logs", ...)."""
    return default_detector().scan_untrusted(text, source)
