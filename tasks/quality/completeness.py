"""Completeness drops, an extract rule: a column that the center's last accepted extract filled
and the new one leaves (nearly) empty quarantines the new extract (docs/quality.md#completeness).

As OHDSI DQD's completeness checks, it is judged on a share with a threshold: a column filled in
at least `completeness_min_rows` rows of the last accepted extract whose filled share falls by
more than `max_filled_share_drop` of what it was. Few filled rows are not compared (three death
dates one night and one the next are not a broken export). The outcome is a table of the gate
database that the suite `staging.completeness_drops` validates.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from jakreg.quality import QualityThresholds
from tasks.quality.row_rule_outcomes import percent
from tasks.registry import database

DROPS_TABLE = "staging.completeness_drops"


@dataclass(frozen=True)
class ColumnFill:
    """One column of one file, now and in the baseline (rows with a value, rows)."""

    file: str
    column: str
    filled: int
    rows: int
    baseline_filled: int
    baseline_rows: int

    @property
    def share(self) -> float:
        return self.filled / self.rows if self.rows else 0.0

    @property
    def baseline_share(self) -> float:
        return self.baseline_filled / self.baseline_rows if self.baseline_rows else 0.0

    def message(self, max_drop: float) -> str:
        return (
            f"{self.file}: {self.column} is filled in {self.filled} of {self.rows} rows "
            f"({percent(self.share)}), against {self.baseline_filled} of {self.baseline_rows} "
            f"({percent(self.baseline_share)}) in the center's last accepted extract: more than "
            f"{percent(max_drop)} of its filled share was lost, so the extract is quarantined. "
            f"What to do: check that the export still fills {self.column} and send it again; "
            "if the column is meant to be empty from now on, raise max_filled_share_drop for "
            "one run"
        )


def completeness_drops(
    filled: dict[str, dict[str, int]],
    rows_read: dict[str, int],
    baseline_filled: dict[str, dict[str, int]],
    baseline_rows: dict[str, int],
    thresholds: QualityThresholds,
) -> list[ColumnFill]:
    """The columns whose filled share fell by more than the threshold against the baseline."""
    drops = []
    for file, columns in sorted(filled.items()):
        for column, count in sorted(columns.items()):
            before = baseline_filled.get(file, {}).get(column)
            if before is None or before < thresholds.completeness_min_rows:
                continue
            fill = ColumnFill(
                file, column, count, rows_read.get(file, 0), before, baseline_rows.get(file, 0)
            )
            if fill.share < fill.baseline_share * (1 - thresholds.max_filled_share_drop):
                drops.append(fill)
    return drops


def write_drops_table(
    con: duckdb.DuckDBPyConnection, drops: list[ColumnFill], thresholds: QualityThresholds
) -> None:
    """`staging.completeness_drops`: one row per column that lost its values, in words."""
    database.run(con, f"create or replace table {DROPS_TABLE} (drop_message varchar)")
    for drop in drops:
        database.run(
            con,
            f"insert into {DROPS_TABLE} values ($message)",
            {"message": drop.message(thresholds.max_filled_share_drop)},
        )
