"""The descriptive table on a hand-built center: counts, shares and failure rates (exact; what
may be shared is decided with the other tables, see test_disclosure_control.py)."""

from __future__ import annotations

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.descriptive import descriptive_table
from tests.unit.analysis.factories import failure, inputs, jaki_course


def _table() -> pl.DataFrame:
    courses = [jaki_course(jaki="tofacitinib", age=40 + i) for i in range(6)]
    courses += [jaki_course(jaki="baricitinib", failed=False, stop_reason="remission")] * 3
    courses += [jaki_course(jaki="baricitinib", first_of_patient=False, sex="M")]
    failure_rows = [failure(strategy="switching", next_target="anti-TNF")] * 5
    failure_rows += [failure(strategy="switching", next_target="anti-IL6")]
    failure_rows += [failure(strategy="none")]
    return descriptive_table(inputs(failure_rows, courses), Protocol())


def _items(table: pl.DataFrame, section: str) -> list[tuple]:
    rows = table.filter((pl.col("scope") == "pooled") & (pl.col("section") == section))
    return rows.select("item", "n", "of", "percent").rows()


def test_failure_rate_per_drug_is_failures_over_that_drugs_courses() -> None:
    table = _table()

    assert _items(table, "failures_by_drug") == [
        ("tofacitinib", 6, 6, 100.0),
        ("baricitinib", 1, 4, 25.0),
        ("all", 7, 10, 70.0),
    ]


def test_strategies_are_listed_in_protocol_order_with_shares_of_failures() -> None:
    table = _table()

    assert _items(table, "strategy_after_failure") == [
        ("cycling", 0, 7, 0.0),
        ("switching", 6, 7, 85.7),
        ("retreatment", 0, 7, 0.0),
        ("none", 1, 7, 14.3),
    ]
    assert _items(table, "switching_target_class") == [
        ("anti-TNF", 5, 6, 83.3),
        ("anti-IL6", 1, 6, 16.7),
    ]


def test_sex_is_counted_once_per_patient_and_age_summarised_as_median_and_iqr() -> None:
    table = _table()

    assert _items(table, "sex") == [("F", 9, 9, 100.0)]
    age = table.filter(pl.col("section") == "age_at_start").row(0, named=True)
    assert age["summary"] == "44.5 (42.2–50.0)"
