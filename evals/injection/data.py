"""Readers for the public injection data in ../shared/data/injection (measuring only)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter


class _LabelledRow(BaseModel):
    model_config = ConfigDict(extra="ignore")
    prompt: str
    label: int
    source: str = "unknown"


class _PromptRow(BaseModel):
    model_config = ConfigDict(extra="ignore")
    prompt: str


class _TensorTrustRow(BaseModel):
    model_config = ConfigDict(extra="ignore")
    attack: str


@dataclass(frozen=True)
class Sample:
    text: str
    label: int  # 1 = injection
    source: str


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"missing public data file {path}") from exc


def valid(root: Path) -> list[Sample]:
    rows = TypeAdapter(list[_LabelledRow]).validate_python(_read_json(root / "valid.json"))
    return [Sample(r.prompt, int(r.label), r.source) for r in rows]


def not_inject(root: Path) -> list[Sample]:
    samples: list[Sample] = []
    for name in ("NotInject_one", "NotInject_two"):
        rows = TypeAdapter(list[_PromptRow]).validate_python(_read_json(root / f"{name}.json"))
        samples += [Sample(r.prompt, 0, name) for r in rows]
    return samples


def wildguard_benign(root: Path) -> list[Sample]:
    rows = TypeAdapter(list[_LabelledRow]).validate_python(_read_json(root / "wildguard.json"))
    return [Sample(r.prompt, 0, "wildguard") for r in rows if r.label == 0]


def bipia_text_attacks(root: Path) -> list[Sample]:
    table = TypeAdapter(dict[str, list[str]]).validate_python(_read_json(root / "BIPIA_text.json"))
    return [Sample(text, 1, f"BIPIA_text/{category}") for category, texts in table.items() for text in texts]


def tensor_trust_attacks(root: Path) -> list[Sample]:
    path = root / "tensor_trust_hijacking.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"missing public data file {path}")
    adapter = TypeAdapter(_TensorTrustRow)
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Sample(adapter.validate_json(line).attack, 1, "tensor_trust") for line in lines if line.strip()]
