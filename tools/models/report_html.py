"""A small self-contained HTML drift report (the fast engine's; Evidently writes its own)."""

from __future__ import annotations

import html
from pathlib import Path

from opsgraph.tools.models.checks import CheckResult
from opsgraph.tools.models.drift import DriftResult


def write_report(path: Path, title: str, drift: DriftResult, checks: list[CheckResult]) -> Path:
    rows = "\n".join(
        f"<tr class={'drift' if d.drift else 'ok'}><td>{html.escape(c)}</td><td>{d.kind}</td>"
        f"<td>{html.escape(d.method)}</td><td>{d.score:.4g}</td><td>{d.threshold:g}</td>"
        f"<td>{'drift' if d.drift else 'ok'}</td></tr>"
        for c, d in drift.columns.items()
    )
    failed = [c for c in checks if not c.passed]
    check_rows = (
        "\n".join(
            f"<tr class=drift><td>{c.check}</td><td>{html.escape(c.column)}</td><td>{html.escape(c.detail)}</td></tr>"
            for c in failed
        )
        or "<tr><td colspan=3>all data checks passed</td></tr>"
    )
    verdict = "dataset drift" if drift.dataset_drift else "no dataset drift"
    document = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.2em .8em;text-align:left}}
tr.drift td{{background:#fde2e2}} tr.ok td{{background:#e6f4ea}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p><b>{verdict}</b>: {len(drift.drifted)} of {len(drift.columns)} columns drifted
(share {drift.drift_share:.2f}, threshold {drift.threshold_share}); reference {drift.rows_reference} rows,
current {drift.rows_current} rows; engine {drift.engine}.</p>
<h2>Columns</h2><table><tr><th>column</th><th>kind</th><th>method</th><th>score</th><th>threshold</th>
<th>verdict</th></tr>
{rows}</table>
<h2>Data checks that failed</h2><table><tr><th>check</th><th>column</th><th>detail</th></tr>
{check_rows}</table></body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, encoding="utf-8")
    return path
