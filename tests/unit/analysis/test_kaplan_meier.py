"""Kaplan–Meier figures against values computed by hand on small data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tasks.analysis.kaplan_meier import estimate_retention

Z95 = 1.959963984540054


def _log_log_interval(survival: float, greenwood_sum: float) -> tuple[float, float]:
    """Exponential Greenwood: S ** exp(±z·sqrt(Σ d/(n(n−d))) / log S), written out by hand."""
    spread = Z95 * math.sqrt(greenwood_sum) / math.log(survival)
    return survival ** math.exp(-spread), survival ** math.exp(spread)


def test_tied_events_leave_together_and_a_course_censored_on_the_day_stays_at_risk() -> None:
    # day 30: 2 of 8 stop -> 6/8; day 60: censored; day 90: 5 at risk (the course censored on
    # day 90 included), 2 stop -> 0.75 * 3/5 = 0.45. Evaluated at 3 months of 30 days = day 90.
    durations = np.array([30, 30, 60, 90, 90, 90, 120, 150])
    events = np.array([1, 1, 0, 1, 0, 1, 1, 0])

    estimate = estimate_retention(durations, events, months=(3,), month_days=30.0)

    point = estimate.at[0]
    assert point.retention == pytest.approx(0.45)
    assert point.at_risk == 5
    assert point.cumulative_events == 4
    low, high = _log_log_interval(0.45, 2 / (8 * 6) + 2 / (5 * 3))
    assert (point.ci95_low, point.ci95_high) == (pytest.approx(low), pytest.approx(high))
    assert (estimate.n, estimate.events) == (8, 5)


def test_event_on_day_273_counts_at_nine_months() -> None:
    durations = np.array([100, 273, 300, 400])
    events = np.array([0, 1, 1, 0])

    point = estimate_retention(durations, events, months=(9,), month_days=30.4375).at[0]

    assert point.retention == pytest.approx(2 / 3)
    assert (point.at_risk, point.cumulative_events) == (2, 1)


def test_event_on_day_274_does_not_count_at_nine_months() -> None:
    durations = np.array([100, 274, 300, 400])
    events = np.array([0, 1, 1, 0])

    point = estimate_retention(durations, events, months=(9,), month_days=30.4375).at[0]

    assert point.retention == pytest.approx(1.0)
    assert (point.at_risk, point.cumulative_events) == (3, 0)


def test_median_is_the_first_time_retention_reaches_one_half() -> None:
    durations = np.array([10, 20, 30, 40, 50])
    events = np.ones(5, dtype=int)

    estimate = estimate_retention(durations, events, months=(1,), month_days=30.0)

    assert estimate.median_days == 30.0


def test_median_not_reached_is_none() -> None:
    durations = np.array([10, 200, 300, 400, 500])
    events = np.array([1, 0, 0, 0, 0])

    estimate = estimate_retention(durations, events, months=(1,), month_days=30.0)

    assert estimate.median_days is None
    assert estimate.median_ci95_high is None
