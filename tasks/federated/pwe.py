"""Switching vs cycling from aggregates: a piecewise-exponential Poisson model, by center.

The model: events ~ Poisson(person-days × exp(α[center, interval] + β·x)), with a baseline hazard
per interval of each center's life table (stratified by center, as the Cox model is) and x the
switching indicator and the covariates' levels (sex, age band, indication, prior-lines band; the
level with the most events is each covariate's reference).

Bundles give person-days per interval × pattern but events only per interval (life tables) and
per level of each covariate. That is enough: the Poisson log-likelihood depends on the events
only through Σ events × x over the cells, which these sums are, so any table of events with the
same sums has the same maximum-likelihood estimate and the same information matrix. The events
per cell are filled in by iterative proportional fitting from the person-days, and statsmodels
fits the model to them; its estimate is the one the full table of events would give. The
baselines are conditioned away (statsmodels' conditional Poisson model, given each center ×
interval's events), which for a Poisson model gives the same estimates and standard errors as
fitting them, without a column per baseline.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import polars as pl
from statsmodels.discrete.conditional_models import ConditionalPoisson
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from tasks.federated.aggregates import ALL, COMPARED, COVARIATES

# Relative to each sum; the estimate moves by far less than its rounding at this tolerance.
FIT_TOLERANCE = 1e-9
FIT_ITERATIONS = 2000


class ModelNotEstimated(Exception):
    """The pooled aggregates cannot support the model; the message says why."""


def pooled_hazard_ratios(
    life_tables: pl.DataFrame, person_time: pl.DataFrame, margins: pl.DataFrame
) -> pl.DataFrame:
    """term, hazard_ratio, ci95_low, ci95_high, p_value from the centers' aggregates (each
    frame with a center_id column)."""
    covariates = [c for c in COVARIATES if not person_time.filter(pl.col(c) == ALL).height]
    keys = ["center_id", "start_day", "strategy", *covariates]
    cells = person_time.group_by(keys).agg(pl.col("person_days").sum()).sort(keys)
    # A level without any event has an estimate of minus infinity, and its cells then add
    # nothing to the likelihood of the other terms: leaving them out is the same fit.
    eventless = margins.group_by("covariate", "level").agg(pl.col("events").sum())
    for covariate, level in (
        eventless.filter(pl.col("events") == 0).select("covariate", "level").iter_rows()
    ):
        if covariate in covariates:
            cells = cells.filter(pl.col(covariate) != level)
    if cells.is_empty() or cells["strategy"].n_unique() < len(COMPARED):
        raise ModelNotEstimated("no center has both cycling and switching courses to compare")
    targets = _targets(life_tables, margins, covariates)
    events = _fill_events(cells, targets)
    design, names = _design(cells, margins, covariates)
    strata = cells.select(
        pl.concat_str("center_id", pl.lit(":"), pl.col("start_day").cast(pl.Utf8)).rank("dense")
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            fit = ConditionalPoisson(
                events,
                design,
                groups=strata.to_series().to_numpy(),
                offset=np.log(cells["person_days"].to_numpy().astype(float)),
            ).fit()
    except (ConvergenceWarning, np.linalg.LinAlgError) as err:
        raise ModelNotEstimated(f"the model did not converge ({err})") from err
    table = fit.conf_int()
    return pl.DataFrame(
        [
            {
                "term": label,
                "hazard_ratio": round(math.exp(fit.params[name]), 3),
                "ci95_low": round(math.exp(table.loc[name, 0]), 3),
                "ci95_high": round(math.exp(table.loc[name, 1]), 3),
                "p_value": float(fit.pvalues[name]),
            }
            for name, label in names.items()
        ]
    )


def _targets(
    life_tables: pl.DataFrame, margins: pl.DataFrame, covariates: list[str]
) -> list[tuple[list[str], pl.DataFrame]]:
    """The sums of events the filled-in table must have: per center × interval, per center ×
    strategy, per center × level of each covariate."""
    compared = life_tables.filter(pl.col("strategy").is_in(COMPARED))
    targets = [
        (
            ["center_id", "start_day"],
            compared.group_by("center_id", "start_day").agg(pl.col("events").sum()),
        ),
        (
            ["center_id", "strategy"],
            compared.group_by("center_id", "strategy").agg(pl.col("events").sum()),
        ),
    ]
    for covariate in covariates:
        level = margins.filter(pl.col("covariate") == covariate)
        targets.append(
            (
                ["center_id", covariate],
                level.select("center_id", pl.col("level").alias(covariate), "events"),
            )
        )
    return targets


def _fill_events(cells: pl.DataFrame, targets: list[tuple[list[str], pl.DataFrame]]) -> np.ndarray:
    """Events per cell with the targets' sums: person-days raked to each set of sums in turn
    until all hold (iterative proportional fitting)."""
    fitted = cells["person_days"].to_numpy().astype(float)
    groups = []
    for keys, target in targets:
        joined = cells.select(keys).with_row_index().join(target, on=keys, how="left")
        joined = joined.sort("index")
        codes = joined.select(keys).with_columns(pl.struct(keys).rank("dense").alias("code"))
        groups.append((codes["code"].to_numpy() - 1, joined["events"].fill_null(0).to_numpy()))
    for _ in range(FIT_ITERATIONS):
        worst = 0.0
        for code, wanted in groups:
            sums = np.bincount(code, weights=fitted)
            want = np.bincount(code, weights=wanted) / np.bincount(code)
            factor = np.divide(want, sums, out=np.zeros_like(sums), where=sums > 0)
            worst = max(worst, float((np.abs(sums - want) / np.maximum(want, 1)).max()))
            fitted = fitted * factor[code]
        if worst < FIT_TOLERANCE:
            return fitted
    raise ModelNotEstimated("the centers' event sums do not fit together (fitting did not settle)")


def _design(
    cells: pl.DataFrame, margins: pl.DataFrame, covariates: list[str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Indicator columns: switching, and each covariate level but the reference; and the
    labels of the reported terms."""
    columns = [
        cells.select((pl.col("strategy") == "switching").cast(pl.Int8).alias("switching")),
    ]
    names = {"switching": "switching vs cycling"}
    totals = (
        margins.group_by("covariate", "level")
        .agg(pl.col("events").sum())
        .filter(pl.col("events") > 0)
    )
    for covariate in covariates:
        levels = totals.filter(pl.col("covariate") == covariate).sort(
            "events", "level", descending=[True, False]
        )
        reference, *others = levels["level"].to_list()
        for level in others:
            name = f"{covariate}={level}"
            columns.append(cells.select((pl.col(covariate) == level).cast(pl.Int8).alias(name)))
            names[name] = f"{covariate.replace('_', ' ')} {level} vs {reference}"
    return pl.concat(columns, how="horizontal").to_pandas().astype(float), names
