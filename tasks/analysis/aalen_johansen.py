"""The Aalen–Johansen estimate of a cause's cumulative incidence, with exact handling of ties.

lifelines' `AalenJohansenFitter` cannot take tied times of different causes: it moves event times
by a random jitter (up to 0.0001 days) until none are tied, so estimates depend on a seed, an event
moved past a course censored the same day no longer has that course at risk, and its variance is
a Python loop over every (then distinct) time. With times in whole days nearly every time is
tied, so the estimate is computed here with the tie convention of the Kaplan–Meier retention:
all events at a time leave together and a course censored at a time is at risk at that time.

    F_k(t) = sum over event times t_i <= t of S(t_i-) d_k(t_i) / n(t_i)

where S is the Kaplan–Meier estimate of staying free of every cause, n the number at risk and d_k
the events of cause k. The variance is lifelines' (Collett, Modelling Survival Data in Medical
Research, 3rd ed., p. 411; Greenwood-type), and the 95% interval is pointwise on the log(−log)
scale by the delta method, as lifelines does, so it stays inside [0, 1]. On data without ties
both give the same estimate and interval (tests/unit/analysis/test_aalen_johansen.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

Z95 = NormalDist().inv_cdf(0.975)


@dataclass(frozen=True)
class IncidenceCurve:
    """The step function at each distinct time (days) with its band and the number at risk."""

    days: np.ndarray
    incidence: np.ndarray
    ci95_low: np.ndarray
    ci95_high: np.ndarray
    at_risk: np.ndarray

    def at(self, t: float) -> tuple[float, float, float]:
        """The estimate and its interval at `t`: events on or before t count."""
        index = int(np.searchsorted(self.days, t, side="right")) - 1
        if index < 0:
            return 0.0, 0.0, 0.0
        return (
            float(self.incidence[index]),
            float(self.ci95_low[index]),
            float(self.ci95_high[index]),
        )


def cumulative_incidence(durations: np.ndarray, causes: np.ndarray, cause: int) -> IncidenceCurve:
    """Aalen–Johansen cumulative incidence of `cause` (causes: 0 censored, k > 0 a cause)."""
    durations = np.asarray(durations, dtype=float)
    causes = np.asarray(causes, dtype=int)
    days, inverse = np.unique(durations, return_inverse=True)
    removed = np.bincount(inverse, minlength=len(days))
    at_risk = removed[::-1].cumsum()[::-1].astype(float)
    events = np.bincount(inverse, weights=causes > 0, minlength=len(days))
    of_cause = np.bincount(inverse, weights=causes == cause, minlength=len(days))
    survival = np.cumprod(1 - events / at_risk)
    before = np.concatenate(([1.0], survival[:-1]))
    incidence = np.cumsum(before * of_cause / at_risk)
    variance = _variance(incidence, before, at_risk, events, of_cause)
    low, high = _log_log_interval(incidence, variance)
    return IncidenceCurve(days, incidence, low, high, at_risk.astype(int))


def _variance(
    incidence: np.ndarray,
    before: np.ndarray,
    at_risk: np.ndarray,
    events: np.ndarray,
    of_cause: np.ndarray,
) -> np.ndarray:
    """Var F(t_j) = sum_i<=j (F_j - F_i)^2 d_i / (n_i (n_i - d_i))
    + sum_i<=j S_i-^2 dk_i (n_i - dk_i) / n_i^3 - 2 sum_i<=j (F_j - F_i) S_i- dk_i / n_i^2,
    the squares expanded into running sums. Where everyone left has an event (n_i = d_i) the
    first term is infinite and so is the variance from there on."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(events > 0, events / (at_risk * (at_risk - events)), 0.0)
        first = (
            incidence**2 * np.cumsum(a)
            - 2 * incidence * np.cumsum(a * incidence)
            + np.cumsum(a * incidence**2)
        )
        first = np.where(np.isinf(np.cumsum(a)), np.inf, first)
    second = np.cumsum(before**2 * of_cause * (at_risk - of_cause) / at_risk**3)
    b = before * of_cause / at_risk**2
    third = incidence * np.cumsum(b) - np.cumsum(b * incidence)
    return first + second - 2 * third


def _log_log_interval(incidence: np.ndarray, variance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """exp(-exp(log(-log F) ± z SE)) with SE(log(-log F)) = SE(F) / (F |log F|); where F is 0 the
    interval is [0, 0], and where it cannot be computed (F = 1, infinite variance) it is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        transformed = np.log(-np.log(incidence))
        se = np.sqrt(variance) / (incidence * np.abs(np.log(incidence)))
        a = np.exp(-np.exp(transformed + Z95 * se))
        b = np.exp(-np.exp(transformed - Z95 * se))
    low, high = np.minimum(a, b), np.maximum(a, b)
    zero = incidence == 0
    low[zero], high[zero] = 0.0, 0.0
    bad = ~np.isfinite(se) & ~zero
    low[bad], high[bad] = np.nan, np.nan
    return low, high
