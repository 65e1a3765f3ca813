"""Reading the NAB data in place: series CSVs plus `combined_windows.json`."""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import RootModel, ValidationError

from opsgraph.evals.nab.scoring import LabelledFile, probation_rows
from opsgraph.tools.anomaly.series import Series, read_csv

DEFAULT_CATEGORY = "realKnownCause"


class Windows(RootModel[dict[str, list[tuple[datetime, datetime]]]]):
    """`{"category/file.csv": [[start, end], ...]}` as published with NAB."""


class CorpusError(ValueError):
    """The NAB folder is missing something; the message names it."""


@dataclass(frozen=True)
class NabFile:
    key: str
    series: Series
    labels: LabelledFile


def load_windows(path: Path) -> dict[str, list[tuple[datetime, datetime]]]:
    try:
        return Windows.model_validate(json.loads(path.read_text())).root
    except FileNotFoundError:
        raise CorpusError(f"{path}: missing (NAB's combined_windows.json is needed)") from None
    except (json.JSONDecodeError, ValidationError) as exc:
        raise CorpusError(f"{path}: not NAB windows JSON ({exc})") from None


def load_corpus(nab_dir: Path, category: str = DEFAULT_CATEGORY, *, capped_probation: bool = True) -> list[NabFile]:
    windows = load_windows(nab_dir / "combined_windows.json")
    folder = nab_dir / category
    paths = sorted(folder.glob("*.csv"))
    if not paths:
        raise CorpusError(f"{folder}: no CSV files")
    files = []
    for path in paths:
        key = f"{category}/{path.name}"
        if key not in windows:
            raise CorpusError(f"{key}: not listed in combined_windows.json")
        series = read_csv(path)
        files.append(NabFile(key, series, label_rows(key, series, windows[key], capped_probation)))
    return files


def label_rows(
    key: str, series: Series, windows: list[tuple[datetime, datetime]], capped_probation: bool = True
) -> LabelledFile:
    """Windows as inclusive row ranges: rows whose timestamp lies within [start, end]."""
    ts = list(series.timestamps)
    rows = []
    for start, end in windows:
        left = bisect.bisect_left(ts, _epoch(start))
        right = bisect.bisect_right(ts, _epoch(end)) - 1
        if right >= left:
            rows.append((left, right))
    n = len(series)
    return LabelledFile(key, n, tuple(rows), probation_rows(n, capped=capped_probation))


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
