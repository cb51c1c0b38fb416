"""jakreg's survival statistics against R's survival package, on the fixed cohorts of
tests/reference/ (the fixtures were written by tests/reference/survival_reference.R; R is not
needed to run these tests)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from jakreg.config import Protocol
from tasks.analysis.comparison import cox_table, logrank_table
from tasks.analysis.cox_inference import CoxData, proportional_hazards_test
from tasks.analysis.kaplan_meier import estimate_retention, retention_curve
from tasks.analysis.logrank import logrank

FIXTURES = Path(__file__).parents[2] / "reference" / "fixtures"
COVARIATES = [
    "switching",
    "age_per_10_years",
    "male",
    "prior_advanced_lines",
    "indication_PsA",
    "indication_axSpA",
]
LABELS = {
    "switching": "switching vs cycling",
    "age_per_10_years": "age at start, per 10 years",
    "male": "male vs female",
    "prior_advanced_lines": "prior advanced therapies, per line",
    "indication_PsA": "indication PsA vs RA",
    "indication_axSpA": "indication axSpA vs RA",
}


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(FIXTURES / name)


def _cohorts() -> list[str]:
    return _read("km_cohorts.csv")["cohort"].unique(maintain_order=True).to_list()


def _km_cohort(name: str) -> tuple[np.ndarray, np.ndarray]:
    cohort = _read("km_cohorts.csv").filter(pl.col("cohort") == name)
    return cohort["time"].to_numpy(), cohort["event"].to_numpy()


def _registry_rows() -> pl.DataFrame:
    """The R cohort as the analysis reads registry rows."""
    cohort = _read("cox_cohort.csv")
    return cohort.select(
        "center_id",
        pl.col("patient").alias("patient_number"),
        "strategy",
        "retention_days",
        pl.col("retention_event").cast(pl.Boolean),
        (pl.col("age_per_10_years") * 10).round(0).alias("age_at_start"),
        pl.when(pl.col("male") == 1).then(pl.lit("M")).otherwise(pl.lit("F")).alias("sex"),
        "indication",
        "prior_advanced_lines",
    )


@pytest.mark.parametrize("name", _cohorts())
def test_kaplan_meier_and_log_log_band_match_survfit(name: str) -> None:
    durations, events = _km_cohort(name)
    expected = _read("km_expected.csv").filter(pl.col("cohort") == name)

    curve = retention_curve(durations, events)

    at = np.searchsorted(curve.days, expected["time"].to_numpy())
    assert np.allclose(curve.days[at], expected["time"].to_numpy())
    for ours, theirs in (
        (curve.retention, "surv"),
        (curve.ci95_low, "lower"),
        (curve.ci95_high, "upper"),
    ):
        reference = expected[theirs].to_numpy().astype(float)
        assert np.array_equal(np.isnan(ours[at]), np.isnan(reference))  # undefined where R's is
        assert np.nanmax(np.abs(ours[at] - reference)) < 1e-6


@pytest.mark.parametrize("name", _cohorts())
def test_median_and_its_bounds_match_survfit_including_not_reached(name: str) -> None:
    durations, events = _km_cohort(name)
    expected = _read("median_expected.csv").filter(pl.col("cohort") == name).row(0, named=True)

    estimate = estimate_retention(durations, events, months=(1,), month_days=30.0)

    assert estimate.median_days == expected["median"]
    assert estimate.median_ci95_low == expected["lower"]
    assert estimate.median_ci95_high == expected["upper"]


def test_exact_half_plateau_median_is_its_midpoint_and_unreached_bound_is_none() -> None:
    durations, events = _km_cohort("plateau")

    estimate = estimate_retention(durations, events, months=(1,), month_days=30.0)

    assert (estimate.median_days, estimate.median_ci95_high) == (6.5, None)


def test_log_rank_pooled_and_stratified_by_center_match_survdiff() -> None:
    cohort = _read("cox_cohort.csv")
    expected = dict(_read("logrank_expected.csv").iter_rows())
    args = (
        cohort["retention_days"].to_numpy(),
        cohort["retention_event"].to_numpy(),
        (cohort["strategy"] == "cycling").to_numpy(),
    )

    pooled = logrank(*args, np.zeros(len(cohort)))
    stratified = logrank(*args, cohort["center_id"].to_numpy())

    assert abs(pooled.chi2 - expected["pooled"]) < 1e-6
    assert abs(stratified.chi2 - expected["stratified by center"]) < 1e-6


def test_log_rank_table_reports_the_stratified_test_beside_the_pooled_one() -> None:
    expected = dict(_read("logrank_expected.csv").iter_rows())

    table = logrank_table(_registry_rows(), Protocol()).filter(pl.col("scope") == "pooled")

    chi2 = dict(table.select("test", "chi2").iter_rows())
    assert chi2["log-rank"] == pytest.approx(expected["pooled"], abs=1e-3)
    assert chi2["log-rank stratified by center"] == pytest.approx(
        expected["stratified by center"], abs=1e-3
    )


def test_cox_hazard_ratios_and_patient_clustered_robust_intervals_match_coxph() -> None:
    expected = {row["term"]: row for row in _read("cox_expected.csv").to_dicts()}

    cox = {row["term"]: row for row in cox_table(_registry_rows(), Protocol()).to_dicts()}

    for term, label in LABELS.items():
        for column in ("hazard_ratio", "ci95_low", "ci95_high"):
            assert abs(cox[label][column] - expected[term][column]) < 1e-4, (term, column)
        assert abs(cox[label]["ph_test_p"] - expected[term]["ph_p_km"]) < 0.01, term
    assert (
        abs(cox["global proportional-hazards test"]["ph_test_p"] - expected["GLOBAL"]["ph_p_km"])
        < 0.01
    )


@pytest.mark.parametrize("transform", ["km", "rank"])
def test_proportional_hazards_test_over_all_strata_matches_cox_zph(transform: str) -> None:
    cohort = _read("cox_cohort.csv").to_pandas()
    expected = _read("cox_expected.csv")
    beta = expected.filter(pl.col("term") != "GLOBAL")
    coefficients = dict(zip(beta["term"], np.log(beta["hazard_ratio"].to_numpy()), strict=True))
    data = CoxData.of(
        cohort, "retention_days", "retention_event", "center_id", pd.Series(coefficients)
    )

    test = proportional_hazards_test(data, COVARIATES, transform)

    reference = dict(expected.select("term", f"ph_p_{transform}").iter_rows())
    for term in COVARIATES:
        assert abs(test.p[term] - reference[term]) < 1e-4, term
    assert abs(test.global_p - reference["GLOBAL"]) < 1e-4
    assert not math.isnan(test.global_chi2)
