"""The pooled estimates of a network with federated centers: one method for every center.

When some centers send only aggregate bundles, the centers whose rows are in the registry are
reduced to the same aggregates (tasks/federated/aggregates.py, the function a hospital's export
runs), so the pooled retention (tasks/federated/pooled_retention.py) and the hazard ratio
(tasks/federated/pwe.py) are computed one way from every center's aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.inputs import AnalysisInputs
from tasks.analysis.retention import POOLED
from tasks.federated.aggregates import CenterAggregates, center_aggregates
from tasks.federated.landing import BundleDecision
from tasks.federated.pooled_retention import pooled_retention
from tasks.federated.pwe import ModelNotEstimated, pooled_hazard_ratios

PATIENT_ROWS = "patient rows (aggregated here)"
AGGREGATES = "aggregate bundle"
METHOD = (
    "every center reduced to aggregates; retention from the pooled life tables (piecewise-"
    "constant hazards weighted by courses at risk); hazard ratios from a piecewise-exponential "
    "Poisson model with a baseline per center and interval"
)


@dataclass(frozen=True)
class FederatedTables:
    """The pooled tables and which centers contributed what (nothing here needs masking: every
    count is a sum of life-table events, each at least `min_cell_count`)."""

    centers: pl.DataFrame
    retention: pl.DataFrame
    hazard_ratios: pl.DataFrame
    method: str = METHOD


def federated_tables(
    inputs: AnalysisInputs, decisions: list[BundleDecision], protocol: Protocol
) -> FederatedTables:
    rows = inputs.next_treatments
    contributions: list[tuple[str, str, CenterAggregates]] = []
    for (center,), center_rows in sorted(rows.group_by("center_id")):
        contributions.append((center, PATIENT_ROWS, center_aggregates(center_rows, protocol)))
    for decision in decisions:
        if decision.bundle is not None:
            label = f"{AGGREGATES} of {decision.pooled}"
            contributions.append((decision.center_id, label, decision.bundle.aggregates))
    tables = {
        name: pl.concat(
            [
                getattr(aggregates, name).with_columns(pl.lit(center).alias("center_id"))
                for center, _, aggregates in contributions
            ]
        )
        for name in ("life_tables", "person_time", "event_margins")
    }
    centers = pl.DataFrame(
        {
            "center_id": [center for center, _, _ in contributions],
            "contributes": [kind for _, kind, _ in contributions],
        }
    ).sort("center_id")
    return FederatedTables(
        centers=centers,
        retention=_retention(tables["life_tables"], protocol),
        hazard_ratios=_hazard_ratios(tables),
    )


def _retention(life_tables: pl.DataFrame, protocol: Protocol) -> pl.DataFrame:
    strategies = sorted(life_tables["strategy"].unique().to_list())
    groups = [("overall", "all", strategies)] + [("strategy", s, [s]) for s in strategies]
    return pl.DataFrame(
        [
            {"scope": POOLED, "group_by": group_by, "group": group}
            | pooled_retention(life_tables, members, protocol)
            for group_by, group, members in groups
        ]
    )


def _hazard_ratios(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    try:
        estimates = pooled_hazard_ratios(
            tables["life_tables"], tables["person_time"], tables["event_margins"]
        )
    except ModelNotEstimated as err:
        return pl.DataFrame(
            {"term": ["switching vs cycling"], "status": ["not estimated"], "note": [str(err)]}
        )
    return estimates.with_columns(
        pl.lit("estimated").alias("status"),
        pl.lit("stratified by center and interval").alias("note"),
    )
