"""The Kubernetes manifests in deploy/: every overlay renders, every object is valid against the
official client's API models, and what they say agrees with the code (the port and probes of
`opsgraph serve`, the vLLM command of `opsgraph llm serve`, the settings opsgraph reads)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.k8s_models import check, problems
from tests.deploy.kustomize import build

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OVERLAYS = ("dev", "prod", "prod-knative")
KNATIVE_REVISION_FIELDS = {"containerConcurrency": int, "timeoutSeconds": int, "responseStartTimeoutSeconds": int}


def rendered(overlay: str) -> list[dict[str, Any]]:
    return build(DEPLOY / "overlays" / overlay)


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_against_the_api_models(overlay: str) -> None:
    for obj in rendered(overlay):
        if obj["apiVersion"] == "serving.knative.dev/v1":
            spec = json.loads(json.dumps(pod_spec(obj)))
            for container in spec["containers"]:  # Knative probes its one port when none is named
                get = (container.get("readinessProbe") or {}).get("httpGet")
                if get is not None and "port" not in get:
                    get["port"] = container["ports"][0]["containerPort"]
            for field, kind in KNATIVE_REVISION_FIELDS.items():
                assert isinstance(spec.pop(field, 0), kind), f"Knative {field} must be {kind.__name__}"
            assert check(obj["spec"]["template"]["metadata"], "V1ObjectMeta") == []
            assert check(spec, "V1PodSpec") == [], obj["metadata"]["name"]
            continue
        assert problems(obj) == [], f"{overlay}: {obj['kind']} {obj['metadata']['name']}"


def test_the_strict_check_catches_unknown_fields_wrong_types_and_missing_required_ones() -> None:
    deployment = find(rendered("prod"), "Deployment", "opsgraph")
    broken = json.loads(json.dumps(deployment))
    pod_spec(broken)["containers"][0]["livenessProbe"]["httpGet"]["pathh"] = "/healthz"
    pod_spec(broken)["containers"][0]["ports"][0]["containerPort"] = "8080"
    del pod_spec(broken)["containers"][0]["name"]
    found = "\n".join(problems(broken))
    assert "httpGet.pathh: not a field of V1HTTPGetAction" in found
    assert "containerPort: expected int" in found
    missing = json.loads(json.dumps(deployment))
    del pod_spec(missing)["containers"][0]["name"]
    assert any("name" in p for p in problems(missing))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubectl_renders_the_same_objects(overlay: str) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the Python renderer's output is checked without the cross-check")
    out = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / "overlays" / overlay)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr

    def keyed(docs: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
        # kustomize names generated ConfigMaps with a content hash; the Python renderer does not.
        text = re.sub(r'"(opsgraph-(?:settings|files))-[a-z0-9]{10}"', r'"\1"', json.dumps(docs))
        return {(d["kind"], d["metadata"]["name"]): d for d in json.loads(text)}

    theirs = keyed([d for d in yaml.safe_load_all(out.stdout) if d])
    assert keyed(rendered(overlay)) == theirs


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_opsgraph_runs_locked_down_with_probes_on_the_port_it_serves(overlay: str) -> None:
    objects = rendered(overlay)
    deployment = find(objects, "Deployment", "opsgraph")
    spec = pod_spec(deployment)
    (container,) = spec["containers"]
    args = container["args"]
    assert args[0] == "serve" and args[args.index("--host") + 1] == "0.0.0.0"
    port = int(args[args.index("--port") + 1])
    (http,) = [p for p in container["ports"] if p["name"] == "http"]
    assert http["containerPort"] == port
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    service = find(objects, "Service", "opsgraph")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert deployment["spec"]["selector"]["matchLabels"] == service["spec"]["selector"]
    assert spec["serviceAccountName"] == find(objects, "ServiceAccount", "opsgraph")["metadata"]["name"]
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] > 0
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
    # The state directory and /tmp are writable volumes, since the root filesystem is not.
    settings = find(objects, "ConfigMap", "opsgraph-settings")["data"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert settings["OPSGRAPH_STATE_DIR"] in mounts and "/tmp" in mounts
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert set(mounts.values()) <= set(volumes)
    # Every file a setting points at is in the mounted ConfigMap.
    files = find(objects, "ConfigMap", "opsgraph-files")["data"]
    (files_mount,) = [p for p, n in mounts.items() if volumes[n].get("configMap", {}).get("name") == "opsgraph-files"]
    for key, value in settings.items():
        if value.startswith(files_mount + "/"):
            assert value.removeprefix(files_mount + "/") in files, f"{key} points at a file the ConfigMap lacks"


def test_the_probe_paths_are_routes_of_opsgraph_serve(tmp_path: Path) -> None:
    from starlette.routing import Route

    from opsgraph.agent.settings import Settings
    from opsgraph.channels.webhooks.app import create_app

    app = create_app(Settings(), store_path=tmp_path / "alerts.sqlite")
    paths = {r.path for r in app.routes if isinstance(r, Route)}
    container = pod_spec(find(rendered("prod"), "Deployment", "opsgraph"))["containers"][0]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["path"] in paths, f"{probe} asks a path `opsgraph serve` does not serve"


def test_dev_is_one_replica_on_a_volume_and_prod_several_on_postgresql() -> None:
    dev = find(rendered("dev"), "Deployment", "opsgraph")
    assert dev["spec"]["replicas"] == 1 and dev["spec"]["strategy"]["type"] == "Recreate"
    state = {v["name"]: v for v in pod_spec(dev)["volumes"]}["state"]
    assert state == {"name": "state", "persistentVolumeClaim": {"claimName": "opsgraph-state"}}
    for overlay in ("prod", "prod-knative"):
        objects = rendered(overlay)
        prod = find(objects, "Deployment", "opsgraph")
        assert prod["spec"]["replicas"] >= 2 and prod["spec"]["strategy"]["type"] == "RollingUpdate"
        secret_ref = [e["secretRef"] for e in pod_spec(prod)["containers"][0]["envFrom"] if "secretRef" in e]
        assert secret_ref == [{"name": "opsgraph", "optional": False}], "prod needs the database URL secret"
        assert find(objects, "PodDisruptionBudget", "opsgraph")["spec"]["minAvailable"] < prod["spec"]["replicas"]
        binding = find(objects, "ClusterRoleBinding", "opsgraph")
        assert binding["subjects"][0]["namespace"] == find(objects, "Namespace", "opsgraph")["metadata"]["name"]
    binding = find(rendered("dev"), "ClusterRoleBinding", "opsgraph")
    assert binding["subjects"][0]["namespace"] == "opsgraph-dev"


@pytest.mark.parametrize(("overlay", "kind"), [("prod", "Deployment"), ("prod-knative", "Service")])
def test_vllm_runs_what_opsgraph_llm_serve_runs_on_a_gpu_with_a_model_cache(overlay: str, kind: str) -> None:
    from opsgraph.serving.manifests.vllm import HEALTH_PATH, container_command
    from opsgraph.serving.settings import LLMSettings

    objects = rendered(overlay)
    vllm = next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == "vllm")
    spec = pod_spec(vllm)
    (container,) = spec["containers"]
    command, args = container_command(LLMSettings())
    assert (container["command"], container["args"]) == (command, args)
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert container["readinessProbe"]["httpGet"]["path"] == HEALTH_PATH
    port = int(args[args.index("--port") + 1])
    assert [p["containerPort"] for p in container["ports"]] == [port]
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"] if v.get("persistentVolumeClaim")
    }
    mounted = {m["name"] for m in container["volumeMounts"]}
    assert claims and set(claims) <= mounted
    for claim in claims.values():
        find(objects, "PersistentVolumeClaim", claim)
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["VLLM_NO_USAGE_STATS"] == "1", "vLLM reports usage to its authors unless told not to"
    settings = find(objects, "ConfigMap", "opsgraph-settings")["data"]
    assert settings["OPSGRAPH_LLM_MODEL"] == args[args.index("--served-model-name") + 1]
    assert settings["OPSGRAPH_LLM_BASE_URL"].startswith("http://vllm")
    if kind == "Deployment":
        service = find(objects, "Service", "vllm")
        assert service["spec"]["ports"][0]["port"] == port
        assert f":{port}/" in settings["OPSGRAPH_LLM_BASE_URL"]
        annotations: dict[str, str] = {}
    else:
        annotations = vllm["spec"]["template"]["metadata"]["annotations"]
    if overlay == "prod-knative":
        assert annotations["autoscaling.knative.dev/min-scale"] == "0"


def _setting_names() -> set[str]:
    from pydantic_settings import BaseSettings

    from opsgraph.agent.settings import Settings
    from opsgraph.channels.slack.settings import SlackSettings
    from opsgraph.core.capability import load_object
    from opsgraph.tools.capabilities import capabilities

    sections: list[type[BaseSettings]] = [Settings, SlackSettings]
    sections += [load_object(c.settings_class) for c in capabilities() if c.settings_class]
    names = set()
    for section in sections:
        prefix = str(section.model_config.get("env_prefix", ""))
        for field_name, field in section.model_fields.items():
            names.add((prefix + field_name).upper())
            choices = getattr(field.validation_alias, "choices", None) or []
            names |= {c for c in choices if isinstance(c, str)}
    return names


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_setting_the_manifests_set_is_one_opsgraph_reads(overlay: str) -> None:
    known = _setting_names()
    settings = find(rendered(overlay), "ConfigMap", "opsgraph-settings")["data"]
    secret = yaml.safe_load((DEPLOY / "base" / "secret.example.yaml").read_text())
    for name in [*settings, *secret["stringData"]]:
        assert name in known, f"{name} is not a setting opsgraph reads (a typo?)"


def test_the_secret_template_holds_no_values_and_is_never_applied() -> None:
    secret = yaml.safe_load((DEPLOY / "base" / "secret.example.yaml").read_text())
    assert problems(secret) == []
    assert all(value == "" for value in secret["stringData"].values())
    assert {"OPSGRAPH_SLACK_BOT_TOKEN", "OPSGRAPH_SLACK_SIGNING_SECRET", "OPSGRAPH_APPROVAL_KEY",
            "OPSGRAPH_DATABASE_URL"} <= set(secret["stringData"])  # fmt: skip
    for overlay in OVERLAYS:
        assert not [o for o in rendered(overlay) if o["kind"] == "Secret"], "a Secret would come from git"


def test_the_generated_files_are_up_to_date() -> None:
    from opsgraph.serving.manifests.generate import stale

    assert stale(DEPLOY) == [], "run `opsgraph deploy generate`"


def test_a_stale_generated_file_is_reported(tmp_path: Path) -> None:
    from opsgraph.serving.manifests.generate import stale, write

    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, copy)
    write(copy)
    (copy / "base" / "config" / "policy.yaml").write_text("version: 1\n")
    assert stale(copy) == ["base/config/policy.yaml"]
    assert write(copy) == ["base/config/policy.yaml"] and stale(copy) == []
