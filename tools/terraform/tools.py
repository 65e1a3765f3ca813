"""The `terraform_generate` tool: request -> validated Terraform/Kubernetes files in a directory.

Risk `write`: it writes files (a write to disk is a write in this project) but changes no
infrastructure; its dry-run lists the files it would write and whether each is new or replaces one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from opsgraph.tools import results
from opsgraph.tools.context import ToolContext
from opsgraph.tools.errors import Conflict, InvalidInput, Unavailable
from opsgraph.tools.registry import REGISTRY, DryRun
from opsgraph.tools.results import ToolResult

TOOL = "terraform_generate"


class TerraformGenerateArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    request: str = Field(
        ..., min_length=3, max_length=4000, description="what to build, in plain words (components, sizes, access)"
    )
    out: str | None = Field(None, description="output directory (default: a folder under the state dir)")
    platform: Literal["auto", "aws", "kubernetes"] = Field(
        "auto", description="where databases run when the request does not say: AWS (RDS) or in-cluster"
    )
    overwrite: bool = Field(False, description="replace files of the same name already in the output directory")

    @field_validator("request")
    @classmethod
    def _request(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("request is empty; describe the infrastructure to generate")
        return " ".join(value.split())


def output_dir(args: TerraformGenerateArgs, ctx: ToolContext) -> Path:
    if args.out:
        return Path(args.out).expanduser()
    slug = hashlib.sha256(args.request.encode()).hexdigest()[:10]
    return ctx.settings.state_dir / "terraform" / "out" / slug


def _dry_run(args: TerraformGenerateArgs, ctx: ToolContext) -> DryRun:
    from opsgraph.tools.terraform.parse import SpecQuestion, Unsupported
    from opsgraph.tools.terraform.pipeline import changes, plan_files
    from opsgraph.tools.terraform.settings import TerraformSettings

    out = output_dir(args, ctx)
    try:
        _, files = plan_files(args.request, TerraformSettings(), args.platform)
    except SpecQuestion as question:
        raise InvalidInput(question.question) from question
    except Unsupported as exc:
        if ctx.settings.brain != "llm":
            raise InvalidInput(str(exc)) from exc
        return DryRun(
            diff=f"a model drafts the files into {out}; only validated output is written", data={"out": str(out)}
        )
    found = changes(out, files)
    lines = [f"write into {out} (validated first; no infrastructure changes):"]
    lines += [f"  {what:9} {rel}" for rel, what in found.items()]
    return DryRun(
        diff="\n".join(lines),
        changes=any(w != "unchanged" for w in found.values()),
        data={"out": str(out), "files": found},
    )


@REGISTRY.tool(
    TOOL,
    args=TerraformGenerateArgs,
    risk="write",
    dry_run=_dry_run,
    description=(
        "Generate Terraform (AWS) and, for in-cluster requests, Kubernetes manifests from a plain-words "
        "request, validate them (terraform validate and plan offline, checkov, security checks on the "
        "plan) and write them to a directory. Changes no infrastructure."
    ),
    examples=(
        "generate terraform for postgres with 3 replicas, daily backups kept 30 days, only from the backend namespace",
        "terraform for an encrypted s3 bucket named acme-logs in eu-west-1",
    ),
)
def terraform_generate(args: TerraformGenerateArgs, ctx: ToolContext) -> ToolResult:
    from opsgraph.tools.terraform.checkov_client import CheckovUnavailable
    from opsgraph.tools.terraform.pipeline import OutputConflict, generate
    from opsgraph.tools.terraform.settings import TerraformSettings
    from opsgraph.tools.terraform.tf_runner import TerraformUnavailable

    out = output_dir(args, ctx)
    llm = None
    if ctx.settings.brain == "llm":
        from opsgraph.tools.terraform.draft import ModelClient

        llm = ModelClient.from_settings(ctx.settings)
    try:
        outcome = generate(
            args.request, out, TerraformSettings(), ctx.settings.state_dir,
            platform=args.platform, brain="planner" if llm is None else "llm", llm=llm, overwrite=args.overwrite,
        )  # fmt: skip
    except OutputConflict as exc:
        raise Conflict(str(exc), hint="set overwrite, or choose another output directory") from exc
    except (TerraformUnavailable, CheckovUnavailable) as exc:
        raise Unavailable(str(exc)) from exc
    doc = outcome.detail()
    if outcome.question is not None:
        raise InvalidInput(outcome.question.question)
    if outcome.validation is None:
        raise InvalidInput(outcome.unsupported or "the request is not covered by the templates")
    v = outcome.validation
    failed = v.failed
    if v.valid:
        text = f"Wrote {len(outcome.written)} validated files to {out} ({len(v.checks)} checks passed)."
    else:
        shown = "; ".join(f"{c.id} {c.file or ''}:{c.line or ''} {c.message}" for c in failed[:5])
        text = f"Not written: {len(failed)} of {len(v.checks)} checks failed: {shown}"
    if v.plan:
        text += f" Plan: {v.plan.get('add', 0)} resources to add."
    return results.ok(TOOL, text, doc) if v.valid else results.error(TOOL, "failed", text)
