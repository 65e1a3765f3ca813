"""Short human renderings of model status and drift checks: a sentence and a small table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opsgraph.tools.models.drift_run import DriftCheck
    from opsgraph.tools.models.store import VersionInfo

MAX_ROWS = 12


def status_text(model: str, versions: list[VersionInfo], history: list[dict[str, Any]]) -> str:
    champion = next((v for v in versions if "champion" in v.aliases), None)
    head = f"{model}: {len(versions)} version{'s' if len(versions) != 1 else ''}"
    head += f", champion v{champion.version}" if champion else ", no champion"
    lines = [head + ".", f" {'version':>7}  {'aliases':<20} {'accuracy':>8}  {'data sha256':<12}  created"]
    for v in versions[-MAX_ROWS:]:
        acc = v.metrics.get("accuracy")
        created = datetime.fromtimestamp(v.created_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M") if v.created_ms else ""
        lines.append(
            f" {v.version:>7}  {', '.join(v.aliases) or '-':<20} {f'{acc:.4f}' if acc is not None else '-':>8}  "
            f"{(v.reference_sha256 or '-')[:12]:<12}  {created}"
        )
    if history:
        lines.append("recent alias moves:")
        for entry in history[-3:]:
            before = f"v{entry['from']}" if entry.get("from") else "unset"
            lines.append(f"  {entry['at']} {entry['alias']}: {before} -> v{entry['to']} ({entry['kind']} by "
                         f"{entry['actor']})")  # fmt: skip
    return "\n".join(lines)


def drift_text(done: DriftCheck) -> str:
    drift = done.drift
    subject = f"{done.model} v{done.version}" if done.model else f"{done.current} vs {done.reference}"
    drifted = drift.drifted
    failed = done.failed_checks
    if drifted:
        rule = (f"any column significant at FDR {drift.fdr:g} or drifted" if drift.rule == "corrected"
                else f"share {drift.drift_share:.2f}, threshold {drift.threshold_share}")  # fmt: skip
        sentence = (f"Drift on {subject}: {len(drifted)} of {len(drift.columns)} columns drifted "
                    f"({', '.join(drifted[:5])}{'...' if len(drifted) > 5 else ''}); dataset drift "
                    f"{'yes' if drift.dataset_drift else 'no'} ({rule}).")  # fmt: skip
    else:
        sentence = f"No drift on {subject}: none of {len(drift.columns)} columns drifted."
    lines = [sentence]
    if failed:
        lines.append(f"Data checks failed ({len(failed)}): " + "; ".join(f"{c.column} {c.check}: {c.detail}"
                                                                       for c in failed[:4]))  # fmt: skip
    counted = set(drifted)
    ordered = sorted(drift.columns.values(), key=lambda d: (d.column not in counted, not d.drift, d.column))
    lines.append(f" {'column':<20} {'method':<30} {'score':>9} {'threshold':>9}  verdict")
    for d in ordered[:MAX_ROWS]:
        verdict = ("DRIFT" if d.column in counted else "drift, not significant" if d.drift
                   else "significant" if d.significant else "ok")  # fmt: skip
        lines.append(f" {d.column[:20]:<20} {d.method:<30} {d.score:>9.4g} {d.threshold:>9g}  {verdict}")
    if len(ordered) > MAX_ROWS:
        lines.append(f" ... and {len(ordered) - MAX_ROWS} more columns")
    if done.model and drifted:
        lines.append(f"Next: 'retrain {done.model}' on fresh labelled data, or 'roll back {done.model}' if a recent "
                     "promotion caused it.")  # fmt: skip
    if done.report:
        lines.append(f"Report: {done.report}" + (f" (MLflow run {done.run_id})" if done.run_id else ""))
    return "\n".join(lines)
