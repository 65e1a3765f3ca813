"""k8s_status and k8s_logs against the sandbox, through the official kubernetes client."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.agent.settings import Settings
from opsgraph.tools.context import ToolContext
from opsgraph.tools.k8s._client import ClusterClient
from opsgraph.tools.registry import Registry


def test_namespace_overview_lists_every_deployment_with_readiness(registry: Registry, ctx: ToolContext) -> None:
    result = registry.call("k8s_status", {"namespace": "prod"}, ctx)
    assert result.status == "ok"
    names = {row["name"] for row in result.data["deployments"]}
    assert names == {"frontend", "checkout", "payments", "cart", "catalog", "search-api", "recommendation"}
    checkout = next(r for r in result.data["deployments"] if r["name"] == "checkout")
    assert checkout["ready"] == checkout["desired"] > 0
    assert "prod/checkout" in result.text


def test_overview_without_namespace_covers_all_namespaces(registry: Registry, ctx: ToolContext) -> None:
    result = registry.call("k8s_status", {}, ctx)
    assert {"prod", "staging", "ml"} <= {row["namespace"] for row in result.data["deployments"]}


def test_workload_detail_shows_pods_history_and_events(registry: Registry, ctx: ToolContext) -> None:
    result = registry.call("k8s_status", {"namespace": "prod", "name": "checkout"}, ctx)
    assert result.status == "ok"
    data = result.data
    assert len(data["pods"]) == data["desired"]
    assert all(p["node"].startswith("cpu-node") for p in data["pods"])
    revisions = [h["revision"] for h in data["history"]]
    assert revisions == sorted(revisions, reverse=True) and len(revisions) >= 3
    assert revisions[0] == data["revision"]
    assert "history: rev" in result.text


@pytest.mark.parametrize(
    ("args", "kind", "words"),
    [
        ({"namespace": "prod", "name": "chekout"}, "not_found", "did you mean checkout"),
        ({"namespace": "prd", "name": "checkout"}, "not_found", "did you mean prod"),
        ({"namespace": "prod", "name": "billing"}, "not_found", "deployments in prod:"),
        ({"name": "checkout"}, "invalid_input", "needs its namespace"),
        ({"namespace": "Prod!"}, "invalid_args", "namespace"),
    ],
)
def test_bad_targets_get_errors_that_say_what_to_fix(
    registry: Registry, ctx: ToolContext, args: dict[str, str], kind: str, words: str
) -> None:
    result = registry.call("k8s_status", args, ctx)
    assert result.status == "error" and result.error is not None
    assert result.error.kind == kind
    assert words in result.text


def test_namespace_allow_list_is_enforced(cluster_settings: Settings, registry: Registry) -> None:
    settings = cluster_settings.model_copy(update={"namespaces": ["staging"]})
    ctx = ToolContext(
        settings,
        actor="a",
        cluster_factory=lambda: ClusterClient.from_kubeconfig(settings.kubeconfig, context=None, timeout_s=5),
    )
    result = registry.call("k8s_status", {"namespace": "prod", "name": "checkout"}, ctx)
    assert result.error is not None and result.error.kind == "forbidden"
    assert "allow-list" in result.text and "staging" in result.text
    overview = registry.call("k8s_status", {}, ctx)
    assert {r["namespace"] for r in overview.data["deployments"]} == {"staging"}


def test_logs_tail_each_pod_and_are_marked_untrusted(registry: Registry, ctx: ToolContext) -> None:
    result = registry.call("k8s_logs", {"namespace": "prod", "name": "cart", "tail": 4}, ctx)
    assert result.status == "ok" and result.untrusted
    assert result.data["logs"]
    for pod, text in result.data["logs"].items():
        assert pod.startswith("cart-")
        assert len(text.strip().splitlines()) == 4


def test_logs_of_a_pod_that_is_not_part_of_the_workload(registry: Registry, ctx: ToolContext) -> None:
    result = registry.call("k8s_logs", {"namespace": "prod", "name": "cart", "pod": "checkout-abc12345-xyz12"}, ctx)
    assert result.status == "error" and "does not belong" in result.text


def test_unreachable_cluster_is_an_error_with_a_hint(tmp_path: Path, registry: Registry) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\n"
        "clusters: [{name: gone, cluster: {server: 'http://127.0.0.1:9'}}]\n"
        "contexts: [{name: gone, context: {cluster: gone, user: u}}]\nusers: [{name: u, user: {token: t}}]\n"
    )
    settings = Settings(state_dir=tmp_path, cluster="kubeconfig", kubeconfig=kubeconfig)
    ctx = ToolContext(
        settings,
        actor="a",
        cluster_factory=lambda: ClusterClient.from_kubeconfig(kubeconfig, context=None, timeout_s=2),
    )
    result = registry.call("k8s_status", {"namespace": "prod"}, ctx)
    assert result.status == "error" and result.error is not None and result.error.kind == "unavailable"
    assert "cannot reach the Kubernetes API at http://127.0.0.1:9" in result.text
    assert "OPSGRAPH_KUBECONFIG" in result.text


def test_missing_kubeconfig_is_an_error_not_a_traceback(tmp_path: Path, registry: Registry) -> None:
    missing = tmp_path / "nope"
    ctx = ToolContext(
        Settings(state_dir=tmp_path),
        actor="a",
        cluster_factory=lambda: ClusterClient.from_kubeconfig(missing, context=None, timeout_s=2),
    )
    result = registry.call("k8s_status", {}, ctx)
    assert result.status == "error" and "cannot load kubeconfig" in result.text


def test_in_cluster_config_uses_the_service_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pod's service-account token and CA are picked up (no TLS API server here, so this checks
    the client configuration rather than a request)."""
    from kubernetes.config import incluster_config

    token, ca = tmp_path / "token", tmp_path / "ca.crt"
    token.write_text("sa-token-123")
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(ca))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    client = ClusterClient.in_cluster(timeout_s=3)
    assert client.server == "https://10.96.0.1:443"
    configuration = client._api_client.configuration
    assert configuration.api_key["BearerToken"] == "bearer sa-token-123"
    assert configuration.ssl_ca_cert == str(ca)


def test_outside_a_cluster_in_cluster_mode_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from opsgraph.tools.errors import Unavailable

    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(Unavailable, match="not running inside a cluster"):
        ClusterClient.in_cluster(timeout_s=3)
