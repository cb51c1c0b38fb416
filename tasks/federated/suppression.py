"""Secondary suppression of a bundle's descriptive table, so no masked count comes back by
subtraction.

In a section whose items add up to a total that is shown (the section's `of`; for failures by
drug, the `all` row), one masked item would be the total minus the others. Whenever a section
has a masked item, the smallest shown items are withheld as well (empty, with their percent)
until at least two items are hidden and together they hold at least `min_cell_count`: the
subtraction then gives only a sum that does not single anyone out.
"""

from __future__ import annotations

import polars as pl

from tasks.analysis.disclosure import small_cell_label
from tasks.analysis.table_relations import SHARE_SECTIONS

# Sections whose items partition the section's `of` (the attacker's list, one definition).
PARTITIONS = SHARE_SECTIONS
# Sections whose items (all but `all`) partition the `all` row, in both `n` and `of`.
WITH_ALL_ROW = ("failures_by_drug",)
# The same count shown in two places: (section, column, item or None for every item) pairs.
SAME_COUNT = (
    (("jaki_courses_by_drug", "n", None), ("failures_by_drug", "of", None)),
    (("strategy_after_failure", "n", "switching"), ("switching_target_class", "of", None)),
)


def withhold_recoverable(descriptive: pl.DataFrame, min_cell_count: int) -> pl.DataFrame:
    """The shared descriptive table (counts as text, `<min_cell_count` masked) with the cells
    that subtraction would give away withheld."""
    label = small_cell_label(min_cell_count)
    rows = descriptive.with_row_index("row").to_dicts()
    withheld: set[tuple[int, str]] = set()
    for section in {*PARTITIONS, *WITH_ALL_ROW}:
        members = [r for r in rows if r["section"] == section and r["item"] != "all"]
        for column in ("n", "of") if section in WITH_ALL_ROW else ("n",):
            withheld |= _second_cells(members, column, label, min_cell_count)
    withheld |= _same_counts(rows, withheld)
    withheld_rows = {row for row, _ in withheld}
    return (
        descriptive.with_row_index("row")
        .with_columns(
            *(
                pl.when(pl.col("row").is_in([r for r, c in withheld if c == column]))
                .then(None)
                .otherwise(pl.col(column))
                .alias(column)
                for column in ("n", "of")
            ),
            pl.when(pl.col("row").is_in(list(withheld_rows)))
            .then(None)
            .otherwise(pl.col("percent"))
            .alias("percent"),
        )
        .drop("row")
    )


def _second_cells(
    members: list[dict], column: str, label: str, min_cell_count: int
) -> set[tuple[int, str]]:
    masked = [r for r in members if r[column] == label]
    if not masked:
        return set()
    shown = sorted(
        (r for r in members if r[column] not in (label, None)), key=lambda r: int(r[column])
    )
    hidden_sum = len(masked)  # each masked item holds at least one: the least they can hold
    extra: set[tuple[int, str]] = set()
    while shown and (len(masked) + len(extra) < 2 or hidden_sum < min_cell_count):
        smallest = shown.pop(0)
        extra.add((smallest["row"], column))
        hidden_sum += int(smallest[column])
    return extra


def _same_counts(rows: list[dict], withheld: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """A withheld count is withheld wherever the table shows it again."""
    linked = set()
    for first, second in SAME_COUNT:
        for source, target in ((first, second), (second, first)):
            for row in rows:
                if (row["row"], source[1]) not in withheld or not _at(row, source):
                    continue
                item = row["item"] if source[2] is None and target[2] is None else target[2]
                linked |= {
                    (other["row"], target[1])
                    for other in rows
                    if _at(other, target) and (item is None or other["item"] == item)
                }
    return linked


def _at(row: dict, place: tuple[str, str, str | None]) -> bool:
    section, _, item = place
    return row["section"] == section and (item is None or row["item"] == item)
