"""A generated cohort of next treatments with a known hazard ratio, for the federated tests."""

from __future__ import annotations

import numpy as np
import polars as pl


def next_treatments(
    center: str, n: int, seed: int, hazard_ratio: float = 0.7, follow_up: float = 900.0
) -> pl.DataFrame:
    """Exponential times (switching's hazard `hazard_ratio` times cycling's), uniform
    administrative censoring up to `follow_up` days, covariates drawn independently."""
    rng = np.random.default_rng(seed)
    switching = rng.random(n) < 0.6
    rate = np.where(switching, hazard_ratio, 1.0) / 300.0
    stop = rng.exponential(1 / rate)
    censor = rng.uniform(30, follow_up, n)
    days = np.floor(np.minimum(stop, censor))
    return pl.DataFrame(
        {
            "center_id": center,
            "strategy": np.where(switching, "switching", "cycling"),
            "retention_days": days.astype(np.int32),
            "retention_event": stop <= censor,
            "age_at_start": rng.integers(20, 90, n),
            "sex": rng.choice(["F", "M"], n, p=[0.7, 0.3]),
            "indication": rng.choice(["RA", "PsA", "axSpA"], n, p=[0.7, 0.2, 0.1]),
            "prior_advanced_lines": rng.integers(0, 7, n),
        }
    )
