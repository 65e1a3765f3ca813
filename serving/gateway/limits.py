"""Per-key request rate limits (a token bucket) and daily token budgets, in memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

DAY_S = 86_400.0


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class KeyLimits:
    per_minute: int
    tokens_per_day: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _spent: dict[str, tuple[float, int]] = field(default_factory=dict)  # key -> (window start, tokens)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, key: str) -> str | None:
        """None when the request may go on, else why not (the 429 message)."""
        now = self.clock()
        with self._lock:
            start, spent = self._spent.get(key, (now, 0))
            if now - start >= DAY_S:
                start, spent = now, 0
                self._spent[key] = (start, spent)
            if spent >= self.tokens_per_day:
                return f"token budget of {self.tokens_per_day} per day used up; resets in {DAY_S - (now - start):.0f}s"
            bucket = self._buckets.setdefault(key, _Bucket(float(self.per_minute), now))
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.updated) * self.per_minute / 60)
            bucket.updated = now
            if bucket.tokens < 1.0:
                return f"rate limit of {self.per_minute} requests per minute reached"
            bucket.tokens -= 1.0
        return None

    def spend(self, key: str, tokens: int) -> None:
        now = self.clock()
        with self._lock:
            start, spent = self._spent.get(key, (now, 0))
            self._spent[key] = (start, spent + tokens)

    def spent(self, key: str) -> int:
        return self._spent.get(key, (0.0, 0))[1]
