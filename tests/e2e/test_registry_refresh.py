"""The real flow on a generated cohort, compared with the generator's truth row by row."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows.registry_refresh import registry_refresh
from jakreg.simulate import simulate
from tests.conftest import expected_patient_key

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> dict:
    root = tmp_path_factory.mktemp("refresh")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAKREG_PSEUDONYM_KEY", "test-key-not-secret")
        summary = simulate(root / "cohort", patients=1500, centers=3, seed=7)
        result = registry_refresh(summary.centers_file, root / "registry.duckdb", root / "out")
    return {"root": root, "result": result, "truth": root / "cohort" / "truth"}


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
    assert sorted(refreshed["result"].staged_centers) == ["madrid", "sagunto", "valencia"]


def test_advanced_therapy_courses_match_truth(refreshed: dict) -> None:
    columns = [
        "center_id",
        "patient_key",
        "ingredient",
        "target_class",
        "start_date",
        "end_date",
        "status",
    ]
    truth = _truth(refreshed["truth"] / "advanced_therapy_courses.csv")
    mart = _mart(refreshed["result"].database, "select * from marts.advanced_therapy_courses")
    assert len(truth) > 500
    assert _rows(mart, columns) == _rows(truth, columns)


def test_jaki_courses_and_failures_per_course_match_truth(refreshed: dict) -> None:
    columns = [
        "center_id",
        "patient_key",
        "jaki",
        "start_date",
        "end_date",
        "status",
        "stop_reason_class",
        "failure",
    ]
    truth = _truth(refreshed["truth"] / "jaki_courses.csv").with_columns(
        pl.col("failure").str.to_lowercase()
    )
    mart = _mart(refreshed["result"].database, "select * from marts.jaki_courses")
    assert _rows(mart, columns) == _rows(truth, columns)


def test_strategy_and_retention_of_each_failure_match_truth(refreshed: dict) -> None:
    columns = [
        "center_id",
        "patient_key",
        "jaki",
        "failure_date",
        "stop_reason_class",
        "strategy",
        "next_ingredient",
        "next_target_class",
        "next_start_date",
        "retention_days",
        "retention_event",
        "censor_reason",
    ]
    truth = _truth(refreshed["truth"] / "jaki_failures.csv").with_columns(
        pl.col("retention_event").str.to_lowercase()
    )
    mart = _mart(refreshed["result"].database, "select * from marts.jaki_failures")
    assert set(truth["strategy"]) == {"cycling", "switching", "retreatment", "none"}
    assert _rows(mart, columns) == _rows(truth, columns)


def test_retention_summary_has_pooled_nine_month_retention_by_strategy(refreshed: dict) -> None:
    summary = pl.read_csv(refreshed["root"] / "out" / "retention_summary.csv")
    pooled = summary.filter((pl.col("scope") == "pooled") & (pl.col("group_by") == "strategy"))
    assert set(pooled["group"]) == {"cycling", "switching", "retreatment"}
    assert pooled["m9_retention"].is_between(0, 1).all()
