"""What the analysis reads from the published registry: only the columns it needs, no keys.

DuckDB selects and joins the rows, polars receives them as Arrow; patient keys never leave the
database (the one per-patient fact the tables need, "first JAK-inhibitor course of its patient",
is computed in SQL). Rows of the same patient share a `patient_number`, a dense rank of the keys
that exists only in memory for the Cox model's clustered errors; it is never written anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from tasks.registry import database as db

FAILURES_SQL = """
select
    failures.center_id,
    dense_rank() over (order by failures.patient_key) as patient_number,
    failures.jaki as index_jaki,
    failures.stop_reason_class,
    failures.strategy,
    coalesce(failures.next_target_class, 'none') as next_target,
    failures.next_course_id is not null as has_next,
    failures.days_to_next,
    failures.retention_days,
    failures.retention_event,
    failures.censor_reason,
    next_courses.stop_reason_class as next_stop_reason_class,
    courses.age_at_start,
    courses.sex,
    courses.indication,
    courses.prior_advanced_lines,
from marts.jaki_failures as failures
inner join marts.jaki_courses as courses
    on failures.failure_course_id = courses.course_id
left join marts.advanced_therapy_courses as next_courses
    on failures.next_course_id = next_courses.course_id
"""

SEQUENCES_SQL = """
select
    center_id,
    path,
from marts.jaki_failure_sequences
"""

JAKI_COURSES_SQL = """
select
    center_id,
    jaki,
    status,
    stop_reason_class,
    failure,
    indication,
    sex,
    age_at_start,
    row_number() over (
        partition by center_id, patient_key order by start_date, course_id
    ) = 1 as first_of_patient,
from marts.jaki_courses
"""

DATA_CUTS_SQL = """
select
    center_id,
    extract_date,
    data_cut_date,
from staging.stg_extract
order by center_id
"""


# The marts FAILURES_SQL reads: what a sensitivity cell must rebuild.
FAILURES_MARTS = {"marts.jaki_failures", "marts.jaki_courses", "marts.advanced_therapy_courses"}


@dataclass(frozen=True)
class AnalysisInputs:
    """One row per JAK-inhibitor failure, per JAK-inhibitor course, per center's extract."""

    failures: pl.DataFrame
    jaki_courses: pl.DataFrame
    data_cuts: pl.DataFrame
    run_id: str
    built_at: str
    # One row per patient's first JAK-inhibitor failure: the path of steps that followed it.
    sequences: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"center_id": pl.Utf8, "path": pl.List(pl.Utf8)}
        )
    )

    @property
    def next_treatments(self) -> pl.DataFrame:
        """The failures followed by a next treatment: the retention analysis rows."""
        return self.failures.filter(pl.col("has_next"))


def load_inputs(database: Path) -> AnalysisInputs:
    """Reads the analysis rows of the published registry (read-only)."""
    with duckdb.connect(str(database), read_only=True) as con:
        run_id, built_at = db.fetch_all(con, "select run_id, built_at::varchar from meta.run")[0]
        return read_inputs(con, str(run_id), str(built_at))


def read_inputs(con: duckdb.DuckDBPyConnection, run_id: str, built_at: str) -> AnalysisInputs:
    """The analysis rows of the marts on `con` (the registry, or a sensitivity cell's rebuild)."""
    return AnalysisInputs(
        failures=read_failures(con),
        jaki_courses=con.sql(JAKI_COURSES_SQL).pl(),
        data_cuts=con.sql(DATA_CUTS_SQL).pl(),
        run_id=run_id,
        built_at=built_at,
        sequences=con.sql(SEQUENCES_SQL).pl(),
    )


def read_failures(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per JAK-inhibitor failure with its next treatment and the failed course's patient."""
    return con.sql(FAILURES_SQL).pl()
