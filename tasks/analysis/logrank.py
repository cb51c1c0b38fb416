"""The two-group log-rank test, optionally stratified (R's `survdiff(... + strata(center))`).

Within each stratum, at each time with deaths, the deaths of the first group are compared with
their expectation under no difference (hypergeometric mean and variance, ties as survdiff
counts them); observed − expected and the variances are summed over the strata, and
χ² = (O − E)² / V has 1 degree of freedom. With one stratum this is the ordinary log-rank test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2


@dataclass(frozen=True)
class LogRank:
    chi2: float
    p_value: float


def logrank(
    durations: np.ndarray, events: np.ndarray, first_group: np.ndarray, strata: np.ndarray
) -> LogRank:
    """The test of `first_group` (boolean per row) against the other rows, within `strata`."""
    observed_minus_expected = 0.0
    variance = 0.0
    for stratum in np.unique(strata):
        rows = strata == stratum
        times, index = np.unique(durations[rows], return_inverse=True)
        dead = events[rows].astype(float)
        first = first_group[rows].astype(float)
        leaving = np.bincount(index, minlength=len(times))
        at_risk = rows.sum() - np.concatenate(([0], np.cumsum(leaving)[:-1]))
        first_at_risk = first.sum() - np.concatenate(
            ([0], np.cumsum(np.bincount(index, first, len(times)))[:-1])
        )
        deaths = np.bincount(index, dead, len(times))
        first_deaths = np.bincount(index, dead * first, len(times))
        share = first_at_risk / at_risk
        observed_minus_expected += float((first_deaths - deaths * share).sum())
        several = at_risk > 1
        variance += float(
            (
                deaths[several]
                * share[several]
                * (1 - share[several])
                * (at_risk[several] - deaths[several])
                / (at_risk[several] - 1)
            ).sum()
        )
    statistic = observed_minus_expected**2 / variance
    return LogRank(chi2=statistic, p_value=float(chi2.sf(statistic, 1)))
