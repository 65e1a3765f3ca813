"""The Slack configuration and the remediation policy file are validated at start-up, and an
error names the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.channels.slack.config import load_config
from opsgraph.channels.slack.remediation.model import load_policies
from opsgraph.channels.slack.yamlfile import ConfigError

VALID_REMEDIATION = """version: 1
policies:
  - name: oom-restart
    trigger: {alerts: ["KubePodCrashLooping"]}
    diagnosis: ["status of {service} in {namespace}"]
    actions:
      - request: "restart {service} in {namespace}"
        when: [{fact: restarts, gt: 3}, {fact: diagnosis, contains: OutOfMemoryError}]
"""


def test_the_shipped_slack_config_loads() -> None:
    config = load_config()
    assert config.rule_for("D0123").writes and config.rule_for("C0123").writes


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("version: 1\nchannels:\n  - {channel: C1, writes: maybe}\n", 3, "writes"),
        ("version: 1\nincidents:\n  rate_limit: {count: 0, per_seconds: 60}\n", 3, "greater than 0"),
        ("version: 1\nchanels: []\n", 2, "Extra inputs"),
        ("version: 1\nchannels: [\n", 3, "not valid YAML"),
    ],
)
def test_an_invalid_slack_config_names_the_line(tmp_path: Path, text: str, line: int, reason: str) -> None:
    path = tmp_path / "slack.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value).startswith(f"{path}:{line}:") and reason in str(exc.value)


def test_a_valid_remediation_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(VALID_REMEDIATION)
    (policy,) = load_policies(path).policies
    assert policy.actions[0].auto is False  # opt-in
    assert policy.success.check == "alert_resolved"


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (('["KubePodCrashLooping"]', "[]"), 4, "needs at least one of"),
        (('{service} in {namespace}"]', '{svc}"]'), 5, "unknown placeholder {svc}"),
        (("gt: 3", "gt: many"), 8, "valid number"),
        (("{fact: restarts, gt: 3}", "{fact: restarts}"), 8, "needs a test"),
        (("contains: OutOfMemoryError", "matches: '(unclosed'"), 8, "regular expression"),
        (("name: oom-restart", "name: OOM Restart"), 3, "pattern"),
    ],
)
def test_an_invalid_remediation_file_names_the_line(
    tmp_path: Path, change: tuple[str, str], line: int, reason: str
) -> None:
    path = tmp_path / "r.yaml"
    assert change[0] in VALID_REMEDIATION
    path.write_text(VALID_REMEDIATION.replace(change[0], change[1]))
    with pytest.raises(ConfigError) as exc:
        load_policies(path)
    assert str(exc.value).startswith(f"{path}:{line}:"), str(exc.value)
    assert reason in str(exc.value)


def test_two_policies_with_one_name_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    body = VALID_REMEDIATION.split("policies:\n", 1)[1]
    path.write_text("version: 1\npolicies:\n" + body + body)
    with pytest.raises(ConfigError, match=r":9: policy name 'oom-restart' is used twice"):
        load_policies(path)


def test_the_shipped_example_remediation_file_is_valid() -> None:
    from importlib import resources

    path = Path(str(resources.files("opsgraph.channels.slack.remediation") / "example.yaml"))
    assert load_policies(path).policies


def test_the_manifest_asks_for_what_the_app_uses() -> None:
    from importlib import resources

    import yaml

    manifest = yaml.safe_load((resources.files("opsgraph.channels.slack") / "manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "usergroups:read"} <= scopes
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/interactions")
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/ops"]
