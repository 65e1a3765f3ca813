"""What other parts call to attach runbooks to an incident or an investigation."""

from __future__ import annotations

from opsgraph.tools.runbooks.search import Hit, searcher


def runbooks_for(alert_names: list[str], text: str, k: int = 3) -> list[Hit]:
    """The `k` runbooks that best answer these alerts and this description, best first.

    Alert names count as exact matches (a runbook that lists one ranks above one that does not);
    `text` (an incident summary, a question) adds keyword and semantic evidence. Uses the
    configured state dir and runbook folders; the index is synced on first use.
    `Hit.to_json(labels)` fills the suggested actions' placeholders ({name}, {namespace}, ...).
    """
    if not alert_names and not text.strip():
        return []
    return searcher().search(text, k, alerts=alert_names)
