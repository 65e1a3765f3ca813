"""Reading tabular data (CSV or Parquet) and comparing its columns with a reference, with errors
that name the file and the column. pandas is imported inside the functions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["numerical", "categorical", "text", "unknown"]
INTEGER_CARDINALITY_LIMIT = 10  # Evidently 0.7: an integer column with <= 10 values is categorical


class FrameError(ValueError):
    """The data cannot be used as given; the message says what to fix."""


def read_frame(path: Path | str, *, what: str = "data") -> pd.DataFrame:
    import pandas as pd

    file = Path(path).expanduser()
    if not file.exists():
        raise FrameError(f"{what} file {file} does not exist")
    if file.is_dir():
        raise FrameError(f"{what} path {file} is a directory, not a CSV or Parquet file")
    try:
        if file.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(file)
        else:
            frame = pd.read_csv(file, engine="pyarrow") if file.stat().st_size > 1 << 20 else pd.read_csv(file)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FrameError(f"{what} file {file} is not a readable CSV/Parquet table: {first}") from None
    except Exception as exc:  # pyarrow raises its own error types for malformed CSV
        if type(exc).__module__.startswith("pyarrow"):
            first = str(exc).strip().splitlines()[0]
            raise FrameError(f"{what} file {file} is not a readable CSV table: {first}") from None
        raise
    if frame.shape[1] == 0 or frame.empty:
        raise FrameError(f"{what} file {file} has no rows")
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed:")]
    if unnamed and len(unnamed) == frame.shape[1]:
        raise FrameError(f"{what} file {file} has no header row")
    return frame


def column_kind(series: pd.Series) -> Kind:
    """Evidently 0.7's column type inference (evidently.core.datasets.infer_column_type)."""
    name = series.dtype.name
    if name.startswith("float"):
        return "numerical"
    if name.startswith("int"):
        return "categorical" if series.nunique() <= INTEGER_CARDINALITY_LIMIT else "numerical"
    if name in ("bool", "category"):
        return "categorical"
    if name in ("object", "string", "str"):
        values = series.dropna()
        if values.empty or not isinstance(values.iloc[0], str):
            return "unknown"
        return "text" if series.nunique() > series.count() * 0.5 else "categorical"
    return "unknown"


def _family(series: pd.Series) -> str:
    name = series.dtype.name
    if name.startswith(("int", "float", "uint")):
        return "number"
    if name == "bool":
        return "bool"
    if name.startswith("datetime"):
        return "datetime"
    return "text"


@dataclass(frozen=True)
class SchemaProblem:
    missing: tuple[str, ...]
    retyped: tuple[tuple[str, str, str], ...]  # (column, reference type, current type)

    def message(self, where: str) -> str:
        parts = []
        if self.missing:
            parts.append(f"missing column{'s' if len(self.missing) > 1 else ''} {', '.join(self.missing)}")
        for column, ref, cur in self.retyped:
            parts.append(f"column {column} is {cur} but the reference has {ref}")
        return f"{where}: " + "; ".join(parts)


def schema_problem(reference: pd.DataFrame, current: pd.DataFrame) -> SchemaProblem | None:
    """Columns of the reference that the current data lacks or holds with another type family.
    Integers and floats are one family (a column with nulls is read as float)."""
    missing = tuple(str(c) for c in reference.columns if c not in current.columns)
    retyped = []
    for column in reference.columns:
        if column in current.columns:
            ref, cur = _family(reference[column]), _family(current[column])
            if ref != cur and not (current[column].isna().all()):
                retyped.append((str(column), ref, cur))
    if not missing and not retyped:
        return None
    return SchemaProblem(missing, tuple(retyped))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
