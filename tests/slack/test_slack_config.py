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
    diagnosis: {playbook: investigate}
    actions:
      - call: {tool: k8s_restart, args: {name: "{service}", namespace: "{namespace}"}}
        when: [{fact: restarts, gt: 3}, {fact: diagnosis, contains: OutOfMemoryError}]
"""


def test_the_shipped_slack_config_loads_and_routes_nowhere_by_default() -> None:
    config = load_config()
    assert config.channels == [] and config.route("critical", ("checkout",), ("prod",)) is None


def test_routes_may_name_a_channel_and_resolve_it() -> None:
    from opsgraph.channels.slack.config import SlackConfig

    config = SlackConfig.model_validate(
        {"version": 1, "incidents": {"default_channel": "#incidents",
                                     "routes": [{"match": {"namespace": ["prod"]}, "channel": "#prod-inc"}]}}
    ).resolving({"#prod-inc": "C0PROD", "#incidents": "C0ALL"}.get)  # fmt: skip
    assert config.route("critical", (), ("prod",)) == "C0PROD"
    assert config.route("critical", (), ("staging",)) == "C0ALL"


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
        (('name: "{service}"', 'name: "{svc}"'), 7, "unknown placeholder {svc}"),
        (("{playbook: investigate}", '["status of {service} in {namespace}"]'), 5, "diagnosis is the playbook to run"),
        (("{playbook: investigate}", "{playbook: guess}"), 5, "'investigate'"),
        (
            ("- call: {tool: k8s_restart, args", '- request: "restart {service}"\n        x: {a'),
            7,
            "`request` (words the planner parsed back) is gone",
        ),
        (
            ('trigger: {alerts: ["KubePodCrashLooping"]}', "trigger: {anomaly: {query: up, name: checkout}}"),
            4,
            "either query (PromQL) or name",
        ),
        (
            ('trigger: {alerts: ["KubePodCrashLooping"]}', "trigger: {anomaly: {name: checkout, window: 6 hours}}"),
            4,
            "is not a duration",
        ),
        (
            ('trigger: {alerts: ["KubePodCrashLooping"]}', "trigger: {anomaly: {query: \"up{job='{service}'}\"}}"),
            4,
            "no incident to fill {placeholders} from",
        ),
        (
            ('trigger: {alerts: ["KubePodCrashLooping"]}', "trigger: {anomaly: {name: checkout}}"),
            3,
            "has no alert to resolve: use check metric_below",
        ),
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
    # Looking up a post made just before a failover reads the incident channel's history.
    assert {"channels:history", "groups:history"} <= scopes
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/interactions")
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/ops"]
