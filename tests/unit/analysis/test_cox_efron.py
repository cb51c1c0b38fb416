"""The grid's fast Cox fit gives lifelines' hazard ratios and CIs on the run's own design, and
with the run's patient-clustered errors the run's Cox table's switching row."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from lifelines import CoxPHFitter

from jakreg.config import Protocol
from tasks.analysis.comparison import _design, cox_rows, cox_table, switching_hazard_ratio
from tasks.analysis.cox_efron import NotConverged, fit_cox
from tests.unit.analysis.factories import failure, failures


def _tied_cohort() -> pl.DataFrame:
    """300 failures in three centers, retention in whole months (many tied event times), a
    quarter censored, every covariate varying; switching retained somewhat longer. Rows come in
    pairs of one patient (two failures each), so clustered errors differ from model-based ones."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(300):
        strategy = ("cycling", "switching")[i % 2]
        months = int(rng.integers(1, 12)) + (3 if strategy == "switching" else 0)
        rows.append(
            failure(
                center=("alpha", "beta", "gamma")[i % 3],
                strategy=strategy,
                days=30 * months,
                event=bool(rng.random() < 0.75),
                age=int(rng.integers(25, 80)),
                sex="FM"[int(rng.random() < 0.3)],
                indication=("RA", "PsA", "axSpA")[int(rng.integers(0, 3))],
                prior_lines=int(rng.integers(0, 4)),
                patient=i // 2 + 1,
            )
        )
    return failures(rows)


def test_the_fast_fit_equals_lifelines_on_every_term_with_ties_and_strata() -> None:
    design, _ = _design(cox_rows(_tied_cohort()), Protocol())
    design = design.drop(columns="patient_number")
    lifelines = CoxPHFitter().fit(design, "retention_days", "retention_event", strata=["center_id"])
    covariates = design.drop(columns=["center_id", "retention_days", "retention_event"])

    fit = fit_cox(
        covariates.to_numpy(dtype=float),
        design["retention_days"].to_numpy(),
        design["retention_event"].to_numpy(),
        design["center_id"].to_numpy(),
    )

    summary = lifelines.summary.loc[list(covariates.columns)]
    low, high = fit.ci95
    assert len(covariates.columns) == 6  # switching, age, sex, prior lines, two indications
    assert fit.hazard_ratio == pytest.approx(summary["exp(coef)"].to_numpy(), abs=1e-4)
    assert low == pytest.approx(summary["exp(coef) lower 95%"].to_numpy(), abs=1e-4)
    assert high == pytest.approx(summary["exp(coef) upper 95%"].to_numpy(), abs=1e-4)
    assert fit.se == pytest.approx(summary["se(coef)"].to_numpy(), abs=1e-4)


def test_the_switching_row_matches_the_runs_cox_table_and_says_when_not_estimated() -> None:
    rows = _tied_cohort()
    run = cox_table(rows, Protocol()).row(0, named=True)

    fast = switching_hazard_ratio(rows, Protocol())

    assert (
        (fast["term"], fast["status"])
        == (run["term"], run["status"])
        == (
            "switching vs cycling",
            "estimated",
        )
    )
    assert fast["hazard_ratio"] < 1
    for name in ("hazard_ratio", "ci95_low", "ci95_high"):
        # the run's table is rounded to 4 places; the fits agree to their tolerance
        assert fast[name] == pytest.approx(run[name], abs=1e-4)
    assert fast["note"] == run["note"] == "stratified by center; robust errors clustered by patient"
    only_cycling = rows.filter(pl.col("strategy") == "cycling")
    assert switching_hazard_ratio(only_cycling, Protocol())["status"] == "not estimated"


def test_a_covariate_that_separates_the_events_does_not_converge() -> None:
    time = np.arange(1.0, 21.0)
    x = (time <= 10).astype(float)[:, None]  # every early stop has x = 1: the MLE is infinite
    with pytest.raises(NotConverged):
        fit_cox(x, time, np.ones(20), np.zeros(20))
