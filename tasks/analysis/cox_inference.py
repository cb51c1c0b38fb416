"""What R's `coxph` and `cox.zph` compute after a stratified Cox fit, where lifelines 0.30 differs.

- `robust_variance`: the sandwich variance clustered by patient (R's `cluster = id`): score
  residuals with Efron ties, times the model-based variance, summed per cluster, D'D. lifelines'
  own robust variance does not split tied deaths the Efron way (its errors differ from R's by
  about 0.2%).
- `proportional_hazards_test`: for each covariate x the model is extended with g(t)·x and the
  score test of "its coefficient is 0" is computed at the fitted coefficients (Grambsch and
  Therneau; the exact score test of survival 3.x). g is a transform of event time, the same in
  every stratum: "km" (R's default) is 1 − the Kaplan–Meier estimate of all rows pooled, taken
  just before each time; "rank" the rank of each row's time among all rows; g is centred at its
  mean over the events. lifelines' `proportional_hazard_test` ranks a stratified fitter's rows as
  stored, sorted by stratum then time, so its "time" is a position in the strata laid end to end.

Both follow the model's ties (Efron: the d deaths at a time leave the risk set in d equal steps)
and run in O(n log n), so a large registry needs no sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2, rankdata

TRANSFORMS = ("km", "rank")


@dataclass(frozen=True)
class CoxData:
    """A fitted model's rows: time, event (0/1), covariates and stratum, and β̂."""

    durations: np.ndarray
    events: np.ndarray
    x: np.ndarray
    strata: np.ndarray
    beta: np.ndarray

    @classmethod
    def of(
        cls, design: pd.DataFrame, duration: str, event: str, stratum: str, beta: pd.Series
    ) -> CoxData:
        x = design[list(beta.index)].to_numpy(dtype=float)
        return cls(
            durations=design[duration].to_numpy(dtype=float),
            events=design[event].to_numpy(dtype=float),
            x=x - x.mean(axis=0),  # as R: numerically stabler sums, the same results
            strata=design[stratum].to_numpy(),
            beta=beta.to_numpy(dtype=float),
        )

    def stratum_rows(self):
        for stratum in pd.unique(self.strata):
            yield np.flatnonzero(self.strata == stratum)


@dataclass(frozen=True)
class _EfronSteps:
    """One stratum's risk-set sums at its distinct times and one step per death (Efron)."""

    index: np.ndarray  # each row's distinct-time number
    s2: np.ndarray | None  # Σ r x xᵀ over the rows at risk at each time (if asked for)
    d2: np.ndarray | None  # Σ r x xᵀ over the rows dying at each time (if asked for)
    step_time: np.ndarray  # each step's time number
    fraction: np.ndarray  # k / d at step k of the d deaths
    denominator: np.ndarray  # Σ r over the risk set at that step
    mean: np.ndarray  # weighted mean of x over the risk set at that step


def _efron_steps(
    durations: np.ndarray,
    dead: np.ndarray,
    x: np.ndarray,
    risk: np.ndarray,
    second_moments: bool = True,
):
    """The steps of one stratum; `second_moments` (the n × p × p sums the PH test needs, most of
    the cost) can be left out."""
    times, index = np.unique(durations, return_inverse=True)
    # every distinct time has a row: sums per time are sums over runs of the rows sorted by time
    order = np.argsort(index, kind="stable")
    first_rows = np.searchsorted(index[order], np.arange(len(times)))

    def by_time(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values[order], first_rows, axis=0)

    def from_here_on(values: np.ndarray) -> np.ndarray:
        return np.cumsum(values[::-1], axis=0)[::-1]

    rx = risk[:, None] * x
    s0, s1 = (from_here_on(by_time(v)) for v in (risk, rx))
    d0, d1 = by_time(risk * dead), by_time(rx * dead[:, None])
    s2 = d2 = None
    if second_moments:
        rxx = rx[:, :, None] * x[:, None, :]
        s2, d2 = from_here_on(by_time(rxx)), by_time(rxx * dead[:, None, None])
    deaths = by_time(dead).astype(int)
    step_time = np.repeat(np.arange(len(times)), deaths)
    fraction = (np.arange(len(step_time)) - np.repeat(np.cumsum(deaths) - deaths, deaths)) / deaths[
        step_time
    ]
    denominator = s0[step_time] - fraction * d0[step_time]
    mean = (s1[step_time] - fraction[:, None] * d1[step_time]) / denominator[:, None]
    return _EfronSteps(index, s2, d2, step_time, fraction, denominator, mean)


def robust_variance(data: CoxData, model_variance: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """The cluster-robust variance of β̂: D = score residuals · `model_variance`, summed per
    cluster, then D'D (R's `coxph(..., cluster = id)`)."""
    residuals = np.zeros_like(data.x)
    risk_all = np.exp(data.x @ data.beta)
    for rows in data.stratum_rows():
        x, dead, risk = data.x[rows], data.events[rows], risk_all[rows]
        steps = _efron_steps(data.durations[rows], dead, x, risk, second_moments=False)
        n_times = int(steps.index.max()) + 1  # the stratum's distinct times
        hazard = 1 / steps.denominator
        staying = 1 - steps.fraction  # a death's weight in the risk set at each step

        def per_time(weights: np.ndarray, steps=steps, n_times=n_times) -> np.ndarray:
            columns = np.c_[np.ones(len(weights)), steps.mean] * weights[:, None]
            return np.stack(
                [np.bincount(steps.step_time, column, n_times) for column in columns.T], axis=1
            )

        full, partial = per_time(hazard), per_time(hazard * staying)
        before = np.cumsum(full, axis=0) - full
        deaths = np.bincount(steps.step_time, minlength=n_times)
        mean_of_means = per_time(np.ones_like(hazard))[:, 1:] / np.maximum(deaths, 1)[:, None]
        at_own_time = np.where(dead[:, None] == 1, partial[steps.index], full[steps.index])
        exposure = before[steps.index] + at_own_time  # Σ dΛ and Σ x̄ dΛ up to each row's exit
        residuals[rows] = dead[:, None] * (x - mean_of_means[steps.index]) - risk[:, None] * (
            x * exposure[:, :1] - exposure[:, 1:]
        )
    influence = residuals @ model_variance
    _, cluster_index = np.unique(clusters, return_inverse=True)
    clusters_n = cluster_index.max() + 1
    per_cluster = np.stack(
        [np.bincount(cluster_index, column, clusters_n) for column in influence.T], axis=1
    )
    return per_cluster.T @ per_cluster


@dataclass(frozen=True)
class PHTest:
    """One chi-square (1 df) and p-value per covariate, and the global test (df = covariates)."""

    chi2: dict[str, float]
    p: dict[str, float]
    global_chi2: float
    global_p: float


def time_transform(durations: np.ndarray, events: np.ndarray, transform: str) -> np.ndarray:
    """g(t) of each row, before centring (see the module docstring)."""
    if transform == "rank":
        return rankdata(durations)
    if transform != "km":
        raise ValueError(f"unknown time transform {transform!r}; use one of {TRANSFORMS}")
    times, index = np.unique(durations, return_inverse=True)
    deaths = np.bincount(index, weights=events, minlength=len(times))
    at_risk = len(durations) - np.concatenate(([0], np.cumsum(np.bincount(index))[:-1]))
    survival_before = np.concatenate(([1.0], np.cumprod(1 - deaths / at_risk)[:-1]))
    return 1 - survival_before[index]


def proportional_hazards_test(data: CoxData, names: list[str], transform: str = "km") -> PHTest:
    """The test of each covariate (named `names`, in the order of `data.x`) and the global one."""
    g = time_transform(data.durations, data.events, transform)
    g = g - g[data.events == 1].mean()
    risk_all = np.exp(data.x @ data.beta)
    p = data.x.shape[1]
    score = np.zeros(p)  # for the g(t)·x terms; the score for β is 0 at β̂
    information = np.zeros((2 * p, 2 * p))
    for rows in data.stratum_rows():
        x, dead = data.x[rows], data.events[rows]
        steps = _efron_steps(data.durations[rows], dead, x, risk_all[rows])
        n_times = len(steps.s2)
        g_at = np.bincount(steps.index, g[rows] * dead, n_times) / np.maximum(
            np.bincount(steps.index, dead, n_times), 1
        )
        gs = g_at[steps.step_time]
        x_dead = x * dead[:, None]
        score += (g[rows][:, None] * x_dead).sum(axis=0) - (gs[:, None] * steps.mean).sum(0)
        blocks = []
        for power in (0, 1, 2):
            weight = gs**power / steps.denominator
            on_s2 = np.bincount(steps.step_time, weight, n_times)
            on_d2 = np.bincount(steps.step_time, weight * steps.fraction, n_times)
            second = np.einsum("t,tij->ij", on_s2, steps.s2) - np.einsum(
                "t,tij->ij", on_d2, steps.d2
            )
            blocks.append(second - np.einsum("e,ei,ej->ij", gs**power, steps.mean, steps.mean))
        information += np.block([[blocks[0], blocks[1]], [blocks[1], blocks[2]]])
    by_term = {}
    for j, name in enumerate(names):
        keep = [*range(p), p + j]
        u = np.r_[np.zeros(p), score[j]]
        by_term[name] = float(u @ np.linalg.solve(information[np.ix_(keep, keep)], u))
    u = np.r_[np.zeros(p), score]
    global_chi2 = float(u @ np.linalg.solve(information, u))
    return PHTest(
        chi2=by_term,
        p={name: float(chi2.sf(value, 1)) for name, value in by_term.items()},
        global_chi2=global_chi2,
        global_p=float(chi2.sf(global_chi2, p)),
    )
