"""IaC-Eval tasks: read an IaC-Eval-format CSV in place, and split it in code.

The split is fixed by a hash of each task's prompt, so it does not move when rows are added or
reordered: `design` tasks are the ones a person may read (prompts only) while deciding which
components the deterministic generator supports; `holdout` tasks chose nothing and are what the
eval scores by default. Nobody reads either part's reference outputs or Rego intents to write
templates.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Part = Literal["design", "holdout"]
SPLIT_SALT = "opsgraph-iac-split-v1"


@dataclass(frozen=True)
class IacTask:
    index: int  # row number in the file, from 0
    prompt: str
    intent: str  # the Rego policy
    difficulty: str
    reference: str  # the reference Terraform (used only to check the Rego engine)

    @property
    def part(self) -> Part:
        return split_of(self.prompt)


class TaskFileError(ValueError):
    """The CSV is not in IaC-Eval format."""


def split_of(prompt: str) -> Part:
    digest = hashlib.sha256(f"{SPLIT_SALT}:{prompt.strip()}".encode()).digest()
    return "design" if digest[0] % 2 == 0 else "holdout"


REQUIRED = ("Prompt", "Rego intent", "Difficulty", "Reference output")


def read_tasks(path: Path) -> list[IacTask]:
    csv.field_size_limit(sys.maxsize)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
            if missing:
                raise TaskFileError(f"{path}: not an IaC-Eval CSV (missing columns: {', '.join(missing)})")
            return [
                IacTask(
                    index=i,
                    prompt=row["Prompt"] or "",
                    intent=row["Rego intent"] or "",
                    difficulty=str(row["Difficulty"] or "").strip() or "?",
                    reference=row["Reference output"] or "",
                )
                for i, row in enumerate(reader)
            ]
    except OSError as exc:
        raise TaskFileError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise TaskFileError(f"{path}: not UTF-8 text") from exc
