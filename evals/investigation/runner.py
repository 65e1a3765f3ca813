"""Run investigation cases, each on a fresh sandbox, through the whole agent (planner brain)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from opsgraph.evals.base import EvalReport, Metric, SuiteOptionError
from opsgraph.evals.investigation.case import Case, CaseError, load_cases

SHIPPED = Path(__file__).parent / "cases"
MANIFEST_TIMEOUT_S = 30.0


def run(data_dir: Path | None = None, cases: Path | None = None) -> EvalReport:
    """Every case of `cases` (default: the shipped ones); `data_dir` is unused (no public data)."""
    try:
        loaded = load_cases(cases or SHIPPED)
    except CaseError as exc:
        # A folder the user named that holds no valid cases is their input to fix, not a skip.
        raise SuiteOptionError(f"--cases: {exc}") from None
    rows = [_run_case(path, case) for path, case in loaded]
    return _report(rows)


def _run_case(path: Path, case: Case) -> dict[str, Any]:
    from opsgraph.agent.service import Agent, AgentRequest
    from opsgraph.agent.settings import Settings
    from opsgraph.sandbox.faults.spec import Fault
    from opsgraph.sandbox.server import SandboxServer

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="opsgraph-eval-") as tmp:
        root = Path(tmp)
        scenario = (path.parent / case.scenario) if case.scenario else None
        server = SandboxServer(root / "sandbox" / "state.json", scenario, time_scale=0.005).start()
        try:
            kubeconfig = server.write_kubeconfig(root / "kubeconfig")
            nodes = _node_names(kubeconfig, case)
            for fault in case.faults:
                target = nodes.get(fault.target, fault.target)
                server.inject(Fault(kind=fault.kind, target=target, params=fault.params), wait=MANIFEST_TIMEOUT_S)
            settings = Settings(
                state_dir=root / "state",
                cluster="kubeconfig",
                kubeconfig=kubeconfig,
                model_cache_dir=Settings().cache_dir,
                rollout_timeout_s=10,
            )
            agent = Agent(settings)
            try:
                result = agent.handle(AgentRequest(text=case.question, user="eval", thread_id=case.name))
                unapproved = _unapproved_writes(agent)
            finally:
                agent.close()
        finally:
            server.stop()
    return _score(case, result, nodes, unapproved, time.monotonic() - started)


def _node_names(kubeconfig: Path, case: Case) -> dict[str, str]:
    """node-of:NS/NAME -> the node its first pod runs on (nodes are named by the scenario)."""
    wanted = {f.target for f in case.faults} | {case.root_cause.resource}
    refs = [w for w in wanted if w.startswith("node-of:")]
    if not refs:
        return {}
    from opsgraph.tools.k8s._client import ClusterClient

    client = ClusterClient.from_kubeconfig(kubeconfig, context=None, timeout_s=5)
    found = {}
    for ref in refs:
        namespace, _, name = ref.removeprefix("node-of:").partition("/")
        pods = sorted(client.pods(namespace, f"app={name}"), key=lambda p: p["metadata"]["name"])
        if not pods or not (pods[0].get("spec") or {}).get("nodeName"):
            raise CaseError(f"{case.name}: {ref} has no scheduled pod")
        found[ref] = pods[0]["spec"]["nodeName"]
    return found


def _unapproved_writes(agent: Any) -> int:
    """Writes executed without a person's (or the policy's) approval: must always be zero."""
    registry = agent.context.registry
    count = 0
    for entry in agent.audit.entries(event="executed"):
        tool = registry.get(entry.subject)
        if tool is not None and tool.writes and not entry.data.get("approval"):
            count += 1
    return count


def _score(case: Case, result: Any, nodes: dict[str, str], unapproved: int, seconds: float) -> dict[str, Any]:
    answer = result.answer or {}
    named = answer.get("root_cause") or {}
    expected_resource = nodes.get(case.root_cause.resource, case.root_cause.resource)
    hit = named.get("resource") == expected_resource and named.get("reason") in case.root_cause.reason
    fix = answer.get("fix")
    if case.fix is None:
        fix_ok = fix is None
    else:
        fix_ok = (fix is None and case.fix.or_none) or (
            fix is not None
            and fix["name"] == case.fix.tool
            and all(fix["args"].get(k) == v for k, v in case.fix.args.items())
        )
    return {
        "case": case.name,
        "split": case.split,
        "hit": hit,
        "fix_ok": fix_ok,
        "steps": result.steps,
        "unapproved_writes": unapproved,
        "status": result.status,
        "named": named,
        "expected": {"resource": expected_resource, "reason": case.root_cause.reason},
        "fix": fix,
        "seconds": round(seconds, 2),
    }


def _report(rows: list[dict[str, Any]]) -> EvalReport:
    """Thresholds hold on the development cases (written together with the playbooks, the issue's
    "own cases"); held-out cases, written afterwards and never used to change a playbook, are
    reported beside them so the gap shows."""

    def share(key: str, subset: list[dict[str, Any]]) -> float:
        return sum(1 for r in subset if r[key]) / len(subset) if subset else 0.0

    development = [r for r in rows if r["split"] == "development"] or rows
    held_out = [r for r in rows if r["split"] == "held-out"]
    # thresholds: evals/thresholds.yaml (issue 11's, and no write without approval)
    metrics = [
        Metric(name="hit_at_1", value=share("hit", development)),
        Metric(name="fix_proposed", value=share("fix_ok", development)),
        Metric(name="hit_at_1_all_cases", value=share("hit", rows)),
        Metric(name="mean_tool_steps", value=sum(r["steps"] for r in rows) / len(rows), higher_is_better=False),
        Metric(
            name="unapproved_writes", value=float(sum(r["unapproved_writes"] for r in rows)), higher_is_better=False
        ),
    ]
    if held_out:
        metrics += [
            Metric(name="hit_at_1_held_out", value=share("hit", held_out)),
            Metric(name="fix_proposed_held_out", value=share("fix_ok", held_out)),
        ]
    details = {"cases": rows, "development_cases": len(development), "held_out_cases": len(held_out)}
    return EvalReport(suite="investigation", metrics=metrics, details=details)
