"""Treatment sequences after each patient's first JAK-inhibitor failure, all centers pooled: a
table and a Sankey.

The paths come from `marts.jaki_failure_sequences` (steps named by target class, combinations
joined by ' + '; empty when no advanced therapy started within the window). Paths form a tree of
prefixes, each with the number of patients whose path starts so. Small-cell rules hold for every
path and every node: a prefix is shown only with `min_cell_count` patients or more, and the
patients of a shown prefix who stop there or go on in groups too small to show (`ended_here`; at
the index, those with no advanced therapy within the window) are
0 or at least `min_cell_count` — when they would be fewer, the smallest shown continuation is
folded into them too, so no count can be recovered by subtracting shown counts of one scope.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.retention import POOLED

INDEX = "JAKi failure"
ARROW = " → "
SCHEMA = {
    "scope": pl.Utf8,
    "depth": pl.Int64,
    "path": pl.Utf8,
    "step": pl.Utf8,
    "n": pl.Int64,
    "ended_here": pl.Int64,
    "percent_of_failures": pl.Float64,
}


@dataclass(frozen=True)
class ShownPrefix:
    """A prefix of paths that may be shown: its steps, patients and those who stop there."""

    steps: tuple[str, ...]
    n: int
    ended_here: int


def shown_prefixes(paths: list[list[str]], min_cell_count: int) -> list[ShownPrefix]:
    """The tree of path prefixes, depth first, with the small-cell rules applied (module doc)."""
    counts: Counter[tuple[str, ...]] = Counter()
    children: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for path in paths:
        steps = (INDEX, *path)
        for depth in range(1, len(steps) + 1):
            prefix = steps[:depth]
            counts[prefix] += 1
            if depth > 1:
                children.setdefault(steps[: depth - 1], set()).add(prefix)
    root = (INDEX,)
    if counts[root] < min_cell_count:
        return []
    return list(_visit(root, counts, children, min_cell_count))


def _visit(
    prefix: tuple[str, ...],
    counts: Counter[tuple[str, ...]],
    children: dict[tuple[str, ...], set[tuple[str, ...]]],
    min_cell_count: int,
) -> Iterator[ShownPrefix]:
    ordered = sorted(children.get(prefix, ()), key=lambda child: (-counts[child], child))
    kept = [child for child in ordered if counts[child] >= min_cell_count]
    ended = counts[prefix] - sum(counts[child] for child in kept)
    while kept and 1 <= ended < min_cell_count:
        ended += counts[kept.pop()]
    yield ShownPrefix(prefix, counts[prefix], ended)
    for child in kept:
        yield from _visit(child, counts, children, min_cell_count)


def sequences_table(sequences: pl.DataFrame, protocol: Protocol) -> pl.DataFrame:
    """The shown prefixes, all centers pooled; only shareable counts appear. Not per center: a
    prefix shown pooled and hidden in one center only would give that center's count back as
    the pooled count minus the others'."""
    total = len(sequences)
    records = [
        {
            "scope": POOLED,
            "depth": len(prefix.steps) - 1,
            "path": ARROW.join(prefix.steps),
            "step": prefix.steps[-1],
            "n": prefix.n,
            "ended_here": prefix.ended_here,
            "percent_of_failures": round(100 * prefix.n / total, 1),
        }
        for prefix in shown_prefixes(sequences["path"].to_list(), protocol.min_cell_count)
    ]
    return pl.DataFrame(records, schema=SCHEMA)
