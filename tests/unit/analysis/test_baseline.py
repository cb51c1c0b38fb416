"""Baseline by strategy: standardised mean differences computed by hand, small cells withheld."""

from __future__ import annotations

import math

import polars as pl
import pytest

from jakreg.config import Protocol
from tasks.analysis.baseline import baseline_table
from tasks.analysis.study_relations import BASELINE
from tests.unit.analysis.factories import failure, failures, primary_only


def _rows() -> pl.DataFrame:
    cycling = [failure(strategy="cycling", age=a, sex="F") for a in (40, 50, 60, 50, 50, 50)]
    switching = [failure(strategy="switching", age=a, sex="M") for a in (60, 70, 80, 70, 70, 70)]
    switching += [failure(strategy="switching", age=70, sex="F", indication="PsA")] * 4
    return failures(cycling + switching + [failure(strategy="none")])


def _row(table: pl.DataFrame, variable: str, level: str) -> dict:
    return table.filter(
        pl.col("variable").str.starts_with(variable) & (pl.col("level") == level)
    ).row(0, named=True)


def test_smd_of_age_and_of_a_category_level_are_as_hand_computed() -> None:
    table = baseline_table(_rows())

    age = _row(table, "Age", "mean (SD)")
    # cycling mean 50, var 40; switching mean 70, var 40 * 5 / 9 (ten values, six as cycling's).
    var_c, var_s = 40.0, float(pl.Series([60, 70, 80, 70, 70, 70, 70, 70, 70, 70]).var())
    assert age["smd"] == pytest.approx(20 / math.sqrt((var_c + var_s) / 2), abs=1e-3)
    assert age["cycling_summary"] == "50.0 (6.3)"
    male = _row(table, "Sex", "M")
    # cycling 0 of 6, switching 6 of 10: (0.6 - 0) / sqrt((0 + 0.24) / 2)
    assert male["smd"] == pytest.approx(0.6 / math.sqrt(0.12), abs=1e-3)
    assert (male["cycling_n"], male["switching_n"], male["switching_percent"]) == (0, 6, 60.0)
    assert _row(table, "Failures", "n")["switching_n"] == 10


def test_shared_table_withholds_what_would_give_a_small_count_back() -> None:
    shared = primary_only({BASELINE: baseline_table(_rows())}, Protocol())[
        BASELINE
    ]  # the primary rule

    psa = _row(shared, "Indication", "PsA")
    assert (psa["switching_n"], psa["switching_percent"], psa["smd"]) == ("<5", None, None)
    female = _row(shared, "Sex", "F")  # switching: 4 women of 10, 6 men
    assert female["switching_n"] == "<5" and female["smd"] is None
    ra = _row(shared, "Indication", "RA")  # cycling 6 of 6, switching 6 of 10 (4 others)
    assert ra["smd"] is None and ra["switching_percent"] == 60.0


def test_one_strategy_only_gives_no_smd() -> None:
    table = baseline_table(failures([failure(strategy="switching")] * 6))
    assert table["smd"].is_null().all()
    assert _row(table, "Failures", "n")["cycling_n"] == 0
