"""What validation reports: every check, passed or failed, with the file and line it is about."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Source = Literal["terraform", "opsgraph", "checkov", "kubernetes"]


class Check(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    source: Source
    passed: bool
    message: str
    file: str | None = None  # relative to the output directory
    line: int | None = None
    resource: str | None = None


class Validation(BaseModel):
    """The `{"valid", "files", "checks"}` contract of `opsgraph tf generate --json`, plus detail."""

    valid: bool
    files: list[str]
    checks: list[Check]
    plan: dict[str, Any] = Field(default_factory=dict, description="resources to add, by type")
    generator: str = "templates"
    seconds: dict[str, float] = Field(default_factory=dict)
    skipped_checks: list[str] = Field(default_factory=list, description="checks that could not run, and why")

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def contract(self) -> dict[str, Any]:
        """Exactly the keys DESIGN.md names for `opsgraph tf generate --json`."""
        return {
            "valid": self.valid,
            "files": self.files,
            "checks": [c.model_dump(exclude_none=True) for c in self.checks],
        }

    def detail(self) -> dict[str, Any]:
        """The contract plus the plan summary, timings and anything that could not run."""
        return self.contract() | {
            "plan": self.plan,
            "generator": self.generator,
            "seconds": self.seconds,
            "skipped_checks": self.skipped_checks,
        }


_RESOURCE = re.compile(r'^\s*(resource|data)\s+"([^"]+)"\s+"([^"]+)"', re.M)


def resource_lines(root: Path, tf_subdir: str = "terraform") -> dict[str, tuple[str, int]]:
    """`type.name` -> (relative file, line) for every resource block in the Terraform files."""
    found: dict[str, tuple[str, int]] = {}
    for path in sorted((root / tf_subdir).glob("*.tf")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in _RESOURCE.finditer(text):
            key = f"{m.group(2)}.{m.group(3)}" if m.group(1) == "resource" else f"data.{m.group(2)}.{m.group(3)}"
            found[key] = (f"{tf_subdir}/{path.name}", text.count("\n", 0, m.start(2)) + 1)
    return found


def base_address(address: str) -> str:
    """`module.x.aws_db_instance.db[0]` -> `aws_db_instance.db`."""
    parts = [p for p in re.sub(r"\[[^\]]*\]", "", address).split(".")]
    while parts and parts[0] == "module":
        parts = parts[2:]
    return ".".join(parts)
