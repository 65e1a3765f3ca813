"""Root cause from trace alerts: how much of the incident's anomalous calls an entity explains.

Span-metrics rules name a caller and a callee per anomalous call; the tally keeps one record
per (caller, callee) (tally.py) instead of one signal per alert. Counting trace alerts would rank
whoever has the most operations (an Online Boutique fault brings ~185, most of them about the
same few callers), so each anomalous call is one observation about its callee side instead:

- a call a -> b (a != b): b's callers see it slow or failing; it is evidence about b and about
  what b is part of (its service, its node), not about a;
- a client-side span (caller == callee == a: a's own view of its outgoing calls) is evidence
  about the callee side of a's calls: it is shared among the callees a's anomalous calls name in
  this incident, and says nothing when they name none (never a vote for a);
- each call weighs its surprise against the history of incidents, log(q / p) with p the share of
  recent incidents in which that call was anomalous (the baseline keeps one key per call,
  patterns.py), times the onset decay every signal gets (evidence.py): a call that is slow in
  every incident weighs nothing, one that never was weighs most, whatever the system's
  vocabulary of operations. No constant here was fitted to a data set.

`explains[e]` is the share of the incident's call evidence whose callee side is e (or one of e's
instances or hosted pods): how well e explains its callers' anomalies. The ranking uses it to
corroborate an entity's own evidence (ranking.py), bounded, so that the trace modality can
reorder what the other modalities found but cannot drown them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.patterns import CALLS_PREFIX
from opsgraph.tools.alerts.tally import CallTally
from opsgraph.tools.alerts.topology import Topology


def call_key(caller: str, callee: str) -> str:
    """The baseline entity of one call (caller label -> callee entity)."""
    return f"{caller}->{callee}"


@dataclass(frozen=True)
class Call:
    caller: str
    callee: str
    first_at: float
    weight: float

    @property
    def client_side(self) -> bool:
        return self.caller == self.callee


@dataclass
class CallEvidence:
    """What the anomalous calls of one incident say about each entity's callee side."""

    explains: dict[str, float] = field(default_factory=dict)  # entity -> share of the call evidence
    first_at: dict[str, float] = field(default_factory=dict)  # entity -> its callers' first anomalous call
    callers: dict[str, set[str]] = field(default_factory=dict)  # entity -> callers whose calls to it are anomalous


def calls_of(
    tally_calls: Mapping[tuple[str, str], CallTally],
    baseline: AlertBaseline,
    t0: float,
    q: float,
    recorded: bool,
    onset_tau_s: float,
) -> list[Call]:
    """The incident's anomalous calls, each weighed by its surprise against the call history and,
    as every signal is (evidence.py), by how soon after the incident's first alert it came."""
    out = []
    for (caller, callee), call in tally_calls.items():
        surprise = 0.0
        for family in call.families:
            p = baseline.probability((call_key(caller, callee), CALLS_PREFIX + family), t0, exclude=recorded)
            surprise = max(surprise, math.log(q / p)) if p < q else surprise
        onset = math.exp(-max(0.0, call.first_at - t0) / onset_tau_s)
        out.append(Call(caller, callee, call.first_at, surprise * onset))
    return out


def _callee_sides(calls: list[Call]) -> list[tuple[Call, tuple[str, ...]]]:
    """Each weighed call with the entities its evidence is about (see the module docstring)."""
    callees: dict[str, list[str]] = {}
    for c in calls:
        if not c.client_side:
            callees.setdefault(c.caller, []).append(c.callee)
    out = []
    for c in calls:
        if c.weight <= 0:
            continue
        sides = tuple(dict.fromkeys(callees.get(c.caller, ()))) if c.client_side else (c.callee,)
        if sides:
            out.append((c, sides))
    return out


def explain(calls: list[Call], topology: Topology) -> CallEvidence:
    """How much of the incident's call evidence each entity's callee side explains."""
    ev = CallEvidence()
    sided = _callee_sides(calls)
    total = sum(c.weight for c, _ in sided)
    if total <= 0:
        return ev
    for call, sides in sided:
        part = call.weight / total / len(sides)
        for callee in sides:
            owners = dict.fromkeys(o for o in (callee, topology.service_of(callee), topology.host_of(callee)) if o)
            for owner in owners:
                ev.explains[owner] = ev.explains.get(owner, 0.0) + part
                ev.first_at[owner] = min(ev.first_at.get(owner, math.inf), call.first_at)
                ev.callers.setdefault(owner, set()).add(call.caller)
    return ev
