"""The `runbook_search` tool: which runbook (and section) answers this alert or symptom, with the
runbook's suggested actions as tool calls the agent can propose."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import Unavailable
from opsgraph.tools.registry import REGISTRY
from opsgraph.tools.results import ToolResult

TOOL = "runbook_search"
K8S_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


class RunbookSearchArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    query: str = Field("", max_length=2000, description="symptom, question or alert text, e.g. 'pods keep restarting'")
    alerts: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="alert names, e.g. KubePodCrashLooping (exact matches rank first)",
    )
    k: int = Field(3, ge=1, le=20, description="how many runbooks to return")
    name: str | None = Field(
        None, pattern=K8S_NAME, description="workload the alert is about (fills {name} in actions)"
    )
    namespace: str | None = Field(None, pattern=K8S_NAME, description="its namespace (fills {namespace} in actions)")

    @model_validator(mode="after")
    def _something(self) -> RunbookSearchArgs:
        if not self.query.strip() and not self.alerts:
            raise ValueError("give a `query` (symptom or question) or `alerts` (alert names)")
        return self


@REGISTRY.tool(
    TOOL,
    args=RunbookSearchArgs,
    risk="read",
    description=(
        "Find the team's runbooks for an alert or a symptom (alert-name match, keywords and meaning). "
        "Returns the runbook, the section to read, and its suggested actions as tool calls."
    ),
    examples=("runbook for KubePodCrashLooping", "how do we handle a GPU that fell off the bus?"),
)
def runbook_search(args: RunbookSearchArgs, ctx: ToolContext) -> ToolResult:
    from opsgraph.tools.runbooks.documents import RunbookError
    from opsgraph.tools.runbooks.search import searcher

    try:
        found = searcher(ctx.settings.state_dir).search(args.query, args.k, alerts=args.alerts)
    except RunbookError as exc:
        raise Unavailable(f"runbooks cannot be read: {exc}", hint="fix the file or OPSGRAPH_RUNBOOKS_DIRS") from exc
    values = {k: v for k, v in {"name": args.name, "namespace": args.namespace}.items() if v}
    rows = [hit.to_json(values) for hit in found]
    if not rows:
        return results.no_data(TOOL, "No runbook matches that.", {"results": []})
    lines = [f"Runbooks for {args.query or ', '.join(args.alerts)!r}:"]
    for i, row in enumerate(rows, start=1):
        alerts = f" [{', '.join(row['alerts'])}]" if row["alerts"] else ""
        lines.append(
            f"{i}. {row['title']} ({row['runbook']}) — read '{row['section']}'{alerts}  score {row['score']:.2f}"
        )
    first = rows[0]["actions"]
    if first:
        lines.append("Suggested next steps from the first runbook:")
        lines += [f"  - {a['tool']} {a['args']}: {a['why']}" for a in first[:4]]
    return results.ok(TOOL, "\n".join(lines), {"results": rows})
