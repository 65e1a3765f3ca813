"""Validated promotion: does the challenger beat the champion on held-out data, significantly?

The metric is accuracy, so each evaluation row gives a *paired* binary outcome (right or wrong
under each model). The right test for paired binary outcomes is McNemar's: only the rows where
the two models disagree carry information, and under "no difference" a disagreement is equally
likely to favour either model. We use the exact form (a binomial test on the discordant rows,
one-sided: the question is whether the challenger is *better*), which stays valid when the models
disagree on few rows, where the chi-square approximation does not. The accuracy difference gets a
95% paired bootstrap interval (rows resampled together, fixed seed so a dry-run and its execution
agree to the digit) for the approval card.

Pass: improvement > min_improvement and p < max_p_value (defaults 0.01 and 0.05, as in the seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

BOOTSTRAP_SAMPLES = 2000


@dataclass(frozen=True)
class GateResult:
    rows: int
    champion_accuracy: float
    challenger_accuracy: float
    only_challenger_right: int  # discordant rows favouring the challenger
    only_champion_right: int
    p_value: float
    ci_low: float
    ci_high: float
    min_improvement: float
    max_p_value: float

    @property
    def improvement(self) -> float:
        return self.challenger_accuracy - self.champion_accuracy

    @property
    def passed(self) -> bool:
        return self.improvement > self.min_improvement and self.p_value < self.max_p_value

    def reasons(self) -> list[str]:
        """Why the gate failed (empty when it passed)."""
        out = []
        if self.improvement <= self.min_improvement:
            out.append(f"accuracy gain {self.improvement:+.4f} is not above {self.min_improvement}")
        if self.p_value >= self.max_p_value:
            out.append(f"McNemar p = {self.p_value:.3g} is not below {self.max_p_value}")
        return out

    def table(self) -> str:
        return "\n".join(
            [
                f"  held-out rows: {self.rows}",
                f"  accuracy: champion {self.champion_accuracy:.4f}, challenger {self.challenger_accuracy:.4f} "
                f"({self.improvement:+.4f}, 95% CI {self.ci_low:+.4f}..{self.ci_high:+.4f})",
                f"  disagreements: challenger right {self.only_challenger_right}, champion right "
                f"{self.only_champion_right}; exact McNemar one-sided p = {self.p_value:.3g}",
                f"  gate (gain > {self.min_improvement}, p < {self.max_p_value}): "
                + ("PASS" if self.passed else "FAIL: " + "; ".join(self.reasons())),
            ]
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "test": "exact McNemar (one-sided binomial on discordant pairs)",
            "champion_accuracy": round(self.champion_accuracy, 6),
            "challenger_accuracy": round(self.challenger_accuracy, 6),
            "improvement": round(self.improvement, 6),
            "ci95": [round(self.ci_low, 6), round(self.ci_high, 6)],
            "only_challenger_right": self.only_challenger_right,
            "only_champion_right": self.only_champion_right,
            "p_value": self.p_value,
            "passed": self.passed,
            "reasons": self.reasons(),
        }


def compare(
    truth: np.ndarray,
    champion_pred: np.ndarray,
    challenger_pred: np.ndarray,
    *,
    min_improvement: float = 0.01,
    max_p_value: float = 0.05,
    seed: int = 0,
) -> GateResult:
    import numpy as np
    from scipy.stats import binomtest

    y = np.asarray(truth)
    a = np.asarray(champion_pred) == y
    b = np.asarray(challenger_pred) == y
    n = len(y)
    if n == 0:
        raise ValueError("no evaluation rows")
    only_b, only_a = int(np.sum(b & ~a)), int(np.sum(a & ~b))
    discordant = only_a + only_b
    p_value = 1.0 if discordant == 0 else float(binomtest(only_b, discordant, 0.5, alternative="greater").pvalue)
    rng = np.random.default_rng(seed)
    diff = b.astype(float) - a.astype(float)
    means = np.empty(BOOTSTRAP_SAMPLES)
    for i in range(BOOTSTRAP_SAMPLES):
        means[i] = diff[rng.integers(0, n, n)].mean()
    low, high = np.quantile(means, [0.025, 0.975])
    return GateResult(
        rows=n,
        champion_accuracy=float(a.mean()),
        challenger_accuracy=float(b.mean()),
        only_challenger_right=only_b,
        only_champion_right=only_a,
        p_value=p_value,
        ci_low=float(low),
        ci_high=float(high),
        min_improvement=min_improvement,
        max_p_value=max_p_value,
    )
