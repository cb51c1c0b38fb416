"""Kaplan–Meier retention at fixed times, with lifelines.

Confidence intervals are lifelines' default: pointwise 95% intervals from Greenwood's variance on
the log(-log) scale ("exponential Greenwood"), which stay inside [0, 1]. Tied times are handled as
Kaplan–Meier does: all events at a time leave together, and a course censored at a time still
counts at risk at that time. The estimate at t includes events on or before t: with a month of
30.4375 days, 9 months is t = 273.9375, so an event on day 273 counts and one on day 274 does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from lifelines import KaplanMeierFitter


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


def estimate_retention(
    durations: np.ndarray, events: np.ndarray, months: tuple[int, ...], month_days: float
) -> RetentionEstimate:
    """Kaplan–Meier retention at each of `months` (times in days)."""
    fitter = KaplanMeierFitter(alpha=0.05).fit(durations, event_observed=events)
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
    median = float(fitter.median_survival_time_)
    return RetentionEstimate(
        n=len(durations),
        events=int(events.sum()),
        at=tuple(points),
        median_days=None if math.isinf(median) else median,
    )
