"""The pure parts of the sandbox, table-driven: selectors, patches, rollout arithmetic, image outcomes."""

from __future__ import annotations

import pytest

from opsgraph.sandbox import rollout
from opsgraph.sandbox.config import ImagePolicy, split_image
from opsgraph.sandbox.errors import ApiError
from opsgraph.sandbox.logs import LogRequest, render
from opsgraph.sandbox.patch import json_patch, merge_patch, strategic_merge
from opsgraph.sandbox.selectors import parse_field_selector, parse_label_selector
from opsgraph.sandbox.templates import template_hash

LABELS = {"app": "web", "tier": "frontend", "team": "shop"}


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("app=web", True),
        ("app==web,tier=frontend", True),
        ("app!=web", False),
        ("app in (web, api)", True),
        ("app notin (web)", False),
        ("env notin (prod)", True),
        ("team", True),
        ("!team", False),
        ("!env", True),
        ("app=api", False),
        ("", True),
    ],
)
def test_label_selector(selector: str, matches: bool) -> None:
    assert parse_label_selector(selector).matches(LABELS) is matches


@pytest.mark.parametrize("selector", ["app=web,", "app in web", "=web", "app in (web"])
def test_bad_label_selector_is_400(selector: str) -> None:
    with pytest.raises(ApiError) as err:
        parse_label_selector(selector)
    assert err.value.code == 400


def test_field_selector() -> None:
    pod = {
        "metadata": {"name": "p", "namespace": "prod"},
        "spec": {"nodeName": "n1"},
        "status": {"phase": "Running"},
    }
    allowed = ("metadata.name", "spec.nodeName", "status.phase")
    assert parse_field_selector("spec.nodeName=n1,status.phase!=Pending", allowed).matches(pod)
    assert not parse_field_selector("metadata.name==q", allowed).matches(pod)
    with pytest.raises(ApiError):
        parse_field_selector("spec.hostname=n1", allowed)


def test_strategic_merge_merges_named_lists_and_honours_directives() -> None:
    target = {
        "containers": [
            {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]},
            {"name": "b", "image": "b:1"},
        ]
    }
    patch = {
        "containers": [
            {"name": "a", "image": "a:2", "env": [{"name": "Y", "value": "2"}]},
            {"name": "b", "$patch": "delete"},
            {"name": "c", "image": "c:1"},
        ]
    }
    result = strategic_merge(target, patch)
    assert result == {
        "containers": [
            {"name": "a", "image": "a:2", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]},
            {"name": "c", "image": "c:1"},
        ]
    }
    assert target["containers"][0]["image"] == "a:1"  # the input is not modified
    assert strategic_merge({"a": {"x": 1, "y": 2}}, {"a": {"$patch": "replace", "z": 3}}) == {"a": {"z": 3}}
    assert strategic_merge({"a": 1, "b": 2}, {"b": None, "$setElementOrder/c": []}) == {"a": 1}


def test_merge_patch_replaces_lists() -> None:
    assert merge_patch({"l": [1, 2], "m": {"a": 1}}, {"l": [3], "m": {"a": None, "b": 2}}) == {
        "l": [3],
        "m": {"b": 2},
    }


def test_json_patch_operations_and_failures() -> None:
    doc = {"spec": {"replicas": 1, "items": ["a"]}, "metadata": {"labels": {"a/b": "x"}}}
    result = json_patch(
        doc,
        [
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "add", "path": "/spec/items/-", "value": "b"},
            {"op": "remove", "path": "/metadata/labels/a~1b"},
            {"op": "copy", "from": "/spec/replicas", "path": "/spec/copy"},
            {"op": "test", "path": "/spec/copy", "value": 3},
        ],
    )
    assert result == {"spec": {"replicas": 3, "items": ["a", "b"], "copy": 3}, "metadata": {"labels": {}}}
    for ops in ([{"op": "test", "path": "/spec/replicas", "value": 9}], [{"op": "remove", "path": "/nope"}]):
        with pytest.raises(ApiError) as err:
            json_patch(doc, ops)
        assert err.value.code == 422


@pytest.mark.parametrize(
    ("replicas", "surge", "unavailable", "expected"),
    [(4, "25%", "25%", (1, 1)), (10, "25%", "25%", (3, 2)), (3, 0, 0, (0, 1)), (2, 1, 0, (1, 0))],
)
def test_fenceposts_round_like_kubernetes(
    replicas: int, surge: object, unavailable: object, expected: tuple[int, int]
) -> None:
    spec = {
        "replicas": replicas,
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable},
        },
    }
    assert rollout.fenceposts(spec) == expected


def _rs(name: str, replicas: int, available: int) -> dict:
    return {
        "metadata": {"name": name, "creationTimestamp": name},
        "spec": {"replicas": replicas},
        "status": {"replicas": replicas, "availableReplicas": available},
    }


def test_rolling_update_respects_surge_and_availability() -> None:
    spec = {
        "replicas": 4,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
    }
    old = _rs("a-old", 4, 4)
    new = _rs("b-new", 0, 0)
    assert rollout.new_rs_target(spec, 0, [old, new]) == 1  # 4 + 1 surge
    new = _rs("b-new", 1, 0)
    assert rollout.old_rs_scale_down(spec, new, [old]) == {}  # the surge pod is not available yet
    new = _rs("b-new", 1, 1)
    assert rollout.old_rs_scale_down(spec, new, [old]) == {"a-old": 3}
    # Only 3 of 5 pods are available (below the 4 required), yet an unhealthy old replica may go:
    # removing it costs no availability.
    crashing_old = _rs("a-old", 4, 2)
    assert rollout.old_rs_scale_down(spec, _rs("b-new", 1, 1), [crashing_old]) == {"a-old": 3}


def test_template_hash_is_stable_and_ignores_its_own_label() -> None:
    template = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "x", "image": "x:1"}]}}
    labelled = {
        "metadata": {"labels": {"app": "x", "pod-template-hash": "abc"}, "creationTimestamp": None},
        "spec": template["spec"],
    }
    assert template_hash(template) == template_hash(labelled)
    other = {"metadata": template["metadata"], "spec": {"containers": [{"name": "x", "image": "x:2"}]}}
    assert template_hash(template) != template_hash(other)
    assert template_hash(template).isalnum() and not set(template_hash(template)) & set("aeiou013")


@pytest.mark.parametrize(
    ("image", "outcome"),
    [
        ("registry.example.com/shop/cart:4.2.0", "ok"),
        ("registry.example.com/shop/cart:4.2.0-broken", "crash"),
        ("registry.example.com/shop/payments:2.4.0", "crash"),
        ("registry.exmaple.com/shop/cart:4.2.0", "pull"),
        ("nginx:1.27", "ok"),
        ("vllm/vllm-openai:v0.6.4", "ok"),
    ],
)
def test_image_outcomes(image: str, outcome: str) -> None:
    policy = ImagePolicy(
        crashing=("registry.example.com/shop/payments:2.4.0",),
        known_registries=("registry.example.com", "docker.io"),
    )
    assert policy.outcome(image) == outcome


def test_split_image_defaults_like_docker() -> None:
    assert split_image("nginx") == ("docker.io", "library/nginx", "latest")
    assert split_image("localhost:5000/a/b:1") == ("localhost:5000", "a/b", "1")


def test_logs_are_deterministic_and_respect_tail_and_since() -> None:
    base = LogRequest(
        pod="checkout-abc",
        namespace="prod",
        container="checkout",
        image="r/checkout:1",
        started=1_000.0,
        now=1_600.0,
        interval=1.0,
    )
    full = render(base)
    assert render(base) == full and len(full.splitlines()) == 601
    tail = render(LogRequest(**{**base.__dict__, "tail": 5}))
    assert tail.splitlines() == full.splitlines()[-5:]
    since = render(LogRequest(**{**base.__dict__, "since": 10.0}))
    assert len(since.splitlines()) == 11
    crash = render(LogRequest(**{**base.__dict__, "crashing": True}))
    assert "fatal" in crash and len(crash.splitlines()) == 4
