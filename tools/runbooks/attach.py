"""The runbook attached to an incident or an investigation: one runbook and the section to read.

Fast first, the model last:
1. an alert the incident carries is named in a runbook's front matter: that runbook (no model);
2. keywords (BM25 over the runbook chunks) when the best runbook leads the next one by at least
   `KEYWORD_MARGIN` of its score (no model);
3. otherwise the hybrid search (`search.Searcher`), which embeds the text with MiniLM: the model
   is loaded once per process (`embedding.embedder`) and only when this step is reached. Callers
   that must never wait for a model (a Slack post on the alert thread) pass `semantic=False` and
   get nothing rather than a guess.

`KEYWORD_MARGIN` was chosen on the tuning split of evals/runbooks/queries.yaml
(`python -m opsgraph.evals.runbooks.attach_tune`); the runbooks suite reports the attach accuracy
and the share answered without the model on the scoring split, which chose nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from opsgraph.tools.runbooks.documents import Runbook, load_all, shipped_dir
from opsgraph.tools.runbooks.keyword import BM25, tokens
from opsgraph.tools.runbooks.search import Hit, _fingerprint

log = logging.getLogger(__name__)

How = Literal["alert", "keyword", "semantic"]
KEYWORD_MARGIN = 0.25  # chosen on the tuning split (68 queries), see the module docstring
_SLUG_DROP = re.compile(r"[^\w\- ]")


@dataclass(frozen=True)
class Attached:
    runbook: str
    title: str
    section: str
    path: Path
    how: How  # which step found it: alert name, keywords, or the model

    @property
    def anchor(self) -> str:
        """The section as a markdown heading anchor ("Read the exit reason" -> read-the-exit-reason)."""
        return _SLUG_DROP.sub("", self.section.strip().lower()).replace(" ", "-")

    @property
    def link(self) -> str:
        """Shipped runbooks as `runbooks/<file>` (where they live in the repository), others by path."""
        shipped = shipped_dir()
        shown = f"runbooks/{self.path.name}" if self.path.parent == shipped else str(self.path)
        return f"{shown}#{self.anchor}"

    def line(self) -> str:
        return f"Runbook: {self.title} ({self.link})"

    def to_json(self) -> dict[str, Any]:
        return {
            "runbook": self.runbook,
            "title": self.title,
            "section": self.section,
            "path": str(self.path),
            "link": self.link,
            "how": self.how,
        }


class Matcher:
    """Alert names and keywords over the runbook files: no index, no model."""

    def __init__(self, runbooks: list[Runbook]) -> None:
        from opsgraph.tools.runbooks.store import chunks_of

        self.runbooks = {r.id: r for r in runbooks}
        self._chunks = [c for r in runbooks for c in chunks_of(r)]
        self._bm25 = BM25([tokens(c.text) for c in self._chunks])
        self._alerts: dict[str, list[tuple[int, str]]] = {}  # lower-cased alert -> (position in list, runbook)
        for r in runbooks:
            for position, alert in enumerate(r.alerts):
                self._alerts.setdefault(alert.lower(), []).append((position, r.id))

    def keyword_scores(self, text: str) -> tuple[dict[str, float], dict[str, str]]:
        """Per runbook: its best chunk's BM25 score, and its best section's heading."""
        raw = self._bm25.scores(tokens(text)) if text.strip() else [0.0] * len(self._chunks)
        best: dict[str, float] = {}
        section: dict[str, tuple[float, str]] = {}
        for chunk, score in zip(self._chunks, raw, strict=True):
            best[chunk.runbook] = max(best.get(chunk.runbook, 0.0), score)
            if chunk.kind == "section" and score > section.get(chunk.runbook, (0.0, ""))[0]:
                section[chunk.runbook] = (score, chunk.section)
        return best, {rid: heading for rid, (_, heading) in section.items()}

    def by_alert(self, alerts: list[str], text: str) -> list[Attached]:
        """Runbooks that list one of `alerts`: most alerts matched, then keywords, then the runbook
        that lists the alert first (its main alert rather than one it also covers)."""
        votes: dict[str, list[int]] = {}
        for alert in dict.fromkeys(a.lower() for a in alerts):
            for position, rid in self._alerts.get(alert, []):
                votes.setdefault(rid, []).append(position)
        if not votes:
            return []
        scores, sections = self.keyword_scores(text)
        ranked = sorted(votes, key=lambda rid: (-len(votes[rid]), -scores.get(rid, 0.0), min(votes[rid]), rid))
        return [self._attached(rid, sections.get(rid), "alert") for rid in ranked]

    def by_keyword(self, text: str, margin: float = KEYWORD_MARGIN) -> list[Attached]:
        """Runbooks by keyword score, only when the best leads the next by `margin` of its score."""
        scores, sections = self.keyword_scores(text)
        ranked = sorted((s, rid) for rid, s in scores.items() if s > 0)[::-1]
        if not ranked or not confident([s for s, _ in ranked], margin):
            return []
        return [self._attached(rid, sections.get(rid), "keyword") for _, rid in ranked]

    def _attached(self, rid: str, section: str | None, how: How) -> Attached:
        runbook = self.runbooks[rid]
        return Attached(rid, runbook.meta.title, section or _first_step(runbook), runbook.path, how)


def confident(scores: list[float], margin: float) -> bool:
    """The best score leads the second by at least `margin` of itself (scores best first)."""
    if not scores or scores[0] <= 0:
        return False
    second = scores[1] if len(scores) > 1 else 0.0
    return (scores[0] - second) / scores[0] >= margin


def _first_step(runbook: Runbook) -> str:
    """With no words to choose a section by: the first section with suggested actions, else the first."""
    return next((a.section for a in runbook.actions), runbook.sections[0].heading)


_MATCHERS: dict[tuple[Any, ...], Matcher] = {}


def matcher() -> Matcher:
    """The process-wide matcher for the configured folders (rebuilt when a runbook file changes)."""
    from opsgraph.tools.runbooks.settings import RunbooksSettings

    config = RunbooksSettings()
    folders = list(config.dirs)
    key = (tuple(str(d) for d in folders), config.shipped, _fingerprint(folders, config.shipped))
    if key not in _MATCHERS:
        _MATCHERS.clear()
        _MATCHERS[key] = Matcher(load_all(folders, shipped=config.shipped))
    return _MATCHERS[key]


SemanticSearch = Callable[[str, int, list[str]], list[Hit]]


def runbooks_for(
    alert_names: list[str], text: str, k: int = 3, *, semantic: bool = True, state_dir: Path | None = None
) -> list[Attached]:
    """The `k` runbooks that best answer these alerts and this description, best first (see the
    module docstring for the order of the steps). Empty when nothing matches, or when only the
    model could tell and `semantic` is False."""

    def hybrid(query: str, n: int, alerts: list[str]) -> list[Hit]:
        from opsgraph.tools.runbooks.search import searcher

        return searcher(state_dir).search(query, n, alerts=alerts)

    return attach_with(matcher(), alert_names, text, k, hybrid if semantic else None)


def attach_with(
    found: Matcher,
    alert_names: list[str],
    text: str,
    k: int,
    semantic: SemanticSearch | None,
    margin: float = KEYWORD_MARGIN,
) -> list[Attached]:
    """The steps of `runbooks_for` over a given matcher and semantic search (the eval passes its own)."""
    if not alert_names and not text.strip():
        return []
    named = found.by_alert(alert_names, text) or found.by_alert(_alerts_in(text, found), text)
    if named:
        return named[:k]
    by_words = found.by_keyword(text, margin)
    if by_words or semantic is None:
        return by_words[:k]
    return [_from_hit(h) for h in semantic(text, k, alert_names)]


def best_runbook(
    alert_names: list[str], text: str, *, semantic: bool = True, state_dir: Path | None = None
) -> Attached | None:
    found = runbooks_for(alert_names, text, 1, semantic=semantic, state_dir=state_dir)
    return found[0] if found else None


def _alerts_in(text: str, found: Matcher) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_:]+", text) if w.lower() in found._alerts]


def _from_hit(hit: Hit) -> Attached:
    return Attached(hit.runbook, hit.title, hit.section, hit.path, "semantic")


def installed() -> bool:
    from opsgraph.tools.capabilities import INSTALLED

    return "opsgraph.tools.runbooks.capability" in INSTALLED


def for_answer(answer: dict[str, Any], state_dir: Path | None = None) -> dict[str, Any] | None:
    """The runbook for an investigation's root cause (`Attached.to_json()` plus its `line`), or None
    when it found nothing wrong, or no runbook fits. A runbook folder that cannot be read is logged,
    never a failed investigation."""
    cause = answer.get("root_cause") or {}
    reason = str(cause.get("reason") or "")
    if not reason or reason == "Healthy" or not installed():
        return None
    return _safely(lambda: best_runbook([], f"{reason} {answer.get('diagnosis') or ''}", state_dir=state_dir))


def for_incident(alert_names: list[str], summary: str, *, semantic: bool = False) -> dict[str, Any] | None:
    """The runbook for an incident, from its alert names (and its summary's words). Without the
    model by default: an incident post never waits for one."""
    if not installed():
        return None
    return _safely(lambda: best_runbook(alert_names, summary, semantic=semantic))


def _safely(find: Callable[[], Attached | None]) -> dict[str, Any] | None:
    from opsgraph.tools.runbooks.documents import RunbookError

    try:
        found = find()
    except RunbookError as exc:
        log.warning("no runbook attached: %s", exc)
        return None
    return found.to_json() | {"line": found.line()} if found else None
