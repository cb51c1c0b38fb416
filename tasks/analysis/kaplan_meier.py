"""Kaplan–Meier retention at fixed times, with lifelines.

Confidence intervals are lifelines' default: pointwise 95% intervals from Greenwood's variance on
the log(-log) scale ("exponential Greenwood"), which stay inside [0, 1]. Tied times are handled as
Kaplan–Meier does: all events at a time leave together, and a course censored at a time still
counts at risk at that time. The estimate at t includes events on or before t: with a month of
30.4375 days, 9 months is t = 273.9375, so an event on day 273 counts and one on day 274 does not.
The median's 95% interval is where the pointwise band crosses 50% (Brookmeyer–Crowley style, as
lifelines' `median_survival_times` reads it); a bound that never crosses is "not reached".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times


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
    fitter = _fit(durations, events)
    intervals = fitter.confidence_interval_survival_function_
    points = []
    for month in months:
        t = month * month_days
        row = intervals.loc[intervals.index <= t].iloc[-1]
        points.append(
            RetentionAt(
                months=month,
                at_risk=int((durations >= t).sum()),
                cumulative_events=int(events[durations <= t].sum()),
                retention=float(fitter.survival_function_at_times(t).iloc[0]),
                ci95_low=float(row.iloc[0]),
                ci95_high=float(row.iloc[1]),
            )
        )
    median_ci = median_survival_times(fitter.confidence_interval_).iloc[0]
    return RetentionEstimate(
        n=len(durations),
        events=int(events.sum()),
        at=tuple(points),
        median_days=_finite(fitter.median_survival_time_),
        median_ci95_low=_finite(median_ci.iloc[0]),
        median_ci95_high=_finite(median_ci.iloc[1]),
    )


def retention_curve(durations: np.ndarray, events: np.ndarray) -> RetentionCurve:
    """The whole Kaplan–Meier step function with its pointwise 95% band."""
    fitter = _fit(durations, events)
    band = fitter.confidence_interval_survival_function_
    return RetentionCurve(
        days=fitter.survival_function_.index.to_numpy(dtype=float),
        retention=fitter.survival_function_.iloc[:, 0].to_numpy(dtype=float),
        ci95_low=band.iloc[:, 0].to_numpy(dtype=float),
        ci95_high=band.iloc[:, 1].to_numpy(dtype=float),
    )


def _finite(value: float) -> float | None:
    value = float(value)
    return None if math.isinf(value) or math.isnan(value) else value
