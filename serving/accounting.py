"""Token and cost accounting: per turn (returned to the caller) and per user (running totals, in
the state database when one is given: a SQLite file, or PostgreSQL shared by replicas, so a
person's token budget holds whichever replica answers), exported as Prometheus metrics."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from opsgraph.core.db import Database, Migration, Target, migrate, open_database
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


_USAGE = (
    'CREATE TABLE IF NOT EXISTS llm_usage (ts REAL, "user" TEXT, model TEXT, source TEXT, prompt INTEGER,'
    " completion INTEGER, latency_s REAL, cost_usd REAL, outcome TEXT)"
)
MIGRATIONS = (
    Migration(
        1,
        "token usage",
        sqlite=(_USAGE,),
        postgresql=(_USAGE.replace("REAL", "DOUBLE PRECISION"),),
        both=('CREATE INDEX IF NOT EXISTS llm_usage_user ON llm_usage ("user", ts)',),
    ),
)


class TokenLedger:
    def __init__(self, path: Target | None = None, metrics: LLMMetrics = LLM_METRICS) -> None:
        self.metrics = metrics
        # Without a path: in memory, this process only. Commits do not wait for the disk (usage
        # is accounting, not a decision).
        self._db: Database = open_database(path if path is not None else Path(":memory:"), synchronous="NORMAL")
        migrate(self._db, "llm_usage", MIGRATIONS)

    def record(self, usage: Usage) -> None:
        with self._db.transaction(durable=False) as tx:
            tx.execute(
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
        m = self.metrics
        m.requests.inc(model=usage.model, source=usage.source, outcome=usage.outcome)
        m.tokens.inc(usage.prompt_tokens, model=usage.model, user=usage.user, kind="prompt")
        m.tokens.inc(usage.completion_tokens, model=usage.model, user=usage.user, kind="completion")
        m.cost.inc(usage.cost_usd, model=usage.model, user=usage.user)
        m.latency.observe(usage.latency_s, model=usage.model, source=usage.source)

    def tokens_since(self, user: str, since: float) -> int:
        row = self._db.query_one(
            'SELECT COALESCE(SUM(prompt + completion), 0) FROM llm_usage WHERE "user" = ? AND ts >= ?', (user, since)
        )
        return int(row[0]) if row else 0

    def by_user(self) -> dict[str, dict[str, float]]:
        rows = self._db.query(
            'SELECT "user", COUNT(*), SUM(prompt), SUM(completion), SUM(cost_usd) FROM llm_usage GROUP BY "user"'
        )
        return {
            u: {"requests": int(n), "prompt_tokens": int(p), "completion_tokens": int(c), "cost_usd": round(cost, 6)}
            for u, n, p, c, cost in rows
        }

    def close(self) -> None:
        self._db.close()
