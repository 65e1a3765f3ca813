"""State, MLflow, the model endpoint, Prometheus/Alertmanager, the policy and tracing."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from opsgraph.channels.doctor.model import Doctor, Result, fail, ok, warn

STATE_FILES = ("state.sqlite", "audit.sqlite", "alerts.sqlite", "checkpoints.sqlite")


def check_database(doctor: Doctor) -> list[Result]:
    settings = doctor.settings
    secret = getattr(settings, "database_url", None)
    url = secret.get_secret_value() if secret is not None else ""
    if url:
        return [_postgres(url, doctor.timeout_s)]
    return [_sqlite(settings.state_dir)]


def _postgres(url: str, timeout_s: float) -> Result:
    fix = "check OPSGRAPH_DATABASE_URL (host, port, user, password, database) and that PostgreSQL is up"
    try:
        import psycopg
    except ImportError:
        return fail(
            "database",
            "OPSGRAPH_DATABASE_URL is PostgreSQL but psycopg is not installed",
            "pip install 'psycopg[binary]'",
        )
    try:
        with psycopg.connect(url, connect_timeout=max(1, int(timeout_s)), application_name="opsgraph-doctor") as conn:
            version = conn.execute("SHOW server_version").fetchone()
    except (psycopg.Error, ValueError) as exc:
        return fail("database", f"PostgreSQL does not answer: {_first_line(exc)}", fix)
    return ok("database", f"PostgreSQL {version[0] if version else '?'} answers")


def _sqlite(state_dir: Path) -> Result:
    fix = f"make {state_dir} writable by this user, or point OPSGRAPH_STATE_DIR elsewhere"
    probe_dir = state_dir if state_dir.exists() else _existing_parent(state_dir)
    try:
        with tempfile.NamedTemporaryFile(dir=probe_dir, prefix=".doctor-"):
            pass
    except OSError as exc:
        return fail("database", f"SQLite: cannot write in {probe_dir}: {exc.strerror or exc}", fix)
    broken = []
    for name in STATE_FILES:
        path = state_dir / name
        if not path.exists():
            continue
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0)
            try:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                db.close()
        except sqlite3.Error as exc:
            broken.append(f"{name}: {exc}")
    if broken:
        return fail("database", "SQLite: " + "; ".join(broken), f"move the broken file out of {state_dir}")
    if not state_dir.exists():
        return ok("database", f"SQLite in {state_dir} (created on first use; the parent is writable)")
    return ok("database", f"SQLite in {state_dir} (writable)")


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_mlflow(doctor: Doctor) -> list[Result]:
    from opsgraph.tools.models.settings import ModelsSettings, default_tracking_uri

    uri = ModelsSettings().tracking_uri or default_tracking_uri(doctor.settings.state_dir)
    if uri.startswith("sqlite:///"):
        path = Path(uri.removeprefix("sqlite:///"))  # sqlite:////abs/file -> /abs/file
        folder = path.parent if path.parent.exists() else _existing_parent(path.parent)
        if not os.access(folder, os.W_OK):
            return [
                fail("mlflow", f"{uri}: {folder} is not writable", "fix OPSGRAPH_MODELS_TRACKING_URI or the folder")
            ]
        state = "exists" if path.exists() else "created on first use"
        return [ok("mlflow", f"{uri} ({state})")]
    if uri.startswith(("http://", "https://")):
        answer = _get(uri.rstrip("/") + "/health", doctor.timeout_s)
        if isinstance(answer, str):
            return [
                fail("mlflow", f"{uri}/health: {answer}", "start the MLflow server or fix OPSGRAPH_MODELS_TRACKING_URI")
            ]
        return [ok("mlflow", f"{uri} answers /health")]
    return [warn("mlflow", f"{uri}: this kind of tracking URI is not checked here")]


def check_model_endpoint(doctor: Doctor) -> list[Result]:
    settings = doctor.settings
    if settings.brain == "planner":
        return [ok("model", "not used (OPSGRAPH_BRAIN=planner: the deterministic planner answers)")]
    base = settings.llm_base_url.rstrip("/")
    root = base.removesuffix("/v1")
    fix = f"start the model server (`opsgraph llm serve`) or fix OPSGRAPH_LLM_BASE_URL ({base})"
    health = _get(root + "/health", doctor.timeout_s)
    if isinstance(health, str):
        return [fail("model", f"{root}/health: {health}", fix)]
    headers = {"Authorization": f"Bearer {settings.llm_api_key}"}
    models = _get(base + "/models", doctor.timeout_s, headers)
    if isinstance(models, str):
        return [fail("model", f"{base}/models: {models}", fix)]
    try:
        served = [m["id"] for m in models.json().get("data", [])]
    except (ValueError, TypeError, KeyError, AttributeError):
        return [fail("model", f"{base}/models is not an OpenAI-compatible model list", fix)]
    if settings.llm_model not in served:
        return [
            fail(
                "model",
                f"{base} serves {', '.join(served) or 'no model'}, not {settings.llm_model}",
                "set OPSGRAPH_LLM_MODEL to a served model",
            )
        ]
    return [ok("model", f"{base} serves {settings.llm_model} (/health ok)")]


def check_prometheus(doctor: Doctor) -> list[Result]:
    return [_ready("prometheus", doctor.settings.prometheus_url, "OPSGRAPH_PROMETHEUS_URL", doctor.timeout_s)]


def check_alertmanager(doctor: Doctor) -> list[Result]:
    return [_ready("alertmanager", doctor.settings.alertmanager_url, "OPSGRAPH_ALERTMANAGER_URL", doctor.timeout_s)]


def _ready(name: str, url: str | None, variable: str, timeout_s: float) -> Result:
    """Prometheus and Alertmanager, when configured: their readiness endpoint."""
    if not url:
        return ok(name, f"not configured ({variable} unset)")
    answer = _get(url.rstrip("/") + "/-/ready", timeout_s)
    if isinstance(answer, str):
        return fail(name, f"{url}/-/ready: {answer}", f"start {name} or fix {variable}")
    return ok(name, f"{url} is ready")


def check_policy(doctor: Doctor) -> list[Result]:
    from opsgraph.guardrails.policy.loader import PolicyError, default_policy_path, load_policy_file

    path = doctor.settings.policy_file or default_policy_path()
    try:
        load_policy_file(Path(path))
    except PolicyError as exc:
        return [fail("policy", str(exc)[:300], "fix the file at the line named, or unset OPSGRAPH_POLICY_FILE")]
    except OSError as exc:
        return [fail("policy", f"{path}: {exc.strerror or exc}", "fix OPSGRAPH_POLICY_FILE")]
    return [ok("policy", f"{path} loads")]


def check_tracing(doctor: Doctor) -> list[Result]:
    from opsgraph.core.telemetry.tracing import build_provider, exporters

    names = exporters(os.environ)
    if not names:
        return [ok("tracing", "off (no OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_ENDPOINT): nothing is exported")]
    try:
        provider = build_provider(os.environ)
    except ValueError as exc:
        return [fail("tracing", str(exc), "fix the OTEL_* variables")]
    provider.shutdown()
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    return [ok("tracing", f"exporting to {', '.join(names)}" + (f" at {endpoint}" if endpoint else ""))]


def _get(url: str, timeout_s: float, headers: dict[str, str] | None = None) -> Any:
    """The response when it is a 2xx, else what went wrong in words."""
    import httpx

    try:
        response = httpx.get(url, timeout=timeout_s, headers=headers, follow_redirects=True)
    except httpx.HTTPError as exc:
        return f"no answer ({type(exc).__name__}: {exc})"[:200]
    if response.status_code >= 300:
        return f"HTTP {response.status_code}"
    return response


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
