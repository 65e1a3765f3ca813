"""help: what opsgraph can do, with example phrasings, derived from the registry itself."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import REGISTRY
from opsgraph.tools.results import ToolResult

RISK_LABEL = {"read": "read-only", "write": "needs approval", "destructive": "needs two people"}


class HelpArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: str | None = Field(None, description="A tool name or a word such as deploy or logs", max_length=64)


@REGISTRY.tool(
    "help",
    args=HelpArgs,
    risk="read",
    description="List what opsgraph can do, with example requests.",
    examples=("help", "what can you do?"),
)
def show_help(args: HelpArgs, ctx: ToolContext) -> ToolResult:
    tools = [t for t in REGISTRY if t.name != "help"]
    if args.topic:
        topic = args.topic.lower()
        matching = [t for t in tools if topic in t.name or topic in t.description.lower()]
        tools = matching or tools
    entries = [
        {"tool": t.name, "description": t.description, "risk": t.risk, "examples": list(t.examples)} for t in tools
    ]
    lines = ["I can help with:"]
    for t in tools:
        example = f' (e.g. "{t.examples[0]}")' if t.examples else ""
        lines.append(f"  {t.name}: {t.description} [{RISK_LABEL[t.risk]}]{example}")
    return results.ok("help", "\n".join(lines), {"tools": entries})
