"""A metric series as the detector sees it, and reading one from a `timestamp,value` CSV.

Rows are validated with pydantic at the boundary; a bad row is a `SeriesError` naming the file and
line and saying what to fix. Inside, a series is a frozen dataclass of parallel tuples: epoch
seconds (UTC; naive timestamps are read as UTC), values (NaN marks a missing value), and the
timestamp text exactly as it came in, so output rows can be matched to input rows.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

MISSING_TOKENS = frozenset({"", "nan", "null", "none", "na", "n/a"})


class SeriesError(ValueError):
    """The input series cannot be used as given; the message says what to fix."""


@dataclass(frozen=True)
class Series:
    name: str
    timestamps: tuple[float, ...]
    values: tuple[float, ...]
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if not len(self.timestamps) == len(self.values) == len(self.labels):
            raise ValueError("timestamps, values and labels must have the same length")

    def __len__(self) -> int:
        return len(self.values)

    @classmethod
    def from_pairs(cls, name: str, pairs: list[tuple[float, float]]) -> Series:
        """Build from (epoch seconds, value) pairs; labels are ISO 8601 UTC timestamps."""
        ts = tuple(float(t) for t, _ in pairs)
        return cls(name, ts, tuple(float(v) for _, v in pairs), tuple(iso(t) for t in ts))


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


class CsvRow(BaseModel):
    """One `timestamp,value` row. An empty value or NaN means "no sample here"."""

    model_config = ConfigDict(frozen=True)

    timestamp: datetime
    value: float | None

    @field_validator("value", mode="before")
    @classmethod
    def _missing(cls, raw: object) -> object:
        if isinstance(raw, str) and raw.strip().lower() in MISSING_TOKENS:
            return None
        return raw

    @field_validator("value", mode="after")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and math.isinf(value):
            raise ValueError("value must be a finite number (or empty for a missing sample)")
        return value

    def epoch(self) -> float:
        ts = self.timestamp if self.timestamp.tzinfo else self.timestamp.replace(tzinfo=UTC)
        return ts.timestamp()


def read_csv(path: Path) -> Series:
    """Read `timestamp,value` rows; raise `SeriesError` with file:line for anything unusable."""
    reader = None
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            return parse_csv_lines(reader, source=str(path), name=path.stem)
    except csv.Error as exc:  # e.g. a field over the csv module's 128 KiB limit
        line = reader.line_num if reader is not None else 0
        raise SeriesError(f"{path}:{line}: not a usable CSV line ({exc}); expected timestamp,value") from None
    except FileNotFoundError:
        raise SeriesError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SeriesError(f"{path}: is a directory, expected a CSV file") from None
    except UnicodeDecodeError:
        raise SeriesError(f"{path}: not a UTF-8 text file; expected CSV with columns timestamp,value") from None


def parse_csv_lines(rows: object, *, source: str, name: str) -> Series:
    reader = iter(rows)  # type: ignore[call-overload]
    header = next(reader, None)
    if header is None:
        raise SeriesError(f"{source}: the file is empty; expected a header line 'timestamp,value'")
    columns = [c.strip().lower() for c in header]
    if "timestamp" not in columns or "value" not in columns:
        raise SeriesError(
            f"{source}:1: the header must name the columns 'timestamp' and 'value' (got {','.join(header)!r})"
        )
    t_col, v_col = columns.index("timestamp"), columns.index("value")
    times: list[float] = []
    values: list[float] = []
    labels: list[str] = []
    for line_no, cells in enumerate(reader, start=2):
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) <= max(t_col, v_col):
            raise SeriesError(f"{source}:{line_no}: expected {len(columns)} columns, got {len(cells)}")
        row = _validate(cells[t_col].strip(), cells[v_col].strip(), f"{source}:{line_no}")
        times.append(row.epoch())  # out-of-order rows happen in real exports; the detector copes
        values.append(math.nan if row.value is None else row.value)
        labels.append(cells[t_col].strip())
    if not times:
        raise SeriesError(f"{source}: no data rows after the header")
    return Series(name, tuple(times), tuple(values), tuple(labels))


def _validate(timestamp: str, value: str, where: str) -> CsvRow:
    try:
        return CsvRow.model_validate({"timestamp": timestamp, "value": value})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "row"
        if field == "timestamp":
            hint = "use ISO 8601 (2024-05-01T12:00:00Z) or unix seconds"
            raise SeriesError(f"{where}: bad timestamp {timestamp!r}: {hint}") from None
        raise SeriesError(f"{where}: bad value {value!r}: {err['msg']}") from None
