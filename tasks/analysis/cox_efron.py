"""A fast stratified Cox fit for the many refits of the sensitivity grid.

lifelines' CoxPHFitter costs most of a grid cell; the grid only needs the coefficients and
their Wald 95% confidence intervals. This is Newton–Raphson on the Cox partial likelihood with
Efron's approximation for tied event times (lifelines' too) and a separate baseline hazard per
stratum, vectorised in numpy: each iteration is a few sorted cumulative sums and one
weighted cross-product per stratum. It gives lifelines' estimates to its convergence tolerance
(tests/unit/analysis/test_cox_efron.py); the run's own Cox table still uses lifelines, which
adds the proportional-hazards test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054
MAX_STEPS = 50
TOLERANCE = 1e-8


class NotConverged(ArithmeticError):
    """Newton–Raphson found no maximum (for example a covariate separating the events)."""


@dataclass(frozen=True)
class CoxFit:
    """Log hazard ratios per column of the design, their model-based covariance, standard
    errors and Wald 95% CIs."""

    coef: np.ndarray
    covariance: np.ndarray

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.covariance))

    @property
    def hazard_ratio(self) -> np.ndarray:
        return np.exp(self.coef)

    @property
    def ci95(self) -> tuple[np.ndarray, np.ndarray]:
        return np.exp(self.coef - Z95 * self.se), np.exp(self.coef + Z95 * self.se)


def fit_cox(x: np.ndarray, time: np.ndarray, event: np.ndarray, strata: np.ndarray) -> CoxFit:
    """Maximise the stratified Efron partial likelihood of covariates `x` (rows × columns)."""
    x = np.asarray(x, dtype=float)
    x = x - x.mean(axis=0)  # centring changes no coefficient and keeps exp() in range
    groups = [_Stratum(x[rows], time[rows], event[rows]) for rows in _strata_rows(strata)]
    beta = np.zeros(x.shape[1])
    loglik, gradient, information = _total(groups, beta)
    for _ in range(MAX_STEPS):
        try:
            step = np.linalg.solve(information, gradient)
        except np.linalg.LinAlgError as err:
            raise NotConverged("the information matrix is singular") from err
        if np.max(np.abs(step), initial=0.0) < TOLERANCE:
            # converged on the full Newton step, not on the likelihood, which also flattens
            # while a coefficient runs off to infinity (separation)
            beta = beta + step
            return CoxFit(beta, np.linalg.inv(_total(groups, beta)[2]))
        halvings = 0
        while True:
            candidate = _total(groups, beta + step)
            if np.isfinite(candidate[0]) and candidate[0] >= loglik - 1e-12:
                break
            step, halvings = step / 2, halvings + 1
            if halvings > 30:
                raise NotConverged("no step increases the partial likelihood")
        beta = beta + step
        loglik, gradient, information = candidate
    raise NotConverged(f"no convergence in {MAX_STEPS} Newton steps")


def _strata_rows(strata: np.ndarray) -> list[np.ndarray]:
    _, codes = np.unique(np.asarray(strata), return_inverse=True)
    return [np.flatnonzero(codes == code) for code in range(codes.max() + 1)]


def _total(groups: list[_Stratum], beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    parts = [group.derivatives(beta) for group in groups]
    return (
        sum(part[0] for part in parts),
        sum(part[1] for part in parts),
        sum(part[2] for part in parts),
    )


class _Stratum:
    """One stratum's rows sorted by time, with the tie structure of its event times."""

    def __init__(self, x: np.ndarray, time: np.ndarray, event: np.ndarray) -> None:
        order = np.argsort(time, kind="stable")
        self.x, self.time = x[order], np.asarray(time, dtype=float)[order]
        events = np.asarray(event, dtype=bool)[order]
        self.event_rows = np.flatnonzero(events)
        self.event_times, starts, counts = np.unique(
            self.time[self.event_rows], return_index=True, return_counts=True
        )
        # event k is the l-th of the d events tied at its time: Efron removes l/d of them
        group = np.repeat(np.arange(len(counts)), counts)
        self.group = group
        self.fraction = (np.arange(len(group)) - starts[group]) / counts[group]
        self.group_starts = starts
        # the risk set of an event time is every row from its first row on (sorted by time)
        self.risk_start = np.searchsorted(self.time, self.event_times, side="left")
        # the event times at or before each row's time: the risk sets the row belongs to
        self.last_group = np.searchsorted(self.event_times, self.time, side="right") - 1

    def derivatives(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Log partial likelihood, its gradient and the observed information at `beta`."""
        if not len(self.event_rows):
            p = len(beta)
            return 0.0, np.zeros(p), np.zeros((p, p))
        x, ev = self.x, self.event_rows
        xb = x @ beta
        w = np.exp(xb)
        wx = w[:, None] * x
        s0 = np.cumsum(w[::-1])[::-1][self.risk_start]
        s1 = np.cumsum(wx[::-1], axis=0)[::-1][self.risk_start]
        s0_tied = np.add.reduceat(w[ev], self.group_starts)
        s1_tied = np.add.reduceat(wx[ev], self.group_starts, axis=0)
        g, f = self.group, self.fraction
        phi = s0[g] - f * s0_tied[g]
        mean = (s1[g] - f[:, None] * s1_tied[g]) / phi[:, None]
        loglik = float(xb[ev].sum() - np.log(phi).sum())
        gradient = x[ev].sum(axis=0) - mean.sum(axis=0)
        # Σ_k (S2 − f_k·S2_tied)/φ_k, with S2 of a risk set a sum over its rows: each row is
        # weighted by Σ 1/φ_k over the events whose risk set holds it, each event row by
        # Σ f_k/φ_k over its own time's tied terms
        per_group = np.bincount(g, 1 / phi, minlength=len(self.event_times))
        in_risk = np.concatenate([[0.0], np.cumsum(per_group)])[self.last_group + 1]
        tied = np.bincount(g, f / phi, minlength=len(self.event_times))[g]
        weight = w * in_risk
        weight[ev] -= w[ev] * tied
        information = (x * weight[:, None]).T @ x - mean.T @ mean
        return loglik, gradient, information
