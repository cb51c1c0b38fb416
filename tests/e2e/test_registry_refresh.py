"""The real flow on a generated cohort, compared with the generator's truth row by row."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from jakreg.simulate import truth
from tests.conftest import expected_patient_key

pytestmark = pytest.mark.e2e


def _truth(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema_length=0)
    return frame.with_columns(
        pl.struct("center_id", "local_id")
        .map_elements(lambda r: expected_patient_key(r["center_id"], r["local_id"]), pl.Utf8)
        .alias("patient_key")
    ).drop("local_id")


def _mart(database: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        frame = con.sql(sql).pl()
    return frame.with_columns(pl.all().cast(pl.Utf8).fill_null(""))


def _rows(frame: pl.DataFrame, columns: list[str]) -> list[tuple]:
    return sorted(frame.select(columns).fill_null("").rows())


def test_every_center_is_staged(refreshed: dict) -> None:
    assert refreshed["result"].failed_centers == {}
    assert sorted(refreshed["result"].staged_centers) == [
        "barcelona",
        "madrid",
        "sagunto",
        "valencia",
    ]


@pytest.mark.parametrize(
    ("mart", "truth_file", "truth_columns"),
    [
        ("advanced_therapy_courses", "advanced_therapy_courses.csv", truth.ADVANCED_COURSE_COLUMNS),
        ("jaki_courses", "jaki_courses.csv", truth.JAKI_COURSE_COLUMNS),
        ("jaki_failures", "jaki_failures.csv", truth.JAKI_FAILURE_COLUMNS),
    ],
)
def test_mart_matches_truth_row_by_row(
    refreshed: dict, mart: str, truth_file: str, truth_columns: tuple[str, ...]
) -> None:
    columns = [c if c != "local_id" else "patient_key" for c in truth_columns]
    expected = _truth(refreshed["truth"] / truth_file).with_columns(
        pl.col(c).str.to_lowercase() for c in ("failure", "retention_event") if c in columns
    )
    actual = _mart(refreshed["result"].database, f"select * from marts.{mart}")
    assert len(expected) > 300
    assert _rows(actual, columns) == _rows(expected, columns)


def test_every_strategy_occurs_in_the_test_cohort(refreshed: dict) -> None:
    failures = _mart(refreshed["result"].database, "select strategy from marts.jaki_failures")
    assert set(failures["strategy"]) == {"cycling", "switching", "retreatment", "none"}


def test_retention_summary_has_pooled_nine_month_retention_by_strategy(refreshed: dict) -> None:
    summary = pl.read_csv(refreshed["root"] / "out" / "latest" / "retention_summary.csv")
    pooled = summary.filter((pl.col("scope") == "pooled") & (pl.col("group_by") == "strategy"))
    assert set(pooled["group"]) == {"cycling", "switching", "retreatment"}
    assert pooled["m9_retention"].is_between(0, 1).all()


def test_the_run_records_each_stage_with_its_rows(refreshed: dict) -> None:
    stages = {s.stage: s for s in refreshed["result"].timings.stages}
    assert list(stages) == [
        "stage-centers",
        "quality-gate",
        "build-registry",
        "analysis",
        "publish",
    ]
    assert all(s.seconds > 0 and s.peak_rss_mb > 0 for s in stages.values())
    assert stages["stage-centers"].rows_in >= stages["stage-centers"].rows_out > 10_000
    assert stages["build-registry"].rows_out == sum(refreshed["result"].mart_rows.values())
