"""Cycling vs switching: log-rank and the stratified Cox model, and groups too small for them."""

from __future__ import annotations

import polars as pl
import pytest

from jakreg.config import Protocol
from tasks.analysis import comparison
from tasks.analysis.comparison import cox_table, logrank_table, shared_comparisons
from tests.unit.analysis.factories import failure, failures


def _cohort(n_cycling: int = 30) -> pl.DataFrame:
    """Switching retained about three times longer than cycling, in two centers."""
    rows = [
        failure(
            center=("alpha", "beta")[i % 2],
            strategy="cycling",
            next_target="JAKi",
            days=20 + 10 * i,
            age=40 + i % 30,
            sex="FM"[i % 3 == 0],
            indication=("RA", "PsA")[i % 4 == 0],
            prior_lines=i % 3,
        )
        for i in range(n_cycling)
    ]
    rows += [
        failure(
            center=("alpha", "beta")[i % 2],
            strategy="switching",
            days=60 + 30 * i,
            event=i % 5 != 0,
            age=35 + i % 25,
            sex="FM"[i % 2 == 0],
            indication=("RA", "PsA")[i % 3 == 0],
            prior_lines=i % 2,
        )
        for i in range(30)
    ]
    return failures(rows)


def test_switching_retained_longer_has_a_hazard_ratio_below_one() -> None:
    cox = cox_table(_cohort(), Protocol())

    switching = cox.filter(pl.col("term") == "switching vs cycling").row(0, named=True)
    assert switching["status"] == "estimated"
    assert switching["ci95_low"] < switching["hazard_ratio"] < switching["ci95_high"] < 1
    assert 0 <= switching["ph_test_p"] <= 1
    assert set(cox["term"]) == {
        "switching vs cycling",
        "age at start, per 10 years",
        "male vs female",
        "prior advanced therapies, per line",
        "indication PsA vs RA",
    }


def test_logrank_compares_the_strategies_pooled_and_per_center() -> None:
    logrank = logrank_table(_cohort(), Protocol())

    assert logrank["scope"].to_list() == ["pooled", "alpha", "beta"]
    pooled = logrank.row(0, named=True)
    assert (pooled["n_cycling"], pooled["n_switching"]) == (30, 30)
    assert pooled["status"] == "estimated"
    assert pooled["p_value"] < 0.001


def test_strategy_with_four_courses_is_reported_not_estimated_with_counts_masked() -> None:
    protocol = Protocol()
    cohort = _cohort(n_cycling=4)

    logrank, cox = shared_comparisons(
        logrank_table(cohort, protocol), cox_table(cohort, protocol), protocol
    )

    assert cox.rows() == [
        (
            "switching vs cycling",
            None,
            None,
            None,
            None,
            None,
            "34",
            "28",
            "not estimated",
            "fewer than 5 courses after cycling",
        )
    ]
    pooled = logrank.row(0, named=True)
    assert (pooled["n_cycling"], pooled["status"]) == ("<5", "not estimated")
    assert pooled["p_value"] is None


def test_proportional_hazards_check_of_a_large_registry_runs_on_a_stated_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(comparison, "PH_TEST_MAX_ROWS", 40)

    cox = cox_table(_cohort(), Protocol())

    switching = cox.filter(pl.col("term") == "switching vs cycling").row(0, named=True)
    assert switching["note"].endswith("proportional-hazards test on a random sample of 40 courses")
    assert 0 <= switching["ph_test_p"] <= 1
