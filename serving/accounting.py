"""Token and cost accounting: per turn (returned to the caller) and per user (running totals, in
SQLite when a path is given), exported as Prometheus metrics."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from opsgraph.serving.metrics import LLM_METRICS, LLMMetrics


@dataclass(frozen=True)
class Usage:
    user: str
    model: str
    source: str  # "agent" | "gateway" | ...
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    cost_usd: float
    outcome: str = "ok"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Prices:
    """USD per million tokens."""

    prompt: float = 0.0
    completion: float = 0.0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.prompt + completion_tokens * self.completion) / 1e6


class TokenLedger:
    def __init__(self, path: Path | None = None, metrics: LLMMetrics = LLM_METRICS) -> None:
        self.metrics = metrics
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS llm_usage (ts REAL, user TEXT, model TEXT, source TEXT, prompt INTEGER,"
            " completion INTEGER, latency_s REAL, cost_usd REAL, outcome TEXT)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS llm_usage_user ON llm_usage (user, ts)")

    def record(self, usage: Usage) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO llm_usage VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    time.time(),
                    usage.user,
                    usage.model,
                    usage.source,
                    usage.prompt_tokens,
                    usage.completion_tokens,
                    usage.latency_s,
                    usage.cost_usd,
                    usage.outcome,
                ),
            )
            self._db.commit()
        m = self.metrics
        m.requests.inc(model=usage.model, source=usage.source, outcome=usage.outcome)
        m.tokens.inc(usage.prompt_tokens, model=usage.model, user=usage.user, kind="prompt")
        m.tokens.inc(usage.completion_tokens, model=usage.model, user=usage.user, kind="completion")
        m.cost.inc(usage.cost_usd, model=usage.model, user=usage.user)
        m.latency.observe(usage.latency_s, model=usage.model, source=usage.source)

    def tokens_since(self, user: str, since: float) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(prompt + completion), 0) FROM llm_usage WHERE user = ? AND ts >= ?", (user, since)
            ).fetchone()
        return int(row[0])

    def by_user(self) -> dict[str, dict[str, float]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT user, COUNT(*), SUM(prompt), SUM(completion), SUM(cost_usd) FROM llm_usage GROUP BY user"
            ).fetchall()
        return {
            u: {"requests": n, "prompt_tokens": p, "completion_tokens": c, "cost_usd": round(cost, 6)}
            for u, n, p, c, cost in rows
        }

    def close(self) -> None:
        self._db.close()
