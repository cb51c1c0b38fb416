"""Cycling vs switching after a JAK-inhibitor failure: log-rank tests and a Cox model.

The log-rank test compares retention of the next treatment between the two strategies: pooled
over centers, pooled and stratified by center (each center compared within itself, as the Cox
model does), and per center. The Cox model estimates the hazard of discontinuing the next
treatment for switching relative to cycling, adjusted for age at the failed course's start (per
10 years), sex, indication (the most frequent is the reference; indications with fewer than
`min_cell_count` failures are grouped as "other") and the number of prior advanced therapies,
with a separate baseline hazard per center (stratified) and Efron ties. A patient can fail
several JAK inhibitors and contribute several rows, so the Cox model's confidence intervals and
p-values use robust (sandwich) standard errors clustered by patient; the log-rank tests treat
rows as independent. Proportional hazards are checked per term and globally with R's `cox.zph`
test (Kaplan–Meier transform of time), see `tasks/analysis/cox_inference.py`.
A comparison is "not estimated" (a row that says why, never a crash) when either strategy has
fewer than `min_cell_count` courses or no discontinuation, or the model does not converge.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning
from scipy.stats import norm

from jakreg.config import Protocol
from tasks.analysis.cox_efron import NotConverged, fit_cox
from tasks.analysis.cox_inference import CoxData, proportional_hazards_test, robust_variance
from tasks.analysis.logrank import logrank
from tasks.analysis.retention import POOLED, scopes

COMPARED = ("cycling", "switching")
COVARIATES = ("age_at_start", "sex", "indication", "prior_advanced_lines")
PH_TRANSFORM = "km"
Z95 = float(norm.ppf(0.975))
UNSTRATIFIED = "log-rank"
STRATIFIED = "log-rank stratified by center"
ESTIMATED = "estimated"
NOT_ESTIMATED = "not estimated"
LOGRANK_SCHEMA = {
    "scope": pl.Utf8,
    "test": pl.Utf8,
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
GLOBAL_PH_TEST = "global proportional-hazards test"
TERM_LABELS = {
    "switching": "switching vs cycling",
    "age_per_10_years": "age at start, per 10 years",
    "male": "male vs female",
    "prior_advanced_lines": "prior advanced therapies, per line",
}


def logrank_table(rows: pl.DataFrame, protocol: Protocol) -> pl.DataFrame:
    """Log-rank cycling vs switching: pooled, pooled stratified by center, then per center
    (exact counts, internal)."""
    tests = [(scope, UNSTRATIFIED, scoped) for scope, scoped in scopes(rows)]
    tests.insert(1, (POOLED, STRATIFIED, rows))
    records = []
    for scope, test, scoped in tests:
        compared = scoped.filter(pl.col("strategy").is_in(COMPARED))
        arms = {s: compared.filter(pl.col("strategy") == s) for s in COMPARED}
        record: dict = {"scope": scope, "test": test}
        for strategy, arm in arms.items():
            record[f"n_{strategy}"] = len(arm)
            record[f"events_{strategy}"] = int(arm["retention_event"].sum())
        problem = _too_small(arms, protocol)
        if problem:
            records.append({**record, "status": NOT_ESTIMATED, "note": problem})
            continue
        one_stratum = np.zeros(len(compared))
        result = logrank(
            compared["retention_days"].to_numpy(),
            compared["retention_event"].to_numpy(),
            (compared["strategy"] == "cycling").to_numpy(),
            compared["center_id"].to_numpy() if test == STRATIFIED else one_stratum,
        )
        records.append(
            {
                **record,
                "chi2": round(result.chi2, 3),
                "p_value": result.p_value,
                "status": ESTIMATED,
                "note": "",
            }
        )
    return pl.DataFrame(records, schema=LOGRANK_SCHEMA)


def cox_table(rows: pl.DataFrame, protocol: Protocol) -> pl.DataFrame:
    """The stratified Cox model with patient-clustered robust errors, one row per term (exact
    counts, internal)."""
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
                    design.drop(columns="patient_number"),
                    "retention_days",
                    "retention_event",
                    strata=["center_id"],
                )
        except (ConvergenceError, ConvergenceWarning) as err:
            problem = f"the model did not converge ({str(err).splitlines()[0]})"
    if problem:
        record = {"term": TERM_LABELS["switching"], "n": n, "events": events}
        return pl.DataFrame([{**record, "status": NOT_ESTIMATED, "note": problem}], COX_SCHEMA)
    data, errors = _robust_errors(design, fitter.params_, fitter.variance_matrix_.to_numpy())
    ph = proportional_hazards_test(data, list(fitter.params_.index), PH_TRANSFORM)
    records = [
        {
            "term": _term_label(term, reference),
            "hazard_ratio": round(float(np.exp(beta)), 4),
            "ci95_low": round(float(np.exp(beta - Z95 * errors[term])), 4),
            "ci95_high": round(float(np.exp(beta + Z95 * errors[term])), 4),
            "p_value": float(2 * norm.sf(abs(beta / errors[term]))),
            "ph_test_p": ph.p[term],
            "n": n,
            "events": events,
            "status": ESTIMATED,
            "note": "stratified by center; robust errors clustered by patient",
        }
        for term, beta in fitter.params_.items()
    ]
    records.append(
        {
            "term": GLOBAL_PH_TEST,
            "ph_test_p": ph.global_p,
            "n": n,
            "events": events,
            "status": ESTIMATED,
            "note": f"all terms together ({len(fitter.params_)} df)",
        }
    )
    return pl.DataFrame(records, schema=COX_SCHEMA)


def switching_hazard_ratio(rows: pl.DataFrame, protocol: Protocol) -> dict:
    """The Cox model's switching-vs-cycling hazard ratio with its robust 95% CI, as `cox_table`
    gives it (same rows, design, strata and patient-clustered errors) but fitted by
    tasks/analysis/cox_efron.py and without the proportional-hazards test: for the many refits
    of the sensitivity grid."""
    compared = cox_rows(rows)
    arms = {s: compared.filter(pl.col("strategy") == s) for s in COMPARED}
    record: dict = {"term": TERM_LABELS["switching"], "status": NOT_ESTIMATED}
    problem = _too_small(arms, protocol)
    if problem:
        return {**record, "note": problem}
    design, _ = _design(compared, protocol)
    names = design.columns.drop(
        ["center_id", "patient_number", "retention_days", "retention_event"]
    )
    try:
        fit = fit_cox(
            design[names].to_numpy(dtype=float),
            design["retention_days"].to_numpy(),
            design["retention_event"].to_numpy(),
            design["center_id"].to_numpy(),
        )
    except NotConverged as err:
        return {**record, "note": f"the model did not converge ({err})"}
    beta = pd.Series(fit.coef, index=names)
    error = _robust_errors(design, beta, fit.covariance)[1]["switching"]
    return {
        **record,
        "hazard_ratio": float(np.exp(beta["switching"])),
        "ci95_low": float(np.exp(beta["switching"] - Z95 * error)),
        "ci95_high": float(np.exp(beta["switching"] + Z95 * error)),
        "status": ESTIMATED,
        "note": "stratified by center; robust errors clustered by patient",
    }


def cox_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows the Cox model is fitted on: cycling or switching, every covariate recorded."""
    return rows.filter(pl.col("strategy").is_in(COMPARED)).drop_nulls(list(COVARIATES))


def _robust_errors(design: pd.DataFrame, beta: pd.Series, model_variance: np.ndarray):
    """The fitted model's rows (for the PH test) and the standard errors of its coefficients
    clustered by patient (tasks/analysis/cox_inference.py)."""
    data = CoxData.of(design, "retention_days", "retention_event", "center_id", beta)
    variance = robust_variance(data, model_variance, design["patient_number"])
    return data, pd.Series(np.sqrt(np.diag(variance)), index=beta.index)


def _too_small(arms: dict[str, pl.DataFrame], protocol: Protocol) -> str:
    for strategy, arm in arms.items():
        if len(arm) < protocol.min_cell_count:
            return f"fewer than {protocol.min_cell_count} courses after {strategy}"
        if not arm["retention_event"].any():
            return f"no discontinuation after {strategy}"
    return ""


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
        "patient_number",
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
    covariates = design.drop("center_id", "patient_number", "retention_days", "retention_event")
    constant = [c for c in covariates.columns if covariates[c].n_unique() < 2]
    return design.drop(constant).to_pandas(), reference


def _term_label(term: str, reference_indication: str) -> str:
    if term.startswith("indication_"):
        return f"indication {term.removeprefix('indication_')} vs {reference_indication}"
    return TERM_LABELS.get(term, term)
