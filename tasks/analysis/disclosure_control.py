"""What a run may not show, cell by cell, and how a table's cells are named.

`primary` is the suppression the registry applies: counts from 1 to `min_cell_count` − 1 shown as
`<min_cell_count`, and the estimates a primary rule withholds. `TableCells` names a table's cells
for the attacker of `tasks.analysis.disclosure_attack`, turns an exact table into its shared form
(`share`) and reads a shared table back (`read_published`), so that any table can be checked
together with the others of its run.

Secondary suppression (`tasks.analysis.secondary_suppression`) adds the counts shown as `MASKED`
and further estimates withheld.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import polars as pl

from tasks.analysis.disclosure import MASKED
from tasks.analysis.disclosure_attack import Cell, Published


@dataclass(frozen=True)
class Suppression:
    """What a run may not show: small counts (shown `<min`), counts masked to protect them (any
    size: a small count that its neighbours' labels would pin is masked too), estimates
    withheld."""

    small: frozenset[Cell]
    masked: frozenset[Cell]
    withheld: frozenset[Cell]

    def published(self, counts: dict[Cell, int], min_cell_count: int) -> Published:
        hidden = self.small | self.masked
        return Published(
            known={cell: value for cell, value in counts.items() if cell not in hidden},
            small=self.small - self.masked,
            masked=self.masked,
            min_cell_count=min_cell_count,
        )

    def label(self, cell: Cell, value: int | None, min_cell_count: int) -> str | None:
        """A count as the shared table shows it."""
        if value is None:
            return None
        if cell in self.masked:
            return MASKED
        if cell in self.small:
            return f"<{min_cell_count}"
        return str(value)


def primary(
    counts: dict[Cell, int], min_cell_count: int, withheld: Iterable[Cell] = ()
) -> Suppression:
    """Primary suppression only: small counts, and the estimates withheld by a primary rule."""
    return Suppression(
        small=frozenset(c for c, v in counts.items() if 1 <= v < min_cell_count),
        masked=frozenset(),
        withheld=frozenset(withheld),
    )


@dataclass(frozen=True)
class TableCells:
    """How a shared table names its cells: `(name, values of the key columns, column)` for each
    count column, `(name, key, estimate)` for each estimate, whose columns are withheld together."""

    name: str
    keys: tuple[str, ...]
    counts: tuple[str, ...]
    estimates: dict[str, tuple[str, ...]]

    def cell(self, key: tuple, column: str) -> Cell:
        return (self.name, key, column)

    def rows(self, frame: pl.DataFrame) -> Iterator[tuple[tuple, dict]]:
        for row in frame.to_dicts():
            yield tuple(row[k] for k in self.keys), row

    def counts_of(self, frame: pl.DataFrame) -> dict[Cell, int]:
        """The exact counts of a table (internal)."""
        return {
            self.cell(key, column): int(row[column])
            for key, row in self.rows(frame)
            for column in self.counts
            if row[column] is not None
        }

    def read_published(self, frame: pl.DataFrame, min_cell_count: int) -> Published:
        """The counts of a shared table as read back from its file (text cells)."""
        small = f"<{min_cell_count}"
        known, hidden_small, masked = {}, set(), set()
        for key, row in self.rows(frame):
            for column in self.counts:
                value, cell = row[column], self.cell(key, column)
                if value is None or value == "":
                    continue
                if str(value) == small:
                    hidden_small.add(cell)
                elif str(value) == MASKED:
                    masked.add(cell)
                else:
                    known[cell] = int(value)
        return Published(known, frozenset(hidden_small), frozenset(masked), min_cell_count)

    def share(
        self, frame: pl.DataFrame, suppression: Suppression, min_cell_count: int
    ) -> pl.DataFrame:
        """The table as it may leave the registry: counts as text, small or masked; withheld
        estimates empty."""
        records = []
        for key, row in self.rows(frame):
            shared = dict(row)
            for column in self.counts:
                cell = self.cell(key, column)
                shared[column] = suppression.label(cell, row[column], min_cell_count)
            for estimate, columns in self.estimates.items():
                if self.cell(key, estimate) in suppression.withheld:
                    shared.update(dict.fromkeys(columns))
            records.append(shared)
        schema = {**frame.schema, **dict.fromkeys(self.counts, pl.Utf8)}
        return pl.DataFrame(records, schema=schema)


def merge_published(parts: Iterable[Published]) -> Published:
    """One attacker's view of several tables."""
    parts = list(parts)
    return Published(
        known={cell: value for part in parts for cell, value in part.known.items()},
        small=frozenset().union(*(part.small for part in parts)),
        masked=frozenset().union(*(part.masked for part in parts)),
        min_cell_count=parts[0].min_cell_count,
    )
