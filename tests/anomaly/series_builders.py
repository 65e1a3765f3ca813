"""Synthetic metric series with known behaviour, for the anomaly tests."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

START = 1_700_000_000 - (1_700_000_000 - 345_600) % 604_800  # a Monday 00:00 UTC
HOUR = 3600.0


def daily_series(
    days: int, step_s: float = 300.0, noise: float = 1.0, seed: int = 0, start: float = START
) -> tuple[list[float], list[float]]:
    """Busy by day (about 60), quiet at night (about 20), Gaussian noise: a typical service."""
    rng = np.random.default_rng(seed)
    n = int(days * 86400 / step_s)
    times = [start + i * step_s for i in range(n)]
    values = [_daily_level(t) + float(rng.normal(0.0, noise)) for t in times]
    return times, values


def _daily_level(t: float) -> float:
    hour = (t % 86400) / HOUR
    return 40.0 - 20.0 * math.cos(2 * math.pi * (hour - 2.0) / 24.0)


def index_at(times: list[float], moment: float) -> int:
    return min(range(len(times)), key=lambda i: abs(times[i] - moment))


def write_csv(path: Path, times: list[float], values: list[float]) -> Path:
    from datetime import UTC, datetime

    lines = ["timestamp,value"]
    for t, v in zip(times, values, strict=True):
        stamp = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"{stamp},{'' if math.isnan(v) else f'{v:.4f}'}")
    path.write_text("\n".join(lines) + "\n")
    return path
