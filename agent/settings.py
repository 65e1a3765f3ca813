"""One settings object, built once by the channel and passed down.

Every field can be set from the environment with the `OPSGRAPH_` prefix (for example
`OPSGRAPH_CLUSTER=kubeconfig OPSGRAPH_KUBECONFIG=~/.kube/config`). The embedded defaults need
nothing: sandbox cluster, deterministic planner, SQLite state in the state directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from opsgraph.core.settings import SettingsSection


def _default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "opsgraph"


def _default_user() -> str:
    """The OS login of the effective uid (not LOGNAME/USER, which anyone can set)."""
    from opsgraph.agent.identity import os_login

    return os_login()


ClusterMode = Literal["sandbox", "kubeconfig", "in-cluster"]


class Settings(SettingsSection):
    model_config = SettingsConfigDict(env_prefix="OPSGRAPH_", extra="ignore", frozen=True, enable_decoding=False)

    state_dir: Path = Field(default_factory=_default_state_dir, description="Where state lives.")

    # Cluster. A real cluster is never picked up implicitly: the demo must not touch prod.
    cluster: ClusterMode = Field("sandbox", description="sandbox | kubeconfig | in-cluster")
    kubeconfig: Path | None = Field(None, description="kubeconfig file for cluster=kubeconfig")
    kube_context: str | None = Field(None, description="kubeconfig context (default: current)")
    namespaces: list[str] = Field(
        default_factory=list, description="namespace allow-list; empty allows every namespace"
    )
    request_timeout_s: float = Field(5.0, gt=0, description="timeout of one API request")
    rollout_timeout_s: float = Field(120.0, gt=0, description="how long k8s_deploy watches")
    sandbox_scenario: Path | None = Field(None, description="sandbox scenario (default: shipped)")

    # Brain.
    brain: Literal["planner", "llm", "router"] = "planner"
    llm_base_url: str = "http://127.0.0.1:8000/v1"
    llm_model: str = "Qwen/Qwen2.5-7B-Instruct-AWQ"
    llm_api_key: str = "EMPTY"

    # The agent loop: limits of one turn.
    max_steps: int = Field(8, ge=1, le=50, description="tool calls one turn may run")
    turn_budget_s: float = Field(60.0, gt=0, description="time one turn may spend working (not waiting for people)")

    # Observability sources (alerts, anomaly scans).
    prometheus_url: str | None = Field(None, description="Prometheus HTTP API base URL")
    alertmanager_url: str | None = Field(None, description="Alertmanager base URL")

    model_cache_dir: Path | None = Field(
        None, description="where trained classifiers are cached (default: <state_dir>/cache)"
    )

    # Guardrails.
    policy_file: Path | None = Field(None, description="action policy YAML (default: shipped policy)")

    # Approvals and identity.
    approval_ttl_s: int = Field(900, gt=0, description="how long an approval stays valid")
    user: str = Field(
        default_factory=_default_user,
        description="who is talking (REPL/CLI): the OS login; another name only where the policy lets this "
        "host assert identities (agent.identity)",
    )

    # State. Empty: SQLite files in the state directory (one machine). postgresql://...: every
    # store (approvals, audit, checkpoints, alerts, Slack incidents, outcomes) in that database,
    # shared by any number of replicas (opsgraph.core.db).
    database_url: SecretStr = Field(
        SecretStr(""), description="empty (SQLite in the state dir) or postgresql://user:pass@host/db"
    )
    # The approvals' sealing key, shared by replicas (required with PostgreSQL; with SQLite a key
    # file beside the database is made when neither is set). Never stored in the database.
    approval_key: SecretStr | None = Field(None, description="64 hex characters (openssl rand -hex 32)")
    approval_key_file: Path | None = Field(None, description="a file holding the key (32 bytes, or 64 hex)")

    @field_validator("approval_key", mode="after")
    @classmethod
    def _hex_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and _key_bytes(value.get_secret_value().encode(), raw_ok=False) is None:
            raise ValueError("should be 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`")
        return value

    @field_validator(
        "state_dir",
        "kubeconfig",
        "sandbox_scenario",
        "policy_file",
        "model_cache_dir",
        "approval_key_file",
        mode="after",
    )
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    # Derived locations, all inside the state directory.
    @property
    def state_db(self) -> Path:
        return self.state_dir / "state.sqlite"

    @property
    def audit_db(self) -> Path:
        return self.state_dir / "audit.sqlite"

    @property
    def alerts_db(self) -> Path:
        return self.state_dir / "alerts.sqlite"

    def database_for(self, sqlite_file: Path) -> Path | str:
        """Where a store lives: its SQLite file, or the PostgreSQL URL when one is set."""
        return self.database_url.get_secret_value() or sqlite_file

    @property
    def shared_database(self) -> bool:
        return bool(self.database_url.get_secret_value())

    def approval_key_bytes(self) -> bytes | None:
        """The configured sealing key, or None (SQLite then keeps a key file beside the database).
        A key file that is unreadable or not a key raises StateConfigError."""
        if self.approval_key is not None:
            return _key_bytes(self.approval_key.get_secret_value().encode(), raw_ok=False)
        if self.approval_key_file is None:
            return None
        from opsgraph.core.db import StateConfigError

        try:
            raw = self.approval_key_file.read_bytes()
        except OSError as exc:
            raise StateConfigError(
                f"OPSGRAPH_APPROVAL_KEY_FILE {self.approval_key_file}: {exc.strerror or exc}"
            ) from None
        key = _key_bytes(raw)
        if key is None:
            raise StateConfigError(
                f"OPSGRAPH_APPROVAL_KEY_FILE {self.approval_key_file} is not a key: it should hold 32 bytes "
                "or 64 hex characters"
            )
        return key

    @property
    def sandbox_dir(self) -> Path:
        return self.state_dir / "sandbox"

    @property
    def cache_dir(self) -> Path:
        return self.model_cache_dir or self.state_dir / "cache"

    def ensure_state_dir(self) -> Path:
        """The state directory, created private (0700): approvals, audit, checkpoints, history."""
        if not self.state_dir.exists():
            self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.state_dir


def _key_bytes(raw: bytes, *, raw_ok: bool = True) -> bytes | None:
    """64 hex characters (surrounding whitespace ignored), or, from a file, 32 raw bytes."""
    if raw_ok and len(raw) == 32:
        return raw
    text = raw.strip()
    if len(text) == 64:
        try:
            return bytes.fromhex(text.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            return None
    return None
