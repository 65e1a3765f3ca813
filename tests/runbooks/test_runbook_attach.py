"""The runbook attached to incidents and investigations: what the on-call engineer reads in the
answer, in `incident_show`, in the Slack incident post and in `opsgraph alerts incidents`; found by
alert name or keywords without loading the embedding model, and by the model only when needed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from opsgraph.evals.runbooks import eval_state_dir
from opsgraph.tools.runbooks import attach, embedding


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the embedding model fails the test: these paths must never need it."""

    def refuse() -> Any:
        raise AssertionError("the embedding model was loaded")

    monkeypatch.setattr(embedding, "embedder", refuse)


def test_an_alert_name_attaches_its_runbook_without_the_model(no_model: None) -> None:
    found = attach.best_runbook(["KubePodCrashLooping"], "")
    assert found is not None and found.runbook == "pod-crash-looping" and found.how == "alert"
    # No words to choose a section by: the first section with suggested actions, as a link.
    assert found.line() == "Runbook: Pod crash looping (runbooks/pod-crash-looping.md#first-look)"


def test_words_choose_between_runbooks_that_list_the_same_alert(no_model: None) -> None:
    """KubePodCrashLooping is listed by the crash-loop and the OOMKilled runbooks: the text decides."""
    found = attach.best_runbook(["KubePodCrashLooping"], "container OOMKilled, exit code 137, memory limit")
    assert found is not None and found.runbook == "oom-killed"


def test_distinct_keywords_attach_without_the_model(no_model: None) -> None:
    found = attach.best_runbook([], "ImagePullBackOff: manifest unknown for the image tag")
    assert found is not None and found.runbook == "image-pull-errors" and found.how == "keyword"


def test_vague_text_gets_no_runbook_rather_than_a_guess_when_the_model_is_off(no_model: None) -> None:
    assert attach.runbooks_for([], "the thing is weird", semantic=False) == []


def test_vague_text_asks_the_model_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from opsgraph.agent.settings import Settings

    state = eval_state_dir(Settings().cache_dir)  # the session's index of the shipped runbooks
    first = attach.runbooks_for([], "requests crawl for everyone since lunch", state_dir=state)
    assert first and first[0].how == "semantic"  # no alert name, no distinctive word: the model decides
    loads = embedding.embedder.cache_info().misses
    attach.runbooks_for([], "the thing is weird", state_dir=state)
    assert embedding.embedder.cache_info().misses == loads == 1


def test_a_broken_runbook_folder_attaches_nothing_and_breaks_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPSGRAPH_RUNBOOKS_DIRS", str(tmp_path / "missing"))
    assert attach.for_incident(["KubePodCrashLooping"], "") is None


def test_a_healthy_investigation_gets_no_runbook(no_model: None) -> None:
    assert attach.for_answer({"diagnosis": "all fine", "root_cause": {"reason": "Healthy"}}) is None


def test_an_investigation_answer_shows_its_runbook(cluster_settings: Any, sandbox: Any, no_model: None) -> None:
    from opsgraph.agent.service import Agent, AgentRequest
    from opsgraph.sandbox.faults.spec import Fault

    sandbox.server.inject(Fault(kind="oom", target="prod/cart"), wait=30)
    agent = Agent(cluster_settings)
    try:
        result = agent.handle(AgentRequest(text="what's wrong with cart in prod?", user="alice", thread_id="t"))
    finally:
        agent.close()
    assert "OOMKilled" in result.reply
    assert "Runbook: Container OOMKilled (runbooks/oom-killed.md#" in result.reply
    assert result.answer and result.answer["runbook"]["runbook"] == "oom-killed"


# -- incidents --------------------------------------------------------------------------------------


def _alert(i: int, name: str = "KubePodCrashLooping") -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    labels = {"alertname": name, "severity": "critical", "namespace": "prod", "service": "checkout"}
    return {
        "status": "firing",
        "startsAt": now,
        "endsAt": "0001-01-01T00:00:00Z",
        "labels": labels | {"pod": f"checkout-7d9f8b6c5d-x2k4{i}"},
        "annotations": {"summary": "checkout is crash looping"},
    }


@pytest.fixture
def pipeline(isolated_state: Path) -> Iterator[Any]:
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.alerts.pipeline import AlertPipeline

    settings = Settings()
    settings.ensure_state_dir()
    opened = AlertPipeline.open(settings.alerts_db)
    document = {"version": "4", "status": "firing", "receiver": "opsgraph", "alerts": [_alert(i) for i in range(3)]}
    opened.receive(document, json.dumps(document))
    yield opened
    opened.close()


def test_the_slack_incident_post_names_its_runbook(pipeline: Any, no_model: None) -> None:
    from opsgraph.channels.slack.incident_blocks import incident_blocks

    (snapshot,) = pipeline.snapshots()
    text = json.dumps(incident_blocks(snapshot), ensure_ascii=False)
    assert "Runbook: Pod crash looping (runbooks/pod-crash-looping.md#" in text


def test_incident_show_names_its_runbook(pipeline: Any, no_model: None) -> None:
    from opsgraph.agent.settings import Settings
    from opsgraph.tools.context import ToolContext
    from opsgraph.tools.registry import load_builtin_tools

    result = load_builtin_tools().call("incident_show", {}, ToolContext(Settings(), actor="test"))
    assert result.status == "ok", result.text
    assert "Runbook: Pod crash looping (runbooks/pod-crash-looping.md#" in result.text
    assert result.data["runbook"]["runbook"] == "pod-crash-looping"


def _alerts_cli() -> typer.Typer:
    from opsgraph.channels.cli import alerts_cmds

    app = typer.Typer()
    alerts_cmds.register(app)
    return app


def test_alerts_incidents_lists_each_incident_with_its_runbook(pipeline: Any, no_model: None) -> None:
    runner = CliRunner()
    shown = runner.invoke(_alerts_cli(), ["alerts", "incidents"])
    assert shown.exit_code == 0, shown.output
    assert "3 alerts" in shown.output
    assert "Runbook: Pod crash looping (runbooks/pod-crash-looping.md#" in shown.output
    as_json = runner.invoke(_alerts_cli(), ["alerts", "incidents", "--json"])
    (incident,) = json.loads(as_json.stdout)["incidents"]
    assert incident["runbook"]["link"].startswith("runbooks/pod-crash-looping.md#")


def test_alerts_incidents_without_a_store_says_how_to_get_one(isolated_state: Path) -> None:
    shown = CliRunner().invoke(_alerts_cli(), ["alerts", "incidents"])
    assert shown.exit_code == 1 and "opsgraph serve" in shown.output
