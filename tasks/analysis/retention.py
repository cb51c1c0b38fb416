"""Retention of the treatment that follows a JAK-inhibitor failure: the summary table.

One row per scope (pooled, or a center id) × grouping (overall, strategy, next target class,
index JAK inhibitor) × group. Estimates are withheld for groups with fewer than
`min_cell_count` courses (the row is kept with `suppressed = true`), and in the shared copy
counts from 1 to `min_cell_count - 1` read `<min_cell_count`.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.disclosure import mask_counts
from tasks.analysis.kaplan_meier import estimate_retention

GROUPINGS = ("overall", "strategy", "next_target", "index_jaki")
POOLED = "pooled"
ESTIMATES = ("retention", "ci95_low", "ci95_high")


def scopes(rows: pl.DataFrame) -> Iterator[tuple[str, pl.DataFrame]]:
    """The pooled rows, then each center's rows, in center order."""
    yield POOLED, rows
    for center in sorted(rows["center_id"].unique().to_list()):
        yield center, rows.filter(pl.col("center_id") == center)


def groups(rows: pl.DataFrame, group_by: str) -> Iterator[tuple[str, pl.DataFrame]]:
    """The rows of each group of `group_by` ('overall' is one group, 'all'), in name order."""
    if group_by == "overall":
        yield "all", rows
        return
    for (group,), members in sorted(rows.group_by(group_by), key=lambda g: str(g[0])):
        yield str(group), members


def retention_summary(rows: pl.DataFrame, protocol: Protocol) -> pl.DataFrame:
    """The summary with exact counts (internal); see `shared_retention_summary` for sharing."""
    records = [
        _summary_record(scope, group_by, group, members, protocol)
        for scope, scoped in scopes(rows)
        for group_by in GROUPINGS
        for group, members in groups(scoped, group_by)
    ]
    return pl.DataFrame(records, schema=_summary_schema(protocol))


def count_columns(summary: pl.DataFrame) -> list[str]:
    return [
        c for c in summary.columns if c in ("n", "events") or c.endswith(("_at_risk", "_events"))
    ]


def shared_retention_summary(summary: pl.DataFrame, protocol: Protocol) -> pl.DataFrame:
    """The summary as it may leave the registry: small counts shown as `<min_cell_count`."""
    return mask_counts(summary, count_columns(summary), protocol.min_cell_count)


def _summary_schema(protocol: Protocol) -> dict[str, type[pl.DataType]]:
    schema: dict[str, type[pl.DataType]] = {
        "scope": pl.Utf8,
        "group_by": pl.Utf8,
        "group": pl.Utf8,
        "n": pl.Int64,
        "events": pl.Int64,
        "suppressed": pl.Boolean,
    }
    for month in protocol.retention_months:
        schema[f"m{month}_at_risk"] = pl.Int64
        schema[f"m{month}_events"] = pl.Int64
        for name in ESTIMATES:
            schema[f"m{month}_{name}"] = pl.Float64
    for name in ("median_days", "median_ci95_low", "median_ci95_high"):
        schema[name] = pl.Float64
    return schema


def _summary_record(
    scope: str, group_by: str, group: str, members: pl.DataFrame, protocol: Protocol
) -> dict:
    suppressed = len(members) < protocol.min_cell_count
    if members.is_empty():
        # Nothing to estimate yet (no failure followed by a next treatment): the row says so.
        return {
            "scope": scope,
            "group_by": group_by,
            "group": group,
            "n": 0,
            "events": 0,
            "suppressed": True,
        }
    durations = members["retention_days"].to_numpy()
    events = members["retention_event"].to_numpy().astype(int)
    estimate = estimate_retention(durations, events, protocol.retention_months, protocol.month_days)
    record: dict = {
        "scope": scope,
        "group_by": group_by,
        "group": group,
        "n": estimate.n,
        "events": estimate.events,
        "suppressed": suppressed,
    }
    for point in estimate.at:
        prefix = f"m{point.months}"
        record[f"{prefix}_at_risk"] = point.at_risk
        record[f"{prefix}_events"] = point.cumulative_events
        for name in ESTIMATES:
            record[f"{prefix}_{name}"] = None if suppressed else round(getattr(point, name), 4)
    for name in ("median_days", "median_ci95_low", "median_ci95_high"):
        value = getattr(estimate, name)
        record[name] = None if suppressed or value is None else round(value, 1)
    return record
