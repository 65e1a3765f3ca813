"""What a retrain will do (the dry-run) and doing it: the configured training command, or a
Kubernetes Job on the cluster, with the parameters of the version it starts from.

Safe to retry: the plan carries a training key (model, parameters, columns, data hash); a version
with that key already registered, or a Job of that name already on the cluster, means there is
nothing to do."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsgraph.tools.errors import Failed, InvalidInput, NotFound
from opsgraph.tools.models.frames import file_sha256
from opsgraph.tools.models.settings import ModelsSettings
from opsgraph.tools.models.versions import TRAINING_DATA_TAG, training_key

if TYPE_CHECKING:
    from opsgraph.tools.k8s._client import ClusterClient
    from opsgraph.tools.models.store import ModelStore

DEFAULT_COMMAND = "{python} -m opsgraph.tools.models.train --model {model} --version {version} --data {data} --tracking-uri {tracking_uri}"  # noqa: E501


@dataclass(frozen=True)
class RetrainPlan:
    model: str
    version: int  # the version whose parameters are reused
    data: str
    key: str
    params: dict[str, str]
    mode: str
    command: list[str]
    existing: int | None  # a version already trained from this data with these parameters
    job_name: str
    namespace: str
    tracking_uri: str

    def diff(self) -> str:
        lines = [f"retrain {self.model} from version {self.version} ({self.mode})"]
        lines.append("  parameters: " + ", ".join(f"{k}={v}" for k, v in sorted(self.params.items())))
        lines.append(f"  data: {self.data}")
        lines.append(f"  training key: {self.key}")
        if self.existing is not None:
            lines.append(f"  nothing to do: version {self.existing} was already trained from this data")
        elif self.mode == "job":
            lines.append(f"  creates Job {self.namespace}/{self.job_name}")
        else:
            lines.append("  runs: " + shlex.join(self.command))
        lines.append("  the new version gets the alias `challenger`; promotion stays a separate, gated step")
        return "\n".join(lines)


def plan_retrain(
    store: ModelStore, settings: ModelsSettings, model: str, version: int | None, data: str | None
) -> RetrainPlan:
    if version is None:
        version = store.alias_version(model, "champion")
        if version is None:
            raise InvalidInput(f"{model} has no champion; say which version's parameters to retrain with")
    info = store.version(model, version)
    location = data or store.model_tag(model, TRAINING_DATA_TAG)
    if not location:
        raise InvalidInput(f"no training data given for {model} and none is configured",
                           hint="pass `data`: a labelled CSV/Parquet file")  # fmt: skip
    path = Path(location).expanduser()
    if not path.is_file():
        raise NotFound(f"training data {path} does not exist")
    if not info.target or not info.features:
        raise Failed(f"{model} version {version} does not record its target and feature columns")
    key = training_key(model, dict(info.params), info.features, info.target, file_sha256(path))
    existing = store.find_training_key(model, key)
    template = settings.retrain_command or DEFAULT_COMMAND
    fields = {"python": sys.executable, "model": model, "version": str(version), "data": str(path),
              "tracking_uri": store.tracking_uri}  # fmt: skip
    command = [token.format(**fields) for token in shlex.split(template)]
    job = re.sub(r"[^a-z0-9-]", "-", f"retrain-{model.lower()}-{key[:10]}")[:63].strip("-")
    return RetrainPlan(
        model, version, str(path), key, dict(info.params), settings.retrain_mode, command,
        existing.version if existing else None, job, settings.job_namespace, store.tracking_uri,
    )  # fmt: skip


def run_command(plan: RetrainPlan, timeout_s: float) -> dict[str, Any]:
    try:
        done = subprocess.run(plan.command, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise Failed(f"the training command ran longer than {timeout_s:g} s and was stopped") from None
    except OSError as exc:
        raise Failed(f"cannot run the training command: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise Failed(f"the training command failed (exit {done.returncode}): {last}")
    for line in reversed(done.stdout.strip().splitlines()):
        try:
            outcome: dict[str, Any] = json.loads(line)
            return outcome
        except ValueError:
            continue
    return {"model": plan.model, "output": done.stdout[-500:]}


def job_manifest(plan: RetrainPlan, settings: ModelsSettings) -> dict[str, Any]:
    args = ["-m", "opsgraph.tools.models.train", "--model", plan.model, "--version", str(plan.version),
            "--data", plan.data, "--tracking-uri", plan.tracking_uri]  # fmt: skip
    labels = {"app.kubernetes.io/managed-by": "opsgraph", "opsgraph/model": plan.model[:63],
              "opsgraph/training-key": plan.key}  # fmt: skip
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": plan.job_name, "namespace": plan.namespace, "labels": labels},
        "spec": {
            "backoffLimit": 0,
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "train", "image": settings.job_image, "command": ["python"], "args": args}],
                },
            },
        },
    }


def job_exists(cluster: ClusterClient, plan: RetrainPlan) -> bool:
    from kubernetes import client

    batch = client.BatchV1Api(cluster._api_client)
    try:
        cluster._call(batch.read_namespaced_job, plan.job_name, plan.namespace)
    except NotFound:
        return False
    return True


def create_job(cluster: ClusterClient, plan: RetrainPlan, settings: ModelsSettings) -> dict[str, Any]:
    from kubernetes import client

    batch = client.BatchV1Api(cluster._api_client)
    created = cluster._call(batch.create_namespaced_job, plan.namespace, job_manifest(plan, settings))
    return {"job": plan.job_name, "namespace": plan.namespace, "uid": created.get("metadata", {}).get("uid")}
