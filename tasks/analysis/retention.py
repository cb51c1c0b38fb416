"""Retention of the treatment that follows a JAK-inhibitor failure: the summary table.

Reads only the analysis rows (failures with a next treatment) from the published marts.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from prefect import task

from jakreg.config import Protocol
from tasks.analysis.kaplan_meier import estimate_retention

GROUPINGS = ("overall", "strategy")
POOLED = "pooled"


def load_analysis_rows(database: Path) -> pl.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql(
            "select center_id, jaki as index_jaki, strategy, next_target_class as next_target, "
            "retention_days, retention_event "
            "from marts.jaki_failures where next_course_id is not null"
        ).pl()


def retention_summary(rows: pl.DataFrame, protocol: Protocol) -> pl.DataFrame:
    """One row per scope (pooled or a center) x grouping x group, estimates withheld for groups
    with fewer than `min_cell_count` courses."""
    records = []
    scopes = [(POOLED, rows)] + [
        (center, rows.filter(pl.col("center_id") == center))
        for center in sorted(rows["center_id"].unique().to_list())
    ]
    for scope, scoped in scopes:
        for group_by in GROUPINGS:
            keyed = scoped.with_columns(
                pl.lit("all").alias("overall") if group_by == "overall" else pl.col(group_by)
            )
            for (group,), members in sorted(keyed.group_by(group_by), key=lambda g: str(g[0])):
                records.append(_summary_record(scope, group_by, str(group), members, protocol))
    return pl.DataFrame(records)


def _summary_record(
    scope: str, group_by: str, group: str, members: pl.DataFrame, protocol: Protocol
) -> dict:
    durations = members["retention_days"].to_numpy()
    events = members["retention_event"].to_numpy().astype(int)
    suppressed = len(members) < protocol.min_cell_count
    record: dict = {"scope": scope, "group_by": group_by, "group": group, "suppressed": suppressed}
    estimate = estimate_retention(durations, events, protocol.retention_months, protocol.month_days)
    record["n"] = estimate.n
    record["events"] = estimate.events
    for point in estimate.at:
        prefix = f"m{point.months}"
        record[f"{prefix}_at_risk"] = point.at_risk
        record[f"{prefix}_events"] = point.cumulative_events
        for name in ("retention", "ci95_low", "ci95_high"):
            record[f"{prefix}_{name}"] = None if suppressed else round(getattr(point, name), 4)
    record["median_days"] = None if suppressed else estimate.median_days
    return record


def mask_small_counts(summary: pl.DataFrame, min_cell_count: int) -> pl.DataFrame:
    """Counts from 1 to min_cell_count - 1 are shown as '<min_cell_count' in shared outputs."""
    count_columns = [
        c for c in summary.columns if c in ("n", "events") or c.endswith(("_at_risk", "_events"))
    ]
    return summary.with_columns(
        pl.when(pl.col(c).is_between(1, min_cell_count - 1))
        .then(pl.lit(f"<{min_cell_count}"))
        .otherwise(pl.col(c).cast(pl.Utf8))
        .alias(c)
        for c in count_columns
    )


@task(name="retention-summary")
def write_retention_summary(database: Path, out_dir: Path, protocol: Protocol) -> pl.DataFrame:
    """Writes `retention_summary.csv` into `out_dir` and returns it, small counts masked."""
    summary = retention_summary(load_analysis_rows(database), protocol)
    shared = mask_small_counts(summary, protocol.min_cell_count)
    out_dir.mkdir(parents=True, exist_ok=True)
    shared.write_csv(out_dir / "retention_summary.csv")
    return shared
