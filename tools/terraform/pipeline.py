"""Request -> validated files in an output directory.

Everything is rendered into a staging directory under the state dir and validated there; only a
valid bundle is copied to the output directory (unless the caller keeps invalid output to look at).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from opsgraph.tools.terraform.parse import PlatformHint, SpecQuestion, Unsupported, parse_request
from opsgraph.tools.terraform.render import render
from opsgraph.tools.terraform.report import Check, Validation
from opsgraph.tools.terraform.settings import TerraformSettings
from opsgraph.tools.terraform.spec import InfraSpec
from opsgraph.tools.terraform.validate import Validator

Brain = Literal["planner", "llm"]


class OutputConflict(Exception):
    """The output directory already holds different files of the same names."""


@dataclass
class Outcome:
    validation: Validation | None = None
    question: SpecQuestion | None = None
    unsupported: str | None = None
    written: list[str] = field(default_factory=list)
    spec: InfraSpec | None = None
    rounds: int = 0  # model drafts tried (0 for templates)

    def contract(self) -> dict[str, Any]:
        """The `opsgraph tf generate --json` document, exactly {"valid", "files", "checks"}: a question
        or a request the templates do not cover is one failed check that says so."""
        if self.question is not None:
            ask = Check(id="QUESTION", source="opsgraph", passed=False, message=self.question.question,
                        resource=self.question.missing)  # fmt: skip
            return {"valid": False, "files": [], "checks": [ask.model_dump(exclude_none=True)]}
        if self.validation is None:
            gap = Check(id="NOT_COVERED", source="opsgraph", passed=False, message=self.unsupported or "not covered")
            return {"valid": False, "files": [], "checks": [gap.model_dump(exclude_none=True)]}
        return self.validation.contract() | {"files": self.written}

    def detail(self) -> dict[str, Any]:
        """The contract plus the plan summary, timings, the question asked, the model rounds."""
        doc = self.contract()
        if self.question is not None:
            doc |= {"question": self.question.question, "missing": self.question.missing}
        if self.validation is not None:
            doc = self.validation.detail() | doc
        if self.rounds:
            doc["rounds"] = self.rounds
        return doc


def plan_files(
    request: str, settings: TerraformSettings, platform: PlatformHint = "auto"
) -> tuple[InfraSpec, dict[str, str]]:
    spec = parse_request(request, platform=platform, default_region=settings.default_region)
    return spec, render(spec)


def write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def changes(out: Path, files: dict[str, str]) -> dict[str, str]:
    """For each file: create | overwrite | unchanged, against what `out` holds now."""
    found = {}
    for rel, text in files.items():
        path = out / rel
        if not path.exists():
            found[rel] = "create"
        else:
            found[rel] = "unchanged" if path.read_text(encoding="utf-8", errors="replace") == text else "overwrite"
    return found


def generate(
    request: str,
    out: Path,
    settings: TerraformSettings,
    state_dir: Path,
    *,
    platform: PlatformHint = "auto",
    brain: Brain = "planner",
    llm: object | None = None,
    overwrite: bool = False,
    keep_invalid: bool = False,
) -> Outcome:
    """Templates when they cover the request; with a model configured, the model drafts what the
    templates do not cover (see draft.py). Either way the bundle is validated before it is written."""
    validator = Validator(settings, state_dir)
    try:
        spec, files = plan_files(request, settings, platform)
    except SpecQuestion as question:
        return Outcome(question=question)
    except Unsupported as exc:
        if brain != "llm" or llm is None:
            return Outcome(unsupported=str(exc))
        from opsgraph.tools.terraform.draft import draft_and_repair

        drafted = draft_and_repair(request, llm, validator, _staging(state_dir, request), settings.llm_rounds)
        outcome = Outcome(validation=drafted.validation, rounds=drafted.rounds)
        if drafted.validation.valid or keep_invalid:
            outcome.written = _publish(drafted.root, out, overwrite)
        shutil.rmtree(drafted.root, ignore_errors=True)
        return outcome
    conflicts = [rel for rel, what in changes(out, files).items() if what == "overwrite"]
    if conflicts and not overwrite:
        raise OutputConflict(
            f"{out} already has different {', '.join(conflicts)}; choose another directory or overwrite"
        )
    stage = _staging(state_dir, request)
    try:
        write_files(stage, files)
        validation = validator.validate(stage, spec)
        outcome = Outcome(validation=validation, spec=spec)
        if validation.valid or keep_invalid:
            outcome.written = _publish(stage, out, overwrite=True)
        return outcome
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _staging(state_dir: Path, request: str) -> Path:
    base = state_dir / "terraform" / "staging"
    base.mkdir(parents=True, exist_ok=True)
    slug = hashlib.sha256(request.encode()).hexdigest()[:8]
    return Path(tempfile.mkdtemp(prefix=f"{slug}-", dir=base))


def _publish(stage: Path, out: Path, overwrite: bool) -> list[str]:
    written = []
    for path in sorted(p for p in stage.rglob("*") if p.is_file()):
        rel = path.relative_to(stage)
        target = out / rel
        if target.exists() and not overwrite and target.read_bytes() != path.read_bytes():
            raise OutputConflict(f"{out} already has a different {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written.append(str(rel))
    return written
