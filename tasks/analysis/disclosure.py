"""Rules for anything that leaves the registry: small cells masked, spreadsheet-safe text.

A count from 1 to `min_cell_count - 1` is shown as `<min_cell_count` (0 is shown: an empty cell
discloses nobody). Text that a spreadsheet would read as a formula (a cell starting with `=`, `+`,
`-`, `@`, a tab or a carriage return) gets a leading apostrophe, as OWASP advises for CSV export.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MASKED = "masked"  # a count hidden so that no small count can be worked out (secondary suppression)


def small_cell_label(min_cell_count: int) -> str:
    return f"<{min_cell_count}"


def mask_count(value: int | None, min_cell_count: int) -> str:
    """One count as shown in a shared output."""
    if value is None:
        return ""
    if 1 <= value < min_cell_count:
        return small_cell_label(min_cell_count)
    return str(value)


def formula_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell that a spreadsheet would evaluate, prefixed with an apostrophe."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.Utf8]
    return frame.with_columns(_quote_formula(c) for c in text_columns)


def _quote_formula(column: str) -> pl.Expr:
    starts = pl.any_horizontal(pl.col(column).str.starts_with(s) for s in FORMULA_STARTS)
    return (
        pl.when(starts).then(pl.lit("'") + pl.col(column)).otherwise(pl.col(column)).alias(column)
    )


def write_shared_csv(frame: pl.DataFrame, path: Path) -> None:
    """Writes a table meant for people: formula-safe text, empty cells for missing values."""
    formula_safe(frame).write_csv(path, null_value="")
