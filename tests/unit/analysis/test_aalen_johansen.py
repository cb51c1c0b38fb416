"""The Aalen–Johansen estimate: a hand-computed case with tied times, and lifelines' fitter on
data without ties (where it does not jitter)."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import AalenJohansenFitter

from tasks.analysis.aalen_johansen import cumulative_incidence


def test_tied_events_of_two_causes_leave_together_as_hand_computed() -> None:
    # Day 10: one event of cause 1 and one of cause 2 (tied), day 20 a censored course still
    # at risk on day 20 with one cause-1 event that day, day 30 one cause-1 event.
    durations = np.array([10, 10, 20, 20, 30, 40])
    causes = np.array([1, 2, 1, 0, 1, 0])

    curve = cumulative_incidence(durations, causes, cause=1)

    # F1(10) = 1/6; S(10) = 4/6. F1(20) = 1/6 + 4/6 * 1/4 = 2/6; S(20) = 4/6 * 3/4 = 1/2.
    # F1(30) = 2/6 + 1/2 * 1/2 = 7/12 (one at risk was censored on day 20).
    assert curve.at(9) == (0.0, 0.0, 0.0)
    assert curve.at(10)[0] == pytest.approx(1 / 6)
    assert curve.at(29.9)[0] == pytest.approx(2 / 6)
    assert curve.at(30)[0] == pytest.approx(7 / 12)
    assert cumulative_incidence(durations, causes, cause=2).at(100)[0] == pytest.approx(1 / 6)
    assert list(curve.at_risk) == [6, 4, 2, 1]


def test_estimate_and_interval_equal_lifelines_on_data_without_ties() -> None:
    rng = np.random.default_rng(7)
    durations = rng.permutation(np.arange(1, 81)) + rng.uniform(0, 0.5, 80)
    causes = rng.integers(0, 3, 80)
    fitter = AalenJohansenFitter().fit(durations, causes, event_of_interest=1)

    curve = cumulative_incidence(durations, causes, cause=1)

    for t in (15.0, 40.0, 60.0):
        expected = fitter.cumulative_density_.loc[:t].iloc[-1, 0]
        band = sorted(fitter.confidence_interval_.loc[:t].iloc[-1])
        estimate, low, high = curve.at(t)
        assert estimate == pytest.approx(expected)
        assert (low, high) == pytest.approx(tuple(band))
        assert low < estimate < high
