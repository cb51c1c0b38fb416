"""Marts and truth files as comparable rows: the truth's local ids become patient keys."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from jakreg.simulate import truth
from tests.conftest import expected_patient_key

# (mart, truth file, its columns) for every mart the simulator writes a truth for.
MARTS = (
    ("advanced_therapy_courses", "advanced_therapy_courses.csv", truth.ADVANCED_COURSE_COLUMNS),
    ("jaki_courses", "jaki_courses.csv", truth.JAKI_COURSE_COLUMNS),
    ("jaki_failures", "jaki_failures.csv", truth.JAKI_FAILURE_COLUMNS),
)


def truth_rows(path: Path, truth_columns: tuple[str, ...]) -> list[tuple]:
    """The truth file's rows, sorted, local ids replaced by the expected patient keys."""
    frame = pl.read_csv(path, infer_schema_length=0)
    frame = frame.with_columns(
        pl.struct("center_id", "local_id")
        .map_elements(lambda r: expected_patient_key(r["center_id"], r["local_id"]), pl.Utf8)
        .alias("patient_key")
    ).drop("local_id")
    columns = _columns(truth_columns)
    frame = frame.with_columns(
        pl.col(c).str.to_lowercase() for c in ("failure", "retention_event") if c in columns
    )
    return sorted(frame.select(columns).fill_null("").rows())


def mart_rows(database: Path, mart: str, truth_columns: tuple[str, ...]) -> list[tuple]:
    """The published mart's rows, sorted, every value as text as in the truth file."""
    with duckdb.connect(str(database), read_only=True) as con:
        frame = con.sql(f"select * from marts.{mart}").pl()
    frame = frame.with_columns(pl.all().cast(pl.Utf8).fill_null(""))
    return sorted(frame.select(_columns(truth_columns)).rows())


def mart_query(database: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        frame = con.sql(sql).pl()
    return frame.with_columns(pl.all().cast(pl.Utf8).fill_null(""))


def _columns(truth_columns: tuple[str, ...]) -> list[str]:
    return [c if c != "local_id" else "patient_key" for c in truth_columns]
