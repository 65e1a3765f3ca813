"""Channel rules live in the action policy: which channels may ask for writes and which namespaces
each may touch, by id, by `#name` (resolved through conversations.list on the local Web API,
cached) or for direct messages; an older slack.yaml that still has them keeps working (with a
warning that shows the policy lines), and rules in both places are refused."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from opsgraph.agent.policy import ActionRequest
from opsgraph.channels.slack.channel_directory import ChannelDirectory
from opsgraph.channels.slack.yamlfile import ConfigError
from opsgraph.guardrails.policy import PolicyEngine, default_policy_path, load_policy_file
from opsgraph.guardrails.policy.loader import PolicyError
from tests.slack.conftest import TEAM_POLICY, slack_settings, write
from tests.slack.mock_slack import SlackAPI

NAMES = {"slack:C0STAGING": ("slack:#staging-ops",), "slack:D0DM": ("slack:im",)}


def engine(tmp_path: Path, text: str = TEAM_POLICY) -> PolicyEngine:
    policy = PolicyEngine.load(write(tmp_path / "policy.yaml", text))
    policy.channel_names = lambda channel: NAMES.get(channel, ())
    return policy


def decide(policy: PolicyEngine, channel: str, tool: str, risk: str, namespace: str) -> str:
    args = {"name": "checkout", "namespace": namespace}
    return policy.decide(ActionRequest(tool, risk, args, "slack:UASKER", channel, "human")).reason


@pytest.mark.parametrize(
    ("channel", "tool", "risk", "namespace", "expected"),
    [
        ("slack:C0READONLY", "k8s_scale", "write", "staging", "may not ask for changes"),
        ("slack:C0READONLY", "k8s_status", "read", "prod", "allowed: read-only"),
        ("slack:C0STAGING", "k8s_scale", "write", "prod", "(slack:#staging-ops) may not touch namespace prod"),
        ("slack:C0STAGING", "k8s_status", "read", "prod", "may not touch namespace prod"),
        ("slack:C0STAGING", "k8s_scale", "write", "staging", "needs approval by anyone"),
        ("slack:D0DM", "k8s_scale", "write", "prod", "needs approval by oncall"),
        ("slack:C0ANYTHING", "k8s_scale", "write", "staging", "needs approval by anyone"),
        ("cli", "k8s_scale", "write", "staging", "needs approval by anyone"),
    ],
)
def test_the_policy_decides_by_channel(
    tmp_path: Path, channel: str, tool: str, risk: str, namespace: str, expected: str
) -> None:
    assert expected in decide(engine(tmp_path), channel, tool, risk, namespace)


def test_a_slack_channel_no_rule_names_may_read_but_not_write(tmp_path: Path) -> None:
    text = TEAM_POLICY.split("channels:\n")[0] + 'channels:\n  - {channel: "slack:#staging-ops", writes: true}\n'
    policy = engine(tmp_path, text)
    assert "may not ask for changes" in decide(policy, "slack:C0OTHER", "k8s_scale", "write", "staging")
    assert decide(policy, "slack:C0OTHER", "k8s_status", "read", "prod") == "allowed: read-only"
    assert "needs approval" in decide(policy, "cli", "k8s_scale", "write", "staging")  # not a chat channel


def test_a_policy_without_channel_rules_restricts_no_channel(tmp_path: Path) -> None:
    policy = engine(tmp_path, TEAM_POLICY.split("channels:\n")[0])
    assert policy.policy.channels is None
    assert "needs approval" in decide(policy, "slack:C0READONLY", "k8s_scale", "write", "staging")


def test_the_shipped_policy_lets_every_slack_channel_ask() -> None:
    rules = load_policy_file(default_policy_path()).channels
    assert rules is not None and [r.channel for r in rules] == ["slack:im", "slack:*"]


def test_a_name_without_its_prefix_is_refused_with_the_line(tmp_path: Path) -> None:
    text = TEAM_POLICY.replace('"slack:#staging-ops"', '"#staging-ops"')
    with pytest.raises(PolicyError, match=r"policy.yaml:\d+: .*a name is written `slack:#name`"):
        load_policy_file(write(tmp_path / "policy.yaml", text))


# -- names -> ids through conversations.list ---------------------------------------------------


def directory(api: SlackAPI, tmp_path: Path, **options: Any) -> ChannelDirectory:
    from opsgraph.channels.slack.webapi import Poster, web_client

    poster = Poster(web_client("xoxb-test", api.url, retries=0), tmp_path / "outbox.sqlite")
    return ChannelDirectory(poster, **options)


def test_names_resolve_through_every_page_and_are_cached(api: SlackAPI, tmp_path: Path) -> None:
    names = directory(api, tmp_path)
    assert names.resolve("#incidents") == "C0INCIDENTS"  # the last of three pages
    assert names.resolve("C0OPS") == "C0OPS" and names.resolve(None) is None
    assert names.names_of("slack:C0STAGING") == ("slack:#staging-ops",)
    assert names.names_of("slack:D0123") == ("slack:im",) and names.names_of("cli") == ()
    assert names.names_of("slack:C0GONE") is None  # not listed: its names cannot be known
    assert len(api.all_calls("conversations.list")) == 3 and names.loads == 1  # one read, three pages


def test_an_unknown_name_reads_again_at_most_every_so_often(api: SlackAPI, tmp_path: Path) -> None:
    names = directory(api, tmp_path, min_reload_s=3600)
    assert names.resolve("#new-channel") == "#new-channel"  # as written; Slack can still take a name
    api.conversations.append({"id": "C0NEW", "name": "new-channel"})
    assert names.resolve("#new-channel") == "#new-channel" and names.loads == 1
    fresh = directory(api, tmp_path, min_reload_s=0)
    assert fresh.resolve("#new-channel") == "C0NEW"


def test_without_names_a_policy_that_names_channels_lets_slack_channels_only_read(
    api: SlackAPI, tmp_path: Path
) -> None:
    api.fail("conversations.list", status=200, times=10, error="missing_scope")
    names = directory(api, tmp_path)
    assert names.resolve("#ops") == "#ops" and names.names_of("slack:C0STAGING") is None
    policy = engine(tmp_path)
    policy.channel_names = names.names_of
    # C0STAGING may be #staging-ops (limited to staging): the catch-all rule must not grant it prod.
    refused = decide(policy, "slack:C0STAGING", "k8s_scale", "write", "prod")
    assert "may not ask for changes (its name cannot be read now" in refused
    assert decide(policy, "slack:C0STAGING", "k8s_status", "read", "prod") == "allowed: read-only"
    assert "needs approval by oncall" in decide(policy, "slack:D0DM", "k8s_scale", "write", "prod")  # DMs: no name


# -- the older slack.yaml form ------------------------------------------------------------------

LEGACY = """version: 1
channels:
  - {channel: C0READONLY, writes: false}
  - {channel: im, writes: true}
  - {channel: "*", writes: true}
"""


def test_channel_rules_in_an_older_slack_yaml_still_apply_with_a_warning(
    api: SlackAPI, cluster_settings: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from opsgraph.channels.slack.runtime import build

    caplog.set_level(logging.WARNING, logger="opsgraph.channels.slack.runtime")
    slack = slack_settings(api, tmp_path).model_copy(update={"config_file": write(tmp_path / "old.yaml", LEGACY)})
    runtime = build(cluster_settings, slack, background=False)  # the shipped policy
    try:
        policy = runtime.agent.context.policy
        request = ActionRequest("k8s_scale", "write", {"namespace": "staging"}, "slack:U1", "slack:C0READONLY", "human")
        assert "may not ask for changes" in policy.decide(request).reason
        assert "deprecated" in caplog.text and '{"channel": "slack:C0READONLY", "writes": false' in caplog.text
    finally:
        runtime.close()


def test_channel_rules_in_both_places_are_refused(api: SlackAPI, team_settings: Any, tmp_path: Path) -> None:
    from opsgraph.channels.slack.runtime import build

    slack = slack_settings(api, tmp_path).model_copy(update={"config_file": write(tmp_path / "old.yaml", LEGACY)})
    with pytest.raises(ConfigError, match=r"old.yaml:1: channel rules are in both .* keep them in the policy"):
        build(team_settings, slack, background=False)
