"""Root cause settings chosen on one system and reported on the other (issue 19's protocol).

Every setting the ranking exposes to choice (which modalities to use and how, and the ranking
variants) is tried on system A; the best on A (AC@1 + AC@3, then AC@1) is run unchanged on
system B, and only B's number is reported as held out. Both directions run. "Metric alerts
only" repeats the choice among the settings that read metric alerts alone: many teams have no
log or trace alerting, and that must stay good too. "All modalities" repeats it among the
settings that read metric, log and trace alerts: issue 19's targets are set for those.

No setting here was derived from either system's errors: the grid is the modality policies of
tools/alerts/modalities.py crossed with the ranking variants the eval already reported. What
the grid cannot remove: the ranking's default design was developed while looking at both
systems' first halves (see evals/rca.py), so neither system is fully unseen by the code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from opsgraph.evals.rca_scoring import Fault, SystemResult
from opsgraph.tools.alerts.modalities import ModalityPolicy
from opsgraph.tools.alerts.ranking import RankingConfig
from opsgraph.tools.alerts.topology import Topology

POLICIES = (
    ModalityPolicy(logs=False, traces="ignore"),
    ModalityPolicy(logs=True, traces="ignore"),
    ModalityPolicy(logs=True, traces="server"),
    ModalityPolicy(logs=False, traces="graph"),
    ModalityPolicy(logs=True, traces="graph"),
    ModalityPolicy(logs=True, traces="graph", log_templates=True),
)
METRICS_ONLY = POLICIES[0]


@dataclass(frozen=True)
class Setting:
    policy: ModalityPolicy
    ranking_name: str
    ranking: RankingConfig

    @property
    def name(self) -> str:
        return f"{self.policy.name} | ranking: {self.ranking_name}"


@dataclass(frozen=True)
class Transfer:
    tuned_on: str
    reported_on: str
    chosen: Setting
    held_out: SystemResult  # the chosen setting on the other system
    chosen_metrics_only: Setting
    held_out_metrics_only: SystemResult
    chosen_all: Setting  # the choice among settings that read every modality (the target)
    held_out_all: SystemResult
    in_sample_best: SystemResult  # the best setting chosen on the reported system itself


Evaluate = Callable[[str, Topology, list[Fault], Setting], SystemResult]


def grid(rankings: Mapping[str, RankingConfig]) -> list[Setting]:
    return [Setting(policy, name, config) for policy in POLICIES for name, config in rankings.items()]


def _best(results: Mapping[str, SystemResult], settings: list[Setting]) -> Setting:
    # Ties keep the earlier setting: fewer modalities, then the default ranking (max keeps the first
    # of equal maxima; it ran over the reversed grid before, which kept the later one).
    return max(settings, key=lambda s: (results[s.name].ac1 + results[s.name].ac3, results[s.name].ac1))


def transfers(
    systems: Mapping[str, tuple[Topology, list[Fault]]], settings: list[Setting], evaluate: Evaluate
) -> tuple[list[Transfer], dict[str, dict[str, SystemResult]]]:
    results = {
        system: {s.name: evaluate(system, topology, faults, s) for s in settings}
        for system, (topology, faults) in systems.items()
    }
    metric_only = [s for s in settings if s.policy == METRICS_ONLY]
    every = [s for s in settings if s.policy.logs and s.policy.traces != "ignore"]
    out = []
    for tuned_on in systems:
        for reported_on in systems:
            if reported_on == tuned_on:
                continue
            chosen = _best(results[tuned_on], settings)
            chosen_mo = _best(results[tuned_on], metric_only)
            chosen_all = _best(results[tuned_on], every)
            own = _best(results[reported_on], settings)
            out.append(
                Transfer(
                    tuned_on,
                    reported_on,
                    chosen,
                    results[reported_on][chosen.name],
                    chosen_mo,
                    results[reported_on][chosen_mo.name],
                    chosen_all,
                    results[reported_on][chosen_all.name],
                    results[reported_on][own.name],
                )
            )
    return out, results
