"""`opsgraph doctor`: each check ok/warn/fail with the fix, within its timeout, exit 1 on a fail."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli
from tests.support.fake_vllm import FakeVLLM


def doctor(*args: str) -> tuple[int, dict[str, dict[str, str]], float]:
    started = time.monotonic()
    done = run_cli("doctor", "--json", *args, timeout=60)
    seconds = time.monotonic() - started
    assert "Traceback" not in done.stderr, done.stderr
    document = json.loads(done.stdout)
    checks = {c["check"]: c for c in document["checks"]}
    assert document["ok"] == (done.returncode == 0)
    return done.returncode, checks, seconds


def test_embedded_defaults_against_a_running_cluster(cluster_settings: Any) -> None:
    code, checks, _ = doctor()
    assert code == 0
    assert checks["cluster"]["status"] == "ok" and "answers" in checks["cluster"]["detail"]
    # The sandbox serves no SelfSubjectAccessReview: said plainly, never passed off as ok.
    assert checks["rbac"]["status"] == "warn" and "cannot check" in checks["rbac"]["detail"]
    for name in ("database", "policy", "mlflow", "model", "slack", "prometheus", "alertmanager", "tracing"):
        assert checks[name]["status"] == "ok", checks[name]


def test_text_output_is_one_line_per_check_with_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPSGRAPH_CLUSTER", "kubeconfig")
    monkeypatch.setenv("OPSGRAPH_KUBECONFIG", str(tmp_path / "missing-kubeconfig"))
    done = run_cli("doctor", "--timeout", "1")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("fail  cluster") and "missing-kubeconfig" in lines[0]
    assert lines[1].strip().startswith("fix: check OPSGRAPH_KUBECONFIG")


def test_broken_settings_fail_with_their_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("roles: [\n")
    monkeypatch.setenv("OPSGRAPH_POLICY_FILE", str(policy))
    monkeypatch.setenv("OPSGRAPH_BRAIN", "llm")
    monkeypatch.setenv("OPSGRAPH_LLM_BASE_URL", f"http://127.0.0.1:{_closed_port()}/v1")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-a-user-token-not-a-bot-token")
    monkeypatch.setenv("OPSGRAPH_TERRAFORM_PLUGIN_DIR", str(tmp_path))
    monkeypatch.setenv("OPSGRAPH_PROMETHEUS_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "jaeger")
    code, checks, _ = doctor("--timeout", "1")
    assert code == 1
    expected_fix = {
        "policy": "fix the file",
        "model": "OPSGRAPH_LLM_BASE_URL",
        "slack": "SLACK_BOT_TOKEN",
        "prometheus": "OPSGRAPH_PROMETHEUS_URL",
        "tracing": "OTEL_",
    }
    for name, fix in expected_fix.items():
        assert checks[name]["status"] == "fail" and fix in checks[name]["fix"], checks[name]
    if checks["terraform"]["status"] == "ok":  # terraform installed: the empty mirror is the problem
        assert checks["provider_mirror"]["status"] == "fail"
        assert "OPSGRAPH_TERRAFORM_PLUGIN_DIR" in checks["provider_mirror"]["fix"]


def test_a_served_model_and_slack_that_accepts_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeVLLM([]) as model, _slack_api(ok=True) as slack_url:
        monkeypatch.setenv("OPSGRAPH_BRAIN", "llm")
        monkeypatch.setenv("OPSGRAPH_LLM_BASE_URL", model.base_url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-abc")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cr3t")
        monkeypatch.setenv("OPSGRAPH_SLACK_API_URL", slack_url)
        _, checks, _ = doctor("--timeout", "2")
        assert checks["model"]["status"] == "ok" and model.model in checks["model"]["detail"]
        assert checks["slack"] == {"check": "slack", "status": "ok", "detail": "bot opsgraph in Acme (HTTP)", "fix": ""}
        monkeypatch.setenv("OPSGRAPH_LLM_MODEL", "some/other-model")
        _, checks, _ = doctor("--timeout", "2")
        assert checks["model"]["status"] == "fail" and "OPSGRAPH_LLM_MODEL" in checks["model"]["fix"]
    with _slack_api(ok=False) as slack_url:
        monkeypatch.setenv("OPSGRAPH_SLACK_API_URL", slack_url)
        _, checks, _ = doctor("--timeout", "2")
        assert checks["slack"]["status"] == "fail" and "invalid_auth" in checks["slack"]["detail"]
    # A token installed before the history scopes were in the manifest: named, with the fix.
    with _slack_api(ok=True, scopes="chat:write,commands,channels:read") as slack_url:
        monkeypatch.setenv("OPSGRAPH_SLACK_API_URL", slack_url)
        _, checks, _ = doctor("--timeout", "2")
        assert checks["slack"]["status"] == "warn", checks["slack"]
        assert "channels:history, groups:history" in checks["slack"]["detail"]
        assert "manifest.yaml" in checks["slack"]["fix"]


def test_a_service_that_never_answers_costs_one_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    with _silent_server() as url:
        monkeypatch.setenv("OPSGRAPH_BRAIN", "llm")
        monkeypatch.setenv("OPSGRAPH_LLM_BASE_URL", f"{url}/v1")
        monkeypatch.setenv("OPSGRAPH_PROMETHEUS_URL", url)
        monkeypatch.setenv("OPSGRAPH_ALERTMANAGER_URL", url)
        code, checks, seconds = doctor("--timeout", "1")
    assert code == 1
    assert checks["model"]["status"] == "fail" and checks["prometheus"]["status"] == "fail"
    assert seconds < 8  # three hung services, checked side by side (includes ~1-2 s of Python start-up)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


class _slack_api:
    """Slack's Web API as far as auth.test goes."""

    def __init__(self, ok: bool, scopes: str | None = None) -> None:
        answer = {"ok": True, "user": "opsgraph", "team": "Acme"} if ok else {"ok": False, "error": "invalid_auth"}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.dumps(answer if self.path == "/api/auth.test" else {"ok": False}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if scopes is not None:
                    self.send_header("x-oauth-scopes", scopes)
                self.end_headers()
                self.wfile.write(body)

        self._server = _Server(Handler)

    def __enter__(self) -> str:
        return self._server.url + "/api/"

    def __exit__(self, *_: object) -> None:
        self._server.server.shutdown()


class _silent_server:
    """Accepts connections and never answers."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                time.sleep(30)

        self._server = _Server(Handler)

    def __enter__(self) -> str:
        return self._server.url

    def __exit__(self, *_: object) -> None:
        self._server.server.server_close()
