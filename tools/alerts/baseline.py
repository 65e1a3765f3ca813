"""How often each signal fired in recent incidents, so chronic alerts carry little evidence.

The correlator records every incident it closes: for each (entity, signal family) the incident
held, a count that halves every `half_life_s`. `probability(key, at)` is the smoothed share of
recent incidents in which the key fired. Ranking turns it into a likelihood ratio: an alert that
fires in most incidents says little about any one of them; a rare one says a lot. Nothing here
uses labels of what the root cause was: the baseline learns from the alert stream alone.

Smoothing is hierarchical (empirical Bayes): a key seen rarely or never borrows the rate of its
signal family across all entities, with the weight of `family_weight` incidents. A family that
fires somewhere in most incidents (CPU jitter on random pods) is unsurprising even on an entity
where it was never seen; a family that never fired anywhere stays surprising.
"""

from __future__ import annotations

from collections.abc import Iterable

Key = tuple[str, str]  # (entity id, signal family)


class AlertBaseline:
    def __init__(self, half_life_s: float = 7200.0, prior: float = 0.1, family_weight: float = 1.0) -> None:
        self.half_life_s = half_life_s
        self.prior = prior
        self.family_weight = family_weight
        self._counts: dict[Key, tuple[float, float]] = {}  # key -> (count, as of time)
        self._families: dict[str, tuple[float, float]] = {}  # family -> (count over entities, as of)
        self._family_entities: dict[str, set[str]] = {}
        self._incidents = 0.0
        self._incidents_at: float | None = None
        self._records = 0

    def _decay(self, count: float, since: float, at: float) -> float:
        if at <= since:
            return count
        return count * 0.5 ** ((at - since) / self.half_life_s)

    def _current(self, entry: tuple[float, float] | None, at: float) -> float:
        return 0.0 if entry is None else self._decay(entry[0], entry[1], at)

    @property
    def empty(self) -> bool:
        return self._incidents_at is None

    def incidents(self, at: float) -> float:
        if self._incidents_at is None:
            return 0.0
        return self._decay(self._incidents, self._incidents_at, at)

    def family_rate(self, family: str, at: float, exclude: bool = False) -> float:
        """Smoothed share of recent incidents in which `family` fired on one given entity (the
        average over the entities it has fired on)."""
        mass = self._current(self._families.get(family), at)
        incidents = self.incidents(at)
        if exclude:
            mass, incidents = max(0.0, mass - 1.0), max(0.0, incidents - 1.0)
        entities = len(self._family_entities.get(family, ())) or 1
        return (mass + self.prior) / (incidents * entities + 1.0)

    def probability(self, key: Key, at: float, exclude: bool = False) -> float:
        """Smoothed probability that `key` fires in an incident around time `at`. `exclude` takes
        out one incident holding the key (the incident being ranked, once it is recorded)."""
        count = self._current(self._counts.get(key), at)
        incidents = self.incidents(at)
        if exclude:
            count, incidents = max(0.0, count - 1.0), max(0.0, incidents - 1.0)
        if self.family_weight <= 0:
            return (count + self.prior) / (incidents + 1.0)
        k = self.family_weight
        return (count + k * self.family_rate(key[1], at, exclude)) / (incidents + k)

    def record(self, keys: Iterable[Key], at: float) -> None:
        """One closed incident, with the distinct keys it held, at (about) time `at`."""
        self._incidents = self.incidents(at) + 1.0
        self._incidents_at = at if self._incidents_at is None else max(at, self._incidents_at)
        for key in set(keys):
            entry = self._counts.get(key)
            self._counts[key] = (self._current(entry, at) + 1.0, max(at, entry[1]) if entry else at)
            family = self._families.get(key[1])
            self._families[key[1]] = (self._current(family, at) + 1.0, max(at, family[1]) if family else at)
            self._family_entities.setdefault(key[1], set()).add(key[0])
        self._records += 1
        if self._records % 4096 == 0:
            self._prune(at)

    def _prune(self, at: float) -> None:
        """Forget keys whose count has decayed to nothing (bounded memory in a long run)."""
        stale = [k for k, (c, since) in self._counts.items() if self._decay(c, since, at) < 1e-3]
        for key in stale:
            del self._counts[key]
        self._family_entities = {}
        for entity, family in self._counts:
            self._family_entities.setdefault(family, set()).add(entity)

    def __len__(self) -> int:
        return len(self._counts)
