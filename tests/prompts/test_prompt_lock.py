"""A prompt changed without a version bump fails CI; a bump plus `opsgraph prompts lock` passes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from opsgraph.agent.llm.prompts.files import PROMPTS_DIR, PromptFileError, check_lock, read_all, write_lock


def test_shipped_prompts_match_their_locked_versions() -> None:
    assert check_lock() == []


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    for path in [*PROMPTS_DIR.glob("*.yaml"), PROMPTS_DIR / "prompts.lock.json"]:
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_editing_the_prompt_without_a_bump_fails(prompts: Path) -> None:
    _edit(prompts / "system.yaml", "one tool call per step", "several tool calls per step")
    problems = check_lock(prompts)
    assert len(problems) == 1 and "system.yaml changed without a version bump" in problems[0]
    with pytest.raises(PromptFileError, match="already locked"):
        write_lock(prompts)  # the lock refuses to bless the edit under the old version


def test_model_settings_are_part_of_the_prompt(prompts: Path) -> None:
    _edit(prompts / "system.yaml", "temperature: 0.0", "temperature: 0.7")
    assert "without a version bump" in check_lock(prompts)[0]


def test_bump_then_lock_passes(prompts: Path) -> None:
    _edit(prompts / "system.yaml", "one tool call per step", "several tool calls per step")
    _edit(prompts / "system.yaml", "version: 1.0.0", "version: 1.1.0")
    assert "not in prompts.lock.json" in check_lock(prompts)[0]
    assert write_lock(prompts) == ["system 1.1.0"]
    assert check_lock(prompts) == []


def test_adding_a_test_case_needs_no_bump(prompts: Path) -> None:
    (prompts / "system.yaml").write_text(
        (prompts / "system.yaml").read_text() + "  - input: status of prod\n    expected_tool: k8s_status\n"
    )
    assert len(read_all(prompts)["system"].tests) == len(read_all()["system"].tests) + 1
    assert check_lock(prompts) == []


def test_going_back_to_an_older_version_is_flagged(prompts: Path) -> None:
    _edit(prompts / "tools.yaml", "version: 1.0.0", "version: 0.9.0")
    write_lock(prompts)
    assert any("older than locked 1.0.0" in p for p in check_lock(prompts))
