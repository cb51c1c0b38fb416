"""Cycling vs switching: log-rank and the stratified Cox model, and groups too small for them."""

from __future__ import annotations

import polars as pl
import pytest

from jakreg.config import Protocol
from tasks.analysis.comparison import cox_table, logrank_table
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
        "global proportional-hazards test",
    }


def test_logrank_compares_the_strategies_pooled_and_per_center() -> None:
    logrank = logrank_table(_cohort(), Protocol())

    assert logrank.select("scope", "test").rows() == [
        ("pooled", "log-rank"),
        ("pooled", "log-rank stratified by center"),
        ("alpha", "log-rank"),
        ("beta", "log-rank"),
    ]
    pooled = logrank.row(0, named=True)
    assert (pooled["n_cycling"], pooled["n_switching"]) == (30, 30)
    assert pooled["status"] == "estimated"
    assert pooled["p_value"] < 0.001


def test_strategy_with_four_courses_is_reported_not_estimated() -> None:
    protocol = Protocol()
    cohort = _cohort(n_cycling=4)

    logrank, cox = logrank_table(cohort, protocol), cox_table(cohort, protocol)

    assert cox.rows() == [
        (
            "switching vs cycling",
            None,
            None,
            None,
            None,
            None,
            34,
            28,
            "not estimated",
            "fewer than 5 courses after cycling",
        )
    ]
    pooled = logrank.row(0, named=True)
    assert (pooled["n_cycling"], pooled["status"]) == (4, "not estimated")
    assert pooled["p_value"] is None


def test_several_rows_of_one_patient_widen_the_robust_interval() -> None:
    """The same cohort where each patient has two identical rows: the point estimate is the same,
    and clustering by patient gives the interval of the cohort without the copies."""
    single = _cohort()
    doubled = pl.concat([single, single])

    alone = cox_table(single, Protocol()).row(0, named=True)
    copies = cox_table(doubled, Protocol()).row(0, named=True)

    assert copies["hazard_ratio"] == pytest.approx(alone["hazard_ratio"], abs=0.01)
    assert copies["ci95_low"] == pytest.approx(alone["ci95_low"], abs=0.02)
    assert copies["ci95_high"] == pytest.approx(alone["ci95_high"], abs=0.02)
