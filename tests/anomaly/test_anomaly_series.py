"""Reading `timestamp,value` CSVs: what is accepted, and errors that say what to fix."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from opsgraph.tools.anomaly.series import SeriesError, read_csv


def write(tmp_path: Path, text: str, name: str = "series.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_iso_space_separated_and_unix_timestamps(tmp_path: Path) -> None:
    series = read_csv(
        write(tmp_path, "timestamp,value\n2024-05-01T12:00:00Z,1.5\n2024-05-01 12:05:00,2\n1714565400,3e0\n")
    )
    assert series.values == (1.5, 2.0, 3.0)
    assert series.timestamps == (1714564800.0, 1714565100.0, 1714565400.0)
    assert series.labels == ("2024-05-01T12:00:00Z", "2024-05-01 12:05:00", "1714565400")


def test_empty_and_nan_values_are_missing_samples(tmp_path: Path) -> None:
    series = read_csv(write(tmp_path, "timestamp,value\n1714564800,\n1714565100,NaN\n1714565400,4\n"))
    assert math.isnan(series.values[0]) and math.isnan(series.values[1]) and series.values[2] == 4.0


def test_column_order_and_extra_columns_do_not_matter(tmp_path: Path) -> None:
    series = read_csv(write(tmp_path, "host,value,timestamp\na,7,1714564800\n"))
    assert series.values == (7.0,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("timestamp,value\n1714564800,1\n1714565100,abc\n", r"series\.csv:3: bad value 'abc'"),
        (
            "timestamp,value\n1714564800,1\nyesterday,2\n",
            r"series\.csv:3: bad timestamp 'yesterday'.*ISO 8601",
        ),
        ("timestamp,value\n1714564800,inf\n", r"series\.csv:2: bad value 'inf'.*finite"),
        ("timestamp,value\n1714564800\n", r"series\.csv:2: expected 2 columns, got 1"),
        ("time,val\n1,2\n", r"series\.csv:1: the header must name the columns 'timestamp' and 'value'"),
        ("", r"series\.csv: the file is empty"),
        ("timestamp,value\n", r"series\.csv: no data rows"),
    ],
)
def test_bad_input_names_the_line_and_the_fix(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(SeriesError, match=expected):
        read_csv(write(tmp_path, text))


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SeriesError, match="no such file"):
        read_csv(tmp_path / "nope.csv")
