"""The model registry, on MLflow 3: registered models, versions, aliases (never stages), and the
data each version was trained and evaluated on.

What a version carries (set when it is registered, see `register_version`):
- run artifacts `data/reference.csv` (the training snapshot) and `data/evaluation.csv` (held-out),
  each with its sha256 as a version tag, so a drift check needs only the model's name and the data
  behind any version can be named;
- tags `opsgraph.target`, `opsgraph.features` (JSON), `opsgraph.training_key` (what a retrain of
  the same parameters on the same data would be called), params and metrics on the run.
The history of alias moves is a registered-model tag (`opsgraph.alias_history`, JSON, newest last).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsgraph.tools.errors import Failed, NotFound, Unavailable
from opsgraph.tools.models.frames import file_sha256, read_frame

if TYPE_CHECKING:
    import pandas as pd

EXPERIMENT = "opsgraph-models"
DRIFT_EXPERIMENT = "opsgraph-drift"
HISTORY_TAG = "opsgraph.alias_history"
CURRENT_TAG = "opsgraph.current_data"
HISTORY_KEEP = 40


def quiet_mlflow() -> None:
    """Nothing phones home, no progress bars on a terminal, no migration chatter on stderr."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    for name in ("mlflow.store.db.utils", "alembic", "mlflow.utils.requirements_utils"):
        logging.getLogger(name).setLevel(logging.ERROR)


@dataclass(frozen=True)
class VersionInfo:
    model: str
    version: int
    run_id: str | None
    source: str
    aliases: tuple[str, ...]
    tags: dict[str, str]
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    created_ms: int = 0

    @property
    def target(self) -> str | None:
        return self.tags.get("opsgraph.target")

    @property
    def features(self) -> list[str]:
        return list(json.loads(self.tags.get("opsgraph.features", "[]")))

    @property
    def reference_sha256(self) -> str | None:
        return self.tags.get("opsgraph.reference_sha256")


class ModelStore:
    def __init__(self, tracking_uri: str, *, artifact_root: Path | None = None, cache_dir: Path | None = None) -> None:
        self.tracking_uri = tracking_uri
        if artifact_root is None and tracking_uri.startswith("sqlite:///"):
            artifact_root = Path(tracking_uri.removeprefix("sqlite:///")).parent / "artifacts"
        self.artifact_root = artifact_root
        self.cache_dir = cache_dir or Path(tempfile.gettempdir()) / "opsgraph-model-data"
        self._client: Any = None

    # -- plumbing -------------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            quiet_mlflow()
            if self.tracking_uri.startswith("sqlite:///"):
                Path(self.tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            from mlflow import MlflowClient

            self._client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)
        return self._client

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            return fn(*args, **kwargs)
        except MlflowException as exc:
            if getattr(exc, "error_code", "") == "RESOURCE_DOES_NOT_EXIST":
                raise
            raise Unavailable(f"the model registry at {self.tracking_uri} failed: {exc.message}") from None
        except OSError as exc:
            raise Unavailable(f"the model registry at {self.tracking_uri} cannot be reached: {exc}") from None

    def experiment_id(self, name: str = EXPERIMENT) -> str:
        found = self._call(self.client.get_experiment_by_name, name)
        if found is not None:
            return str(found.experiment_id)
        location = None
        if self.artifact_root is not None:
            location = (self.artifact_root / name).resolve().as_uri()
        return str(self._call(self.client.create_experiment, name, artifact_location=location))

    # -- reading ----------------------------------------------------------------------------------
    def names(self) -> list[str]:
        models = self._call(self.client.search_registered_models, max_results=1000)
        return sorted(m.name for m in models)

    def registered(self, model: str) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            return self._call(self.client.get_registered_model, model)
        except MlflowException:
            known = self.names()
            hint = (
                f"known models: {', '.join(known)}"
                if known
                else "the registry is empty (`opsgraph models demo` seeds examples)"
            )
            raise NotFound(f"there is no registered model named {model!r}", hint=hint) from None

    def aliases(self, model: str) -> dict[str, int]:
        return {alias: int(v) for alias, v in (self.registered(model).aliases or {}).items()}

    def versions(self, model: str) -> list[VersionInfo]:
        aliases = self.aliases(model)  # search results do not carry aliases
        found = self._call(self.client.search_model_versions, f"name='{model}'")
        return sorted((self._info(v, aliases) for v in found), key=lambda i: i.version)

    def version(self, model: str, version: int) -> VersionInfo:
        from mlflow.exceptions import MlflowException

        aliases = self.aliases(model)
        try:
            raw = self._call(self.client.get_model_version, model, str(version))
        except MlflowException:
            have = [str(v.version) for v in self.versions(model)]
            raise NotFound(f"{model} has no version {version}", hint=f"versions: {', '.join(have) or 'none'}") from None
        return self._info(raw, aliases)

    def alias_version(self, model: str, alias: str) -> int | None:
        return self.aliases(model).get(alias)

    def _info(self, raw: Any, aliases: dict[str, int]) -> VersionInfo:
        metrics: dict[str, float] = {}
        params: dict[str, str] = {}
        if raw.run_id:
            run = self._call(self.client.get_run, raw.run_id)
            metrics, params = dict(run.data.metrics), dict(run.data.params)
        return VersionInfo(
            model=raw.name,
            version=int(raw.version),
            run_id=raw.run_id,
            source=raw.source,
            aliases=tuple(sorted(a for a, v in aliases.items() if v == int(raw.version))),
            tags=dict(raw.tags or {}),
            metrics=metrics,
            params=params,
            created_ms=int(raw.creation_timestamp or 0),
        )

    def history(self, model: str) -> list[dict[str, Any]]:
        raw = (self.registered(model).tags or {}).get(HISTORY_TAG, "[]")
        return list(json.loads(raw))

    def current_data(self, model: str) -> str | None:
        return (self.registered(model).tags or {}).get(CURRENT_TAG)

    # -- data and models of a version -------------------------------------------------------------
    def version_frame(self, info: VersionInfo, which: str = "reference") -> pd.DataFrame:
        """The version's `reference` (training snapshot) or `evaluation` data, checked against
        the sha256 recorded when it was registered."""
        expected = info.tags.get(f"opsgraph.{which}_sha256")
        if not info.run_id or not expected:
            hint = "register versions with opsgraph (a run artifact data/<name>.csv and its hash)"
            raise Failed(f"{info.model} version {info.version} has no {which} data recorded", hint=hint)
        cached = self.cache_dir / f"{expected}.csv"
        if not cached.exists():
            from mlflow.exceptions import MlflowException

            target = Path(tempfile.mkdtemp(prefix="opsgraph-artifact-"))
            try:
                path = Path(self._call(self.client.download_artifacts, info.run_id, f"data/{which}.csv", str(target)))
            except (MlflowException, Unavailable):
                raise Failed(f"the {which} data artifact of {info.model} version {info.version} is missing",
                             hint=f"run {info.run_id} has no data/{which}.csv") from None  # fmt: skip
            if file_sha256(path) != expected:
                raise Failed(
                    f"the {which} data of {info.model} version {info.version} does not match its recorded hash"
                )
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            path.replace(cached)
        return read_frame(cached, what=f"{which} data of {info.model} v{info.version}")

    def load_model(self, info: VersionInfo) -> Any:
        quiet_mlflow()
        import mlflow
        import mlflow.sklearn

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)
        try:
            return mlflow.sklearn.load_model(f"models:/{info.model}/{info.version}")
        except Exception as exc:  # an unreadable model artifact is a failure of the world
            raise Failed(f"cannot load {info.model} version {info.version}: {exc}") from None

    # -- writing ----------------------------------------------------------------------------------
    def set_alias(
        self, model: str, alias: str, version: int, *, actor: str, kind: str, note: str = ""
    ) -> dict[str, Any]:
        """Point `alias` at `version` and append the move to the alias history."""
        before = self.alias_version(model, alias)
        self._call(self.client.set_registered_model_alias, model, alias, str(version))
        entry = {
            "alias": alias,
            "from": before,
            "to": version,
            "kind": kind,
            "actor": actor,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "note": note,
        }
        history = [*self.history(model), entry][-HISTORY_KEEP:]
        self._call(self.client.set_registered_model_tag, model, HISTORY_TAG, json.dumps(history))
        return entry

    def set_current_data(self, model: str, location: str) -> None:
        self.set_model_tag(model, CURRENT_TAG, location)

    def set_model_tag(self, model: str, key: str, value: str) -> None:
        self._call(self.client.set_registered_model_tag, model, key, value)

    def model_tag(self, model: str, key: str) -> str | None:
        return (self.registered(model).tags or {}).get(key)

    def register_version(
        self,
        model: str,
        fitted: Any,
        *,
        reference: pd.DataFrame,
        evaluation: pd.DataFrame,
        target: str,
        features: list[str],
        params: dict[str, Any],
        metrics: dict[str, float],
        training_key: str,
        description: str = "",
    ) -> int:
        """Log a training run (model, params, metrics, data snapshots) and register it as a new
        version of `model`."""
        quiet_mlflow()
        import mlflow
        import mlflow.sklearn
        from mlflow.exceptions import MlflowException

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.tracking_uri)
        experiment = self.experiment_id()
        with tempfile.TemporaryDirectory(prefix="opsgraph-train-") as tmp:
            hashes: dict[str, str] = {}
            for which, frame in (("reference", reference), ("evaluation", evaluation)):
                path = Path(tmp) / f"{which}.csv"
                frame.to_csv(path, index=False)
                hashes[which] = file_sha256(path)
            with mlflow.start_run(experiment_id=experiment, run_name=f"{model}-train") as run:
                mlflow.log_params({k: str(v) for k, v in params.items()})
                mlflow.log_metrics(metrics)
                mlflow.log_artifact(str(Path(tmp) / "reference.csv"), "data")
                mlflow.log_artifact(str(Path(tmp) / "evaluation.csv"), "data")
                logged = mlflow.sklearn.log_model(
                    fitted, name="model", pip_requirements=["scikit-learn"], input_example=None
                )
                tags = {
                    "opsgraph.target": target,
                    "opsgraph.features": json.dumps(features),
                    "opsgraph.training_key": training_key,
                    "opsgraph.reference_sha256": hashes["reference"],
                    "opsgraph.evaluation_sha256": hashes["evaluation"],
                    "opsgraph.reference_rows": str(len(reference)),
                }
                mlflow.set_tags(tags)
        try:
            self._call(self.client.get_registered_model, model)
        except MlflowException:
            self._call(self.client.create_registered_model, model)
        created = self._call(
            self.client.create_model_version,
            model,
            source=logged.model_uri,
            run_id=run.info.run_id,
            tags=tags,
            description=description or None,
        )
        return int(created.version)

    def find_training_key(self, model: str, key: str) -> VersionInfo | None:
        for info in self.versions(model):
            if info.tags.get("opsgraph.training_key") == key:
                return info
        return None

    def log_drift_report(self, model: str, version: int, files: list[Path], summary: dict[str, Any]) -> str:
        """One run in the drift experiment per check: the reports as artifacts, verdicts as metrics."""
        experiment = self.experiment_id(DRIFT_EXPERIMENT)
        client = self.client
        run = self._call(
            client.create_run, experiment, run_name=f"drift-{model}-v{version}",
            tags={"opsgraph.model": model, "opsgraph.version": str(version)},
        )  # fmt: skip
        run_id = run.info.run_id
        for path in files:
            self._call(client.log_artifact, run_id, str(path), "drift")
        self._call(client.log_metric, run_id, "drift_share", float(summary["drift_share"]))
        self._call(client.log_metric, run_id, "dataset_drift", float(bool(summary["dataset_drift"])))
        self._call(client.set_terminated, run_id)
        return str(run_id)
