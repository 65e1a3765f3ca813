"""Scoring a whole series with the streaming detector and summarising it: the part the CLI, the
`anomaly_scan` tool and the NAB eval share."""

from __future__ import annotations

from dataclasses import dataclass

from opsgraph.tools.anomaly.detector import DetectorConfig, StreamingDetector
from opsgraph.tools.anomaly.periods import Period, describe, find_periods
from opsgraph.tools.anomaly.series import Series


@dataclass(frozen=True)
class SeriesScan:
    series: Series
    scores: tuple[float, ...]
    flags: tuple[bool, ...]
    periods: tuple[Period, ...]
    first_reported: int  # rows before this one were history the detector learned from

    @property
    def anomalous_rows(self) -> list[int]:
        return [i for i in range(self.first_reported, len(self.flags)) if self.flags[i]]

    def summary(self, limit: int = 5) -> str:
        s = self.series
        return describe(self.periods, s.labels, s.values, limit=limit)


def scan(series: Series, config: DetectorConfig | None = None, *, report_from: float | None = None) -> SeriesScan:
    """Score every point in order. With `report_from` (epoch seconds), earlier points only teach
    the detector what is normal: they are scored but never flagged."""
    cfg = config or DetectorConfig()
    detector = StreamingDetector(cfg)
    first = 0
    if report_from is not None:
        first = next((i for i, t in enumerate(series.timestamps) if t >= report_from), len(series))
    scores: list[float] = []
    flags: list[bool] = []
    for i, (ts, value) in enumerate(zip(series.timestamps, series.values, strict=True)):
        scored = detector.update(ts, value)
        scores.append(scored.score)
        flags.append(scored.anomaly and i >= first)
    periods = find_periods(scores, flags, cfg.quiet)
    return SeriesScan(series, tuple(scores), tuple(flags), tuple(periods), first)
