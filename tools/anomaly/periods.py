"""From per-point verdicts to what a person reads: anomalous periods and alarm onsets.

A period is a run of anomalous points; two runs separated by fewer than `quiet` normal points are
one period (a flapping metric is one incident, not twenty). Alarms (who gets paged) are the
detector's (`Scored.alarm`: anomalous, and outside the refractory period of the previous alarm);
the NAB evaluation counts those (evals/nab/alarms.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    start: int  # row index of the first anomalous point
    end: int  # row index of the last anomalous point (inclusive)
    peak: int  # row index of the highest score
    peak_score: float
    anomalous_points: int


def find_periods(scores: Sequence[float], flags: Sequence[bool], quiet: int) -> list[Period]:
    periods: list[Period] = []
    start = end = peak = -1
    count = 0
    for i, flagged in enumerate(flags):
        if not flagged:
            continue
        if start >= 0 and i - end <= quiet:
            end = i
            count += 1
            if scores[i] > scores[peak]:
                peak = i
            continue
        if start >= 0:
            periods.append(Period(start, end, peak, scores[peak], count))
        start = end = peak = i
        count = 1
    if start >= 0:
        periods.append(Period(start, end, peak, scores[peak], count))
    return periods


def onset_floor(scores: Sequence[float], quiet: int) -> list[float]:
    """For each row, the highest score among the `quiet` rows before it (-inf for the first row).

    At any threshold t, row i opens a new period exactly when `score[i] >= t > floor[i]`, which
    lets NAB's threshold sweep count alarm onsets without re-running the detector.
    """
    floor: list[float] = []
    window: deque[int] = deque()  # indices with decreasing scores
    for i, score in enumerate(scores):
        while window and window[0] < i - quiet:
            window.popleft()
        floor.append(scores[window[0]] if window else float("-inf"))
        while window and scores[window[-1]] <= score:
            window.pop()
        window.append(i)
    return floor


def describe(periods: Sequence[Period], labels: Sequence[str], values: Sequence[float], limit: int = 5) -> str:
    """One line per period (most severe first), for a chat reply or a terminal."""
    if not periods:
        return "no anomalies"
    ranked = sorted(periods, key=lambda p: p.peak_score, reverse=True)
    lines = [f"{len(periods)} anomalous period{'s' if len(periods) != 1 else ''}:"]
    for p in ranked[:limit]:
        span = labels[p.start] if p.start == p.end else f"{labels[p.start]} .. {labels[p.end]}"
        lines.append(
            f"- {span}: peak score {p.peak_score:.2f} at {labels[p.peak]} (value {values[p.peak]:.6g}), "
            f"{p.anomalous_points} anomalous point{'s' if p.anomalous_points != 1 else ''}"
        )
    if len(ranked) > limit:
        lines.append(f"- ... and {len(ranked) - limit} more")
    return "\n".join(lines)
