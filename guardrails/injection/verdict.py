"""What a scan returns: a yes/no, a score in [0, 1] and the reasons behind it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Verdict:
    """`injection` is `score >= threshold` of the scan that produced it.

    `reasons` name the evidence, most important first, for example
    `rule:override:ignore previous instructions`, `model:0.97`, `decoded:base64`,
    `obfuscation:zero-width`.
    """

    injection: bool
    score: float
    reasons: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {"injection": self.injection, "score": round(self.score, 4), "reasons": list(self.reasons)}
