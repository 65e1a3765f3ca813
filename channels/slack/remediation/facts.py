"""What a policy's conditions read: facts from the incident and from the diagnosis results.

Diagnosis facts are generic: `diagnosis` is every result's text; any field name in the results'
data (nested anywhere) or any table column is a fact whose value is its largest number (so
`restarts` is the most restarts of any pod the diagnosis looked at)."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from opsgraph.channels.slack.remediation.model import Condition, Trigger


def snapshot_facts(snapshot: Any) -> dict[str, Any]:
    top = snapshot.causes[0] if snapshot.causes else None
    return {
        "incident": snapshot.id,
        "severity": snapshot.severity,
        "alert_count": snapshot.alert_count,
        "firing": snapshot.firing,
        "affected_services": snapshot.affected_services,
        "alerts": sorted({t.alert for t in snapshot.timeline}),
        "cause_kind": top.kind if top else None,
        "cause_entity": top.entity if top else None,
    }


def placeholders(snapshot: Any) -> dict[str, str | None]:
    """{service} {namespace} {entity} {incident}: from the incident's first concrete suggestion."""
    action = next((a for a in snapshot.actions if a.args.get("name")), None)
    top = snapshot.causes[0].entity if snapshot.causes else None
    return {
        "service": str(action.args["name"]) if action else (top.rsplit("/", 1)[-1] if top else None),
        "namespace": str(action.args["namespace"]) if action and action.args.get("namespace") else None,
        "entity": top,
        "incident": snapshot.id,
    }


def triggered(trigger: Trigger, facts: dict[str, Any]) -> bool:
    if trigger.alerts and not any(fnmatch.fnmatchcase(a, p) for a in facts["alerts"] for p in trigger.alerts):
        return False
    if trigger.severity and facts["severity"] not in trigger.severity:
        return False
    if trigger.cause_kind and facts["cause_kind"] not in trigger.cause_kind:
        return False
    entity = facts["cause_entity"] or ""
    return not trigger.cause_entity or any(fnmatch.fnmatchcase(entity, p) for p in trigger.cause_entity)


def answer_facts(answer: dict[str, Any] | None) -> dict[str, Any]:
    """The playbook's conclusion as facts: `fix` (the proposed tool, or absent), `root_cause`
    (the resource), `root_cause_reason` (CrashLoopBackOff, OOMKilled, ...)."""
    if not answer:
        return {}
    fix = answer.get("fix") or {}
    cause = answer.get("root_cause") or {}
    facts = {"fix": fix.get("name"), "root_cause": cause.get("resource"), "root_cause_reason": cause.get("reason")}
    return {k: v for k, v in facts.items() if v is not None}


def anomaly_facts(data: dict[str, Any], min_score: float) -> dict[str, Any]:
    """What `anomaly_scan` found, as facts: `anomaly_score` and `anomaly_value` (the highest peak),
    `anomalous_series` (how many series have a period scoring at least `min_score`), `anomaly_series`."""
    hits = [
        (p["peak_score"], p["peak_value"], s["series"])
        for s in data.get("series", [])
        for p in s.get("periods", [])
        if p["peak_score"] >= min_score
    ]
    if not hits:
        return {"anomalous_series": 0}
    score, value, series = max(hits)
    count = len({h[2] for h in hits})
    return {"anomaly_score": score, "anomaly_value": value, "anomaly_series": series, "anomalous_series": count}


def diagnosis_facts(results: list[Any]) -> dict[str, Any]:
    texts: list[str] = []
    numbers: dict[str, float] = {}
    for turn in results:
        texts.append(turn.reply)
        answer = getattr(turn, "answer", None) or {}
        texts.append(str(answer.get("diagnosis", "")))
        texts += [f"{e.get('step', '')}: {e.get('saw', '')}" for e in answer.get("evidence", [])]
        for r in turn.results:
            texts.append(str(r.get("text", "")))
            _numbers(r.get("data"), numbers)
            for view in r.get("views") or []:
                if view.get("kind") == "table":
                    for i, column in enumerate(view["columns"]):
                        for row in view["rows"]:
                            _put(numbers, str(column).lower(), row[i] if i < len(row) else None)
    return {"diagnosis": "\n".join(texts), **numbers}


def _numbers(data: Any, out: dict[str, float]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict | list):
                _numbers(value, out)
            else:
                _put(out, str(key).lower(), value)
    elif isinstance(data, list):
        for item in data:
            _numbers(item, out)


def _put(out: dict[str, float], key: str, value: Any) -> None:
    if isinstance(value, bool) or value is None:
        return
    try:
        number = float(value)
    except (TypeError, ValueError):
        return
    out[key] = max(out.get(key, number), number)


def holds(condition: Condition, facts: dict[str, Any]) -> bool:
    value = facts.get(condition.fact)
    if value is None:
        return False
    items = value if isinstance(value, list) else [value]
    checks = []
    if condition.eq is not None:
        checks.append(value == condition.eq)
    if condition.ne is not None:
        checks.append(value != condition.ne)
    for op, bound in (("lt", condition.lt), ("lte", condition.lte), ("gt", condition.gt), ("gte", condition.gte)):
        if bound is not None:
            if not isinstance(value, int | float):
                return False
            checks.append({"lt": value < bound, "lte": value <= bound, "gt": value > bound, "gte": value >= bound}[op])
    if condition.contains is not None:
        pattern = condition.contains
        checks.append(
            any(fnmatch.fnmatchcase(str(i), pattern) for i in items)
            if isinstance(value, list)
            else pattern in str(value)
        )
    if condition.matches is not None:
        checks.append(any(re.search(condition.matches, str(i)) for i in items))
    return all(checks)


def describe(conditions: list[Condition], facts: dict[str, Any]) -> str:
    """`restarts=5 (gt 3) ✓, diagnosis contains OutOfMemoryError ✗` for the thread."""
    parts = []
    for c in conditions:
        tests = {k: v for k, v in c.model_dump().items() if k != "fact" and v is not None}
        test = ", ".join(f"{k} {v}" for k, v in tests.items())
        shown = facts.get(c.fact)
        shown = "…" if c.fact == "diagnosis" else shown
        parts.append(f"{c.fact}={shown} ({test}) {'✓' if holds(c, facts) else '✗'}")
    return "; ".join(parts) or "no conditions"
