"""Cycling vs switching after a JAK-inhibitor failure: log-rank test and a Cox model.

The log-rank test compares retention of the next treatment between the two strategies, pooled
and per center. The Cox model estimates the hazard of discontinuing the next treatment for
switching relative to cycling, adjusted for age at the failed course's start (per 10 years), sex,
indication (the most frequent is the reference; indications with fewer than `min_cell_count`
failures are grouped as "other") and the number of prior advanced therapies, with a separate
baseline hazard per center (stratified). Proportional hazards are checked with the scaled
Schoenfeld residual test (lifelines, rank-transformed time), one p-value per term; on a large
registry on a fixed random sample (see `_proportional_hazards_p`).
A comparison is "not estimated" (a row that says why, never a crash) when either strategy has
fewer than `min_cell_count` courses or no discontinuation, or the model does not converge.
"""

from __future__ import annotations

import warnings

import pandas as pd
import polars as pl
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from lifelines.statistics import logrank_test, proportional_hazard_test

from jakreg.config import Protocol
from tasks.analysis.cox_efron import NotConverged, fit_cox
from tasks.analysis.disclosure import mask_counts
from tasks.analysis.retention import scopes

COMPARED = ("cycling", "switching")
COVARIATES = ("age_at_start", "sex", "indication", "prior_advanced_lines")
PH_TEST_MAX_ROWS = 20_000
ESTIMATED = "estimated"
NOT_ESTIMATED = "not estimated"
LOGRANK_SCHEMA = {
    "scope": pl.Utf8,
    "n_cycling": pl.Int64,
    "events_cycling": pl.Int64,
    "n_switching": pl.Int64,
    "events_switching": pl.Int64,
    "chi2": pl.Float64,
    "p_value": pl.Float64,
    "status": pl.Utf8,
    "note": pl.Utf8,
}
COX_SCHEMA = {
    "term": pl.Utf8,
    "hazard_ratio": pl.Float64,
    "ci95_low": pl.Float64,
    "ci95_high": pl.Float64,
    "p_value": pl.Float64,
    "ph_test_p": pl.Float64,
    "n": pl.Int64,
    "events": pl.Int64,
    "status": pl.Utf8,
    "note": pl.Utf8,
}
TERM_LABELS = {
    "switching": "switching vs cycling",
    "age_per_10_years": "age at start, per 10 years",
    "male": "male vs female",
    "prior_advanced_lines": "prior advanced therapies, per line",
}


def logrank_table(rows: pl.DataFrame, protocol: Protocol) -> pl.DataFrame:
    """Log-rank cycling vs switching, pooled and per center (exact counts, internal)."""
    records = []
    for scope, scoped in scopes(rows):
        arms = {s: scoped.filter(pl.col("strategy") == s) for s in COMPARED}
        record: dict = {"scope": scope}
        for strategy, arm in arms.items():
            record[f"n_{strategy}"] = len(arm)
            record[f"events_{strategy}"] = int(arm["retention_event"].sum())
        problem = _too_small(arms, protocol)
        if problem:
            records.append({**record, "status": NOT_ESTIMATED, "note": problem})
            continue
        result = logrank_test(
            arms["cycling"]["retention_days"].to_numpy(),
            arms["switching"]["retention_days"].to_numpy(),
            event_observed_A=arms["cycling"]["retention_event"].to_numpy(),
            event_observed_B=arms["switching"]["retention_event"].to_numpy(),
        )
        records.append(
            {
                **record,
                "chi2": round(float(result.test_statistic), 3),
                "p_value": float(result.p_value),
                "status": ESTIMATED,
                "note": "",
            }
        )
    return pl.DataFrame(records, schema=LOGRANK_SCHEMA)


def cox_table(rows: pl.DataFrame, protocol: Protocol) -> pl.DataFrame:
    """The stratified Cox model, one row per term (exact counts, internal)."""
    compared = cox_rows(rows)
    n, events = len(compared), int(compared["retention_event"].sum())
    arms = {s: compared.filter(pl.col("strategy") == s) for s in COMPARED}
    problem = _too_small(arms, protocol)
    if not problem:
        design, reference = _design(compared, protocol)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", ConvergenceWarning)
                fitter = CoxPHFitter().fit(
                    design, "retention_days", "retention_event", strata=["center_id"]
                )
                ph_p, ph_note = _proportional_hazards_p(fitter, design)
        except (ConvergenceError, ConvergenceWarning) as err:
            problem = f"the model did not converge ({str(err).splitlines()[0]})"
    if problem:
        record = {"term": TERM_LABELS["switching"], "n": n, "events": events}
        return pl.DataFrame([{**record, "status": NOT_ESTIMATED, "note": problem}], COX_SCHEMA)
    summary = fitter.summary
    records = [
        {
            "term": _term_label(term, reference),
            "hazard_ratio": round(float(summary.loc[term, "exp(coef)"]), 3),
            "ci95_low": round(float(summary.loc[term, "exp(coef) lower 95%"]), 3),
            "ci95_high": round(float(summary.loc[term, "exp(coef) upper 95%"]), 3),
            "p_value": float(summary.loc[term, "p"]),
            "ph_test_p": float(ph_p[term]) if term in ph_p else None,
            "n": n,
            "events": events,
            "status": ESTIMATED,
            "note": "stratified by center" + ph_note,
        }
        for term in summary.index
    ]
    return pl.DataFrame(records, schema=COX_SCHEMA)


def switching_hazard_ratio(rows: pl.DataFrame, protocol: Protocol) -> dict:
    """The Cox model's switching-vs-cycling row (term, hazard ratio, CI, status) from the fast
    fit of tasks/analysis/cox_efron.py: same rows, design and strata, no proportional-hazards
    test. For the many refits of the sensitivity grid."""
    compared = cox_rows(rows)
    arms = {s: compared.filter(pl.col("strategy") == s) for s in COMPARED}
    record: dict = {"term": TERM_LABELS["switching"], "status": NOT_ESTIMATED}
    problem = _too_small(arms, protocol)
    if problem:
        return {**record, "note": problem}
    design, _ = _design(compared, protocol)
    covariates = design.drop(columns=["center_id", "retention_days", "retention_event"])
    try:
        fit = fit_cox(
            covariates.to_numpy(dtype=float),
            design["retention_days"].to_numpy(),
            design["retention_event"].to_numpy(),
            design["center_id"].to_numpy(),
        )
    except NotConverged as err:
        return {**record, "note": f"the model did not converge ({err})"}
    term = list(covariates.columns).index("switching")
    low, high = fit.ci95
    return {
        **record,
        "hazard_ratio": float(fit.hazard_ratio[term]),
        "ci95_low": float(low[term]),
        "ci95_high": float(high[term]),
        "status": ESTIMATED,
        "note": "stratified by center",
    }


def cox_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows the Cox model is fitted on: cycling or switching, every covariate recorded."""
    return rows.filter(pl.col("strategy").is_in(COMPARED)).drop_nulls(list(COVARIATES))


def shared_comparisons(
    logrank: pl.DataFrame, cox: pl.DataFrame, protocol: Protocol
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Both tables with small counts shown as `<min_cell_count`."""
    small = protocol.min_cell_count
    arm_counts = ["n_cycling", "events_cycling", "n_switching", "events_switching"]
    return mask_counts(logrank, arm_counts, small), mask_counts(cox, ["n", "events"], small)


def _too_small(arms: dict[str, pl.DataFrame], protocol: Protocol) -> str:
    for strategy, arm in arms.items():
        if len(arm) < protocol.min_cell_count:
            return f"fewer than {protocol.min_cell_count} courses after {strategy}"
        if not arm["retention_event"].any():
            return f"no discontinuation after {strategy}"
    return ""


def _proportional_hazards_p(fitter: CoxPHFitter, design: pd.DataFrame) -> tuple[pd.Series, str]:
    """The Schoenfeld test's p-value per term, and a note when it was run on a sample.

    lifelines' residual computation grows quadratically with the rows (over a minute at 400,000
    courses), so above PH_TEST_MAX_ROWS the test runs on the model refitted to a fixed-seed
    random sample of that many courses: the same test, with less power.
    """
    if len(design) <= PH_TEST_MAX_ROWS:
        return proportional_hazard_test(fitter, design, time_transform="rank").summary["p"], ""
    sample = design.sample(n=PH_TEST_MAX_ROWS, random_state=0)
    sample_fitter = CoxPHFitter().fit(
        sample, "retention_days", "retention_event", strata=["center_id"]
    )
    test = proportional_hazard_test(sample_fitter, sample, time_transform="rank")
    return test.summary["p"], (
        f"; proportional-hazards test on a random sample of {PH_TEST_MAX_ROWS} courses"
    )


def _design(compared: pl.DataFrame, protocol: Protocol) -> tuple[pd.DataFrame, str]:
    """Numeric covariates for lifelines and the reference indication; constant columns are
    dropped (they cannot be estimated)."""
    indication_counts = compared.group_by("indication").len()
    common = indication_counts.filter(pl.col("len") >= protocol.min_cell_count)
    kept = set(common["indication"].to_list())
    grouped = compared.with_columns(
        pl.when(pl.col("indication").is_in(kept))
        .then(pl.col("indication"))
        .otherwise(pl.lit("other"))
        .alias("indication")
    )
    counts = dict(grouped.group_by("indication").len().iter_rows())
    reference = max(sorted(counts), key=lambda k: counts[k])
    design = grouped.select(
        "center_id",
        "retention_days",
        pl.col("retention_event").cast(pl.Int8),
        (pl.col("strategy") == "switching").cast(pl.Int8).alias("switching"),
        (pl.col("age_at_start") / 10).alias("age_per_10_years"),
        (pl.col("sex") == "M").cast(pl.Int8).alias("male"),
        pl.col("prior_advanced_lines").cast(pl.Float64),
        *[
            (pl.col("indication") == name).cast(pl.Int8).alias(f"indication_{name}")
            for name in sorted(counts)
            if name != reference
        ],
    )
    covariates = design.drop("center_id", "retention_days", "retention_event")
    constant = [c for c in covariates.columns if covariates[c].n_unique() < 2]
    return design.drop(constant).to_pandas(), reference


def _term_label(term: str, reference_indication: str) -> str:
    if term.startswith("indication_"):
        return f"indication {term.removeprefix('indication_')} vs {reference_indication}"
    return TERM_LABELS.get(term, term)
