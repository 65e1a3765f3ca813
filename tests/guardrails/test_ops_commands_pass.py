"""Over-defense check: no ops request from the planner's phrasing table may be blocked as an
injection (those are exactly the messages people send all day)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from opsgraph.guardrails.injection import scan

CASES = [c["text"] for c in yaml.safe_load((Path(__file__).parents[1] / "agent" / "planner_cases.yaml").read_text())]


@pytest.mark.parametrize("text", CASES)
def test_ops_request_is_not_blocked(text: str) -> None:
    verdict = scan(text)
    assert not verdict.injection, f"{text!r} blocked: score {verdict.score:.2f}, {verdict.reasons}"
