"""Kaplan–Meier retention at fixed times, with lifelines.

Confidence intervals are lifelines' default: pointwise 95% intervals from Greenwood's variance on
the log(-log) scale ("exponential Greenwood"), which stay inside [0, 1]. Tied times are handled as
Kaplan–Meier does: all events at a time leave together, and a course censored at a time still
counts at risk at that time. The estimate at t includes events on or before t: with a month of
30.4375 days, 9 months is t = 273.9375, so an event on day 273 counts and one on day 274 does not.
Where the estimate is 1 or 0 the log(−log) band is undefined (R's `survfit` leaves it NA): it is
left out there.

The median follows R's `survfit` (`quantile.survfit`): the first time the estimate is at or below
50%, except on an exact 50% plateau, where it is the midpoint between the plateau's start and the
next event (or the last follow-up time, when the plateau is the curve's end); "exact" is within
√machine-ε, so floating-point noise in a product of fractions cannot move it. Its 95% interval is
read the same way off the band (the lower bound from the lower curve); a curve that never gets to
50% gives "not reached" (None).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

MEDIAN_TOLERANCE = math.sqrt(np.finfo(float).eps)  # R's quantile.survfit tolerance


@dataclass(frozen=True)
class RetentionAt:
    months: int
    at_risk: int
    cumulative_events: int
    retention: float
    ci95_low: float
    ci95_high: float


@dataclass(frozen=True)
class RetentionEstimate:
    n: int
    events: int
    at: tuple[RetentionAt, ...]
    median_days: float | None
    median_ci95_low: float | None
    median_ci95_high: float | None


@dataclass(frozen=True)
class RetentionCurve:
    """The step function and its band, in days, for drawing."""

    days: np.ndarray
    retention: np.ndarray
    ci95_low: np.ndarray
    ci95_high: np.ndarray


def _fit(durations: np.ndarray, events: np.ndarray) -> KaplanMeierFitter:
    return KaplanMeierFitter(alpha=0.05).fit(durations, event_observed=events)


def estimate_retention(
    durations: np.ndarray, events: np.ndarray, months: tuple[int, ...], month_days: float
) -> RetentionEstimate:
    """Kaplan–Meier retention at each of `months` (times in days), and the median with its CI.

    `at_risk` at t counts the courses still followed at t (duration >= t); `cumulative_events`
    counts the discontinuations on or before t.
    """
    curve = retention_curve(durations, events)
    points = []
    for month in months:
        t = month * month_days
        at = np.searchsorted(curve.days, t, side="right") - 1
        points.append(
            RetentionAt(
                months=month,
                at_risk=int((durations >= t).sum()),
                cumulative_events=int(events[durations <= t].sum()),
                retention=float(curve.retention[at]),
                ci95_low=float(curve.ci95_low[at]),
                ci95_high=float(curve.ci95_high[at]),
            )
        )
    return RetentionEstimate(
        n=len(durations),
        events=int(events.sum()),
        at=tuple(points),
        median_days=median_time(curve.days, curve.retention),
        median_ci95_low=median_time(curve.days, curve.ci95_low),
        median_ci95_high=median_time(curve.days, curve.ci95_high),
    )


def retention_curve(durations: np.ndarray, events: np.ndarray) -> RetentionCurve:
    """The whole Kaplan–Meier step function from day 0, with its pointwise 95% band (NaN where
    the estimate is 1 or 0)."""
    fitter = _fit(durations, events)
    band = fitter.confidence_interval_survival_function_
    retention = fitter.survival_function_.iloc[:, 0].to_numpy(dtype=float)
    undefined = (retention == 0) | (retention == 1)
    return RetentionCurve(
        days=fitter.survival_function_.index.to_numpy(dtype=float),
        retention=retention,
        ci95_low=np.where(undefined, np.nan, band.iloc[:, 0].to_numpy(dtype=float)),
        ci95_high=np.where(undefined, np.nan, band.iloc[:, 1].to_numpy(dtype=float)),
    )


def median_time(days: np.ndarray, survival: np.ndarray) -> float | None:
    """When the step function `survival` (at `days`, from day 0) reaches 50%, as R's survfit
    reads it (see the module docstring); None when it never does."""
    # R starts every curve at (day 0, 100%), whatever the band says there
    days = np.r_[0.0, days]
    failure = np.r_[0.0, 1 - np.asarray(survival, dtype=float)]
    if not (failure + MEDIAN_TOLERANCE >= 0.5).any():  # NaN compares False
        return None
    last_day = days[-1]
    first = ~pd.Series(failure).duplicated().to_numpy()  # R's duplicated(): NaN repeats too
    days, failure = days[first], failure[first]
    known = ~np.isnan(failure)

    def first_at_or_above(values: np.ndarray) -> int | None:
        hits = np.flatnonzero(known & (values >= 0.5))
        return int(hits[0]) if len(hits) else None

    reached = first_at_or_above(failure + MEDIAN_TOLERANCE)
    past = first_at_or_above(failure - MEDIAN_TOLERANCE)
    if known[-1] and abs(failure[-1] - 0.5) < MEDIAN_TOLERANCE:
        return float((days[reached] + last_day) / 2)
    if reached is None or past is None:
        return None
    return float((days[reached] + days[past]) / 2)
