"""The run's headline figures: two table artifacts, and markdown for the run summary artifact.

Built only from the shared tables, so small cells are already masked and small-group estimates
withheld; the artifacts show nothing the report does not.
"""

from __future__ import annotations

import polars as pl
from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from jakreg.config import Protocol
from jakreg.quality_status import QualityStatus
from tasks.analysis.comparison import STRATIFIED, UNSTRATIFIED
from tasks.analysis.report import p_value, percent
from tasks.analysis.retention import POOLED
from tasks.analysis.tables import SharedTables

HEADLINE_MONTHS = 9


def headline_rows(tables: SharedTables) -> list[dict[str, str]]:
    """Pooled retention at 9 months, overall and by strategy, as display strings."""
    pooled = tables.retention.filter(
        (pl.col("scope") == POOLED) & pl.col("group_by").is_in(["overall", "strategy"])
    )
    prefix = f"m{HEADLINE_MONTHS}"
    rows = []
    for row in pooled.to_dicts():
        withheld = row["suppressed"]
        rows.append(
            {
                "group": row["group"],
                "courses": row["n"],
                "stopped": row["events"],
                f"at risk at {HEADLINE_MONTHS} months": row[f"{prefix}_at_risk"],
                f"retention at {HEADLINE_MONTHS} months": "withheld"
                if withheld
                else percent(row[f"{prefix}_retention"]),
                "95% CI": "withheld"
                if withheld
                else f"{percent(row[f'{prefix}_ci95_low'])}–{percent(row[f'{prefix}_ci95_high'])}",
            }
        )
    return rows


def summary_markdown(tables: SharedTables, protocol: Protocol, quality: QualityStatus) -> str:
    lines = [
        "## Retention after a JAK-inhibitor failure",
        "",
        f"Overall data quality: **{quality.level}**",
        "",
        f"| group | courses | retention at {HEADLINE_MONTHS} months | 95% CI |",
        "|---|---:|---:|---:|",
    ]
    for row in headline_rows(tables):
        lines.append(
            f"| {row['group']} | {row['courses']} | "
            f"{row[f'retention at {HEADLINE_MONTHS} months']} | {row['95% CI']} |"
        )
    pooled = tables.logrank.filter(pl.col("scope") == POOLED)
    p_by_test = dict(pooled.select("test", "p_value").iter_rows())
    cox = tables.cox.filter(pl.col("term") == "switching vs cycling").row(0, named=True)
    lines += [
        "",
        f"Log-rank cycling vs switching: pooled p {p_value(p_by_test[UNSTRATIFIED])}, "
        f"stratified by center p {p_value(p_by_test[STRATIFIED])}",
    ]
    if cox["status"] == "estimated":
        lines.append(
            "Cox, switching vs cycling, stratified by center, robust errors clustered by patient: "
            f"HR {cox['hazard_ratio']:.2f} "
            f"({cox['ci95_low']:.2f}–{cox['ci95_high']:.2f}), proportional-hazards test "
            f"p {p_value(cox['ph_test_p'])}"
        )
    else:
        lines.append(f"Cox model not estimated: {cox['note']}")
    lines += [
        "",
        f"Kaplan–Meier, 95% CI exponential Greenwood (log-log); month = {protocol.month_days} "
        f"days; counts 1–{protocol.min_cell_count - 1} shown as <{protocol.min_cell_count}, "
        f"estimates withheld for groups under {protocol.min_cell_count} courses and for "
        f"events or at-risk counts under {protocol.min_cell_count}.",
    ]
    return "\n".join(lines)


@task(name="publish-artifacts", cache_policy=NO_CACHE)
def publish_artifacts(tables: SharedTables, protocol: Protocol, quality: QualityStatus) -> str:
    """Creates the headline and Cox table artifacts; returns the headline figures as markdown,
    for the run summary (tasks/run_summary.py), the run's one markdown artifact."""
    create_table_artifact(
        headline_rows(tables),
        key="jakreg-retention-9-months",
        description="Pooled Kaplan–Meier retention at 9 months, overall and by strategy",
    )
    create_table_artifact(
        tables.cox.to_dicts(),
        key="jakreg-cox-switching-vs-cycling",
        description="Cox model of stopping the next treatment, stratified by center",
    )
    return summary_markdown(tables, protocol, quality)
