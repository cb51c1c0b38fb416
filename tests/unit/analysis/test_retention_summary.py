"""The retention summary: groupings, scopes and small groups' estimates withheld at the boundary
(exact counts; what may be shared is decided with the other tables, see
test_disclosure_control.py)."""

from __future__ import annotations

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.retention import retention_summary
from tests.unit.analysis.factories import failure, failures


def _summary(rows: list[dict]) -> pl.DataFrame:
    return retention_summary(failures(rows), Protocol())


def _row(summary: pl.DataFrame, scope: str, group_by: str, group: str) -> dict:
    selected = summary.filter(
        (pl.col("scope") == scope) & (pl.col("group_by") == group_by) & (pl.col("group") == group)
    )
    assert len(selected) == 1
    return selected.row(0, named=True)


def test_group_of_four_is_kept_suppressed_and_group_of_five_is_estimated() -> None:
    rows = [failure(strategy="cycling", days=d, next_target="JAKi") for d in (10, 20, 30, 40)]
    rows += [failure(strategy="switching", days=d) for d in (10, 20, 30, 400, 500)]

    summary = _summary(rows)

    four = _row(summary, "pooled", "strategy", "cycling")
    assert four["suppressed"] is True
    assert four["n"] == 4
    assert four["m3_retention"] is None
    assert four["median_days"] is None
    five = _row(summary, "pooled", "strategy", "switching")
    assert five["suppressed"] is False
    assert five["n"] == 5
    assert five["m3_retention"] == 0.4
    assert five["m3_at_risk"] == 2


def test_every_grouping_is_summarised_pooled_and_per_center() -> None:
    rows = [failure(center="alpha", days=d) for d in range(10, 70, 10)]
    rows += [failure(center="beta", index_jaki="baricitinib", days=d) for d in range(10, 70, 10)]

    summary = _summary(rows)

    assert summary.select("scope", "group_by", "group").rows() == [
        ("pooled", "overall", "all"),
        ("pooled", "strategy", "switching"),
        ("pooled", "next_target", "anti-TNF"),
        ("pooled", "index_jaki", "baricitinib"),
        ("pooled", "index_jaki", "tofacitinib"),
        ("alpha", "overall", "all"),
        ("alpha", "strategy", "switching"),
        ("alpha", "next_target", "anti-TNF"),
        ("alpha", "index_jaki", "tofacitinib"),
        ("beta", "overall", "all"),
        ("beta", "strategy", "switching"),
        ("beta", "next_target", "anti-TNF"),
        ("beta", "index_jaki", "baricitinib"),
    ]
    assert _row(summary, "pooled", "overall", "all")["n"] == 12
