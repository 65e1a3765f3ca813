"""The write tools against the sandbox through the official client: nothing changes without a grant,
and with one the cluster ends up as the diff said."""

from __future__ import annotations

import time
from typing import Any

import pytest

from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import Registry
from tests.support.k8s import SandboxHandle, approve_and_run


def _deployment(sandbox: SandboxHandle, namespace: str, name: str) -> Any:
    return sandbox.apps().read_namespaced_deployment(name, namespace)  # type: ignore[attr-defined]


def _revision(dep: Any) -> int:
    return int(dep.metadata.annotations["deployment.kubernetes.io/revision"])


def _image(dep: Any) -> str:
    return str(dep.spec.template.spec.containers[0].image)


def _eventually(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_scale_shows_a_diff_and_changes_nothing_without_approval(
    registry: Registry, ctx: ToolContext, sandbox: SandboxHandle
) -> None:
    before = _deployment(sandbox, "prod", "checkout").spec.replicas
    result = registry.call("k8s_scale", {"namespace": "prod", "name": "checkout", "replicas": before + 2}, ctx)
    assert result.status == "approval_required"
    assert f"replicas: {before} -> {before + 2}" in (result.diff or "")
    assert _deployment(sandbox, "prod", "checkout").spec.replicas == before


def test_scale_with_approval_reaches_the_new_replica_count(
    registry: Registry, ctx: ToolContext, sandbox: SandboxHandle
) -> None:
    result = approve_and_run(ctx, "k8s_scale", {"namespace": "prod", "name": "checkout", "replicas": 6})
    assert result.status == "ok", result.text
    assert _deployment(sandbox, "prod", "checkout").spec.replicas == 6
    ready = _eventually(lambda: (_deployment(sandbox, "prod", "checkout").status.ready_replicas or 0) == 6)
    assert ready
    pods = sandbox.core().list_namespaced_pod("prod", label_selector="app=checkout")  # type: ignore[attr-defined]
    assert len([p for p in pods.items if p.metadata.deletion_timestamp is None]) == 6


def test_scaling_to_the_current_count_is_a_no_op(registry: Registry, ctx: ToolContext, sandbox: SandboxHandle) -> None:
    current = _deployment(sandbox, "staging", "cart").spec.replicas
    preview = registry.call("k8s_scale", {"namespace": "staging", "name": "cart", "replicas": current}, ctx)
    assert preview.no_op and "nothing to do" in preview.text


def test_deploy_a_tag_rolls_out_a_new_revision(registry: Registry, ctx: ToolContext, sandbox: SandboxHandle) -> None:
    before = _deployment(sandbox, "prod", "cart")
    repository = _image(before).rsplit(":", 1)[0]
    preview = registry.call("k8s_deploy", {"namespace": "prod", "name": "cart", "image": "9.1.0"}, ctx)
    assert f"image: {_image(before)} -> {repository}:9.1.0" in (preview.diff or "")
    result = approve_and_run(ctx, "k8s_deploy", {"namespace": "prod", "name": "cart", "image": "9.1.0"})
    assert result.status == "ok", result.text
    after = _deployment(sandbox, "prod", "cart")
    assert _image(after) == f"{repository}:9.1.0"
    assert _revision(after) == _revision(before) + 1
    assert after.status.updated_replicas == after.spec.replicas == after.status.available_replicas
    assert "opsgraph: alice deployed" in after.metadata.annotations["kubernetes.io/change-cause"]


def test_deploy_of_a_crashing_image_reports_the_stalled_rollout(
    registry: Registry, ctx: ToolContext, sandbox: SandboxHandle
) -> None:
    result = approve_and_run(ctx, "k8s_deploy", {"namespace": "staging", "name": "catalog", "image": "3.0.0-broken"})
    assert result.status == "error" and result.error is not None and result.error.kind == "failed"
    assert "rollout of staging/catalog failed" in result.text
    assert "k8s_rollback" in result.text
    # The reason, not just "not finished": the crash loop and what the container said last.
    assert "CrashLoopBackOff" in result.text and "its last log line:" in result.text
    assert result.untrusted and result.untrusted_parts  # the log line is quoted from the workload


def test_deploy_of_an_image_that_cannot_be_pulled_says_so_without_waiting_for_the_timeout(
    registry: Registry, ctx: ToolContext, sandbox: SandboxHandle
) -> None:
    started = time.monotonic()
    result = approve_and_run(
        ctx, "k8s_deploy", {"namespace": "staging", "name": "catalog", "image": "registry.nowhere.invalid/catalog:9.9"}
    )
    assert result.status == "error" and ("ImagePullBackOff" in result.text or "ErrImagePull" in result.text)
    assert time.monotonic() - started < ctx.settings.rollout_timeout_s


def test_deploy_rejects_an_unknown_container(registry: Registry, ctx: ToolContext) -> None:
    args = {"namespace": "prod", "name": "cart", "image": "1.0.0", "container": "sidecar"}
    result = registry.call("k8s_deploy", args, ctx)
    assert result.status == "error" and "has no container 'sidecar'" in result.text


def test_rollback_to_previous_revision_restores_its_image(
    registry: Registry, ctx: ToolContext, sandbox: SandboxHandle
) -> None:
    status = registry.call("k8s_status", {"namespace": "prod", "name": "frontend"}, ctx).data
    current, previous = status["history"][0], status["history"][1]
    result = approve_and_run(ctx, "k8s_rollback", {"namespace": "prod", "name": "frontend"})
    assert result.status == "ok", result.text
    after = _deployment(sandbox, "prod", "frontend")
    assert _image(after) == next(iter(previous["images"].values()))
    # The way Kubernetes numbers it: the restored ReplicaSet becomes the newest revision.
    assert _revision(after) == current["revision"] + 1


def test_rollback_to_a_given_revision(registry: Registry, ctx: ToolContext, sandbox: SandboxHandle) -> None:
    history = registry.call("k8s_status", {"namespace": "prod", "name": "payments"}, ctx).data["history"]
    oldest = history[-1]
    preview = registry.call(
        "k8s_rollback", {"namespace": "prod", "name": "payments", "revision": oldest["revision"]}, ctx
    )
    assert f"template of revision {oldest['revision']}" in (preview.diff or "")
    result = approve_and_run(
        ctx, "k8s_rollback", {"namespace": "prod", "name": "payments", "revision": oldest["revision"]}
    )
    assert result.status == "ok", result.text
    after = _deployment(sandbox, "prod", "payments")
    assert _image(after) == next(iter(oldest["images"].values()))
    revisions_now = [
        h["revision"]
        for h in registry.call("k8s_status", {"namespace": "prod", "name": "payments"}, ctx).data["history"]
    ]
    assert oldest["revision"] not in revisions_now  # that revision number moved to the top
    assert max(revisions_now) == _revision(after)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            {"namespace": "prod", "name": "checkout", "revision": 99},
            "revision 99 of prod/checkout is not in its history",
        ),
        ({"namespace": "prod", "name": "checkoot"}, "did you mean checkout"),
        ({"namespace": "prod", "name": "checkout", "revision": 0}, "greater than or equal to 1"),
    ],
)
def test_rollback_errors_say_what_to_fix(
    registry: Registry, ctx: ToolContext, args: dict[str, Any], words: str
) -> None:
    result = registry.call("k8s_rollback", args, ctx)
    assert result.status == "error" and words in result.text


def test_rollback_to_the_current_revision_is_a_no_op(registry: Registry, ctx: ToolContext) -> None:
    current = registry.call("k8s_status", {"namespace": "prod", "name": "catalog"}, ctx).data["revision"]
    preview = registry.call("k8s_rollback", {"namespace": "prod", "name": "catalog", "revision": current}, ctx)
    assert preview.no_op and "already at the template" in preview.text


def test_restart_replaces_every_pod(registry: Registry, ctx: ToolContext, sandbox: SandboxHandle) -> None:
    core = sandbox.core()
    before = {p.metadata.name for p in core.list_namespaced_pod("staging", label_selector="app=search-api").items}  # type: ignore[attr-defined]
    result = approve_and_run(ctx, "k8s_restart", {"namespace": "staging", "name": "search-api"})
    assert result.status == "ok", result.text
    dep = _deployment(sandbox, "staging", "search-api")
    assert "kubectl.kubernetes.io/restartedAt" in dep.spec.template.metadata.annotations

    def replaced() -> bool:
        pods = core.list_namespaced_pod("staging", label_selector="app=search-api").items  # type: ignore[attr-defined]
        live = {p.metadata.name for p in pods if p.metadata.deletion_timestamp is None}
        return bool(live) and not (live & before)

    assert _eventually(replaced)


def test_deploy_takes_a_version_or_an_image_never_both(registry: Registry, ctx: ToolContext) -> None:
    by_version = registry.call("k8s_deploy", {"namespace": "prod", "name": "cart", "version": "9.2.0"}, ctx)
    assert by_version.status == "approval_required" and "shop/cart:9.2.0" in by_version.text
    full = "ghcr.io/acme/cart:2.5.0"
    by_image = registry.call("k8s_deploy", {"namespace": "prod", "name": "cart", "image": full}, ctx)
    assert by_image.status == "approval_required" and full in by_image.text
    both = registry.call("k8s_deploy", {"namespace": "prod", "name": "cart", "image": full, "version": "1"}, ctx)
    assert both.status == "error" and "either version" in both.text
    neither = registry.call("k8s_deploy", {"namespace": "prod", "name": "cart"}, ctx)
    assert neither.status == "error" and "either version" in neither.text
