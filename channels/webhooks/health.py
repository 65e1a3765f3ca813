"""`/readyz`: may this replica take traffic? Each dependency answers ok or why not, within a
timeout: the database (the alert store answers; the state directory is writable, or PostgreSQL
answers a ping), the action policy (loads), the receiver's queue (not nearly full).
`/healthz` stays "the process is alive" (no dependency: a restart would not fix them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SATURATED = 0.9  # the intake's queue this full: Alertmanager would soon get 503s; take no more


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def readiness(settings: Any, pipeline: Any, intake: Any) -> list[Check]:
    return [_database(settings, pipeline), _policy(settings), _queue(intake)]


def _database(settings: Any, pipeline: Any) -> Check:
    try:
        db = getattr(pipeline.store, "db", None)
        if db is not None and hasattr(db, "ping"):
            seconds = db.ping()
            where = db.describe() if hasattr(db, "describe") else "the database"
            detail = f"{where} answered in {seconds * 1000:.1f} ms"
        else:
            pipeline.store.payload_count()
            detail = "the alert store answers"
        url = getattr(settings, "database_url", None)
        shared = bool(url.get_secret_value()) if url is not None else False
        if not shared and not os.access(settings.state_dir, os.W_OK):
            return Check("database", False, f"the state directory {settings.state_dir} is not writable")
    except Exception as exc:
        return Check("database", False, f"{type(exc).__name__}: {exc}"[:300])
    return Check("database", True, detail)


_policy_cache: dict[tuple[str, float], Check] = {}


def _policy(settings: Any) -> Check:
    from opsgraph.guardrails.policy.loader import PolicyError, default_policy_path, load_policy_file

    path = Path(settings.policy_file) if settings.policy_file else default_policy_path()
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError as exc:
        return Check("policy", False, f"{path}: {exc.strerror or exc}")
    if key not in _policy_cache:  # parsed again only when the file changes
        try:
            load_policy_file(path)
            _policy_cache[key] = Check("policy", True, f"{path.name} loads")
        except PolicyError as exc:
            _policy_cache[key] = Check("policy", False, str(exc)[:300])
    return _policy_cache[key]


def _queue(intake: Any) -> Check:
    if intake is None:
        return Check("receiver_queue", True, "no background intake (payloads are handled in the request)")
    inbox = intake._inbox
    depth, size = inbox.qsize(), inbox.maxsize
    if size and depth >= SATURATED * size:
        return Check("receiver_queue", False, f"{depth} of {size} payloads waiting to be stored")
    return Check("receiver_queue", True, f"{depth} of {size} waiting")
