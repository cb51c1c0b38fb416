"""The real flow on a generated cohort, compared with the generator's truth row by row."""

from __future__ import annotations

import polars as pl
import pytest

from tests.e2e.truth_tables import MARTS, mart_query, mart_rows, truth_rows

pytestmark = pytest.mark.e2e


def test_every_center_is_staged(refreshed: dict) -> None:
    assert refreshed["result"].failed_centers == {}
    assert sorted(refreshed["result"].staged_centers) == [
        "barcelona",
        "madrid",
        "sagunto",
        "valencia",
    ]


@pytest.mark.parametrize(("mart", "truth_file", "truth_columns"), MARTS)
def test_mart_matches_truth_row_by_row(
    refreshed: dict, mart: str, truth_file: str, truth_columns: tuple[str, ...]
) -> None:
    expected = truth_rows(refreshed["truth"] / truth_file, truth_columns)
    assert len(expected) > 300
    assert mart_rows(refreshed["result"].database, mart, truth_columns) == expected


def test_every_strategy_occurs_in_the_test_cohort(refreshed: dict) -> None:
    failures = mart_query(refreshed["result"].database, "select strategy from marts.jaki_failures")
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
        "sensitivity-grid",
        "analysis",
        "publish",
    ]
    assert all(s.seconds > 0 and s.peak_rss_mb > 0 for s in stages.values())
    assert stages["stage-centers"].rows_in >= stages["stage-centers"].rows_out > 10_000
    assert stages["build-registry"].rows_out == sum(refreshed["result"].mart_rows.values())
