"""Secondary suppression: further counts masked, or estimates withheld, until no small count of a
run can be worked back out from everything the run shares.

A small count x (shown as `<min`) is safe when the published figures fit another set of true
counts in which x differs: then no arithmetic on them can single out x's value. For each small
count in turn, `protect` looks for such an alternative (a *witness*: every count within what its
label allows, x one more or one less, every relation of `tasks.analysis.disclosure_attack` still
true) that needs the least extra hiding, by integer programming (scipy's HiGHS), and hides what
the witness needs: counts whose label it has to leave become `masked` (a masked count may be any
count, 0 included; a `<5` is masked too when the labels of its neighbours would pin it, e.g. four
groups `<5` under a total `<5`), relations it breaks come from estimates, which are withheld. This
is the cell-by-cell protection model of Fischetti and Salazar (Management Science, 2001).

Why it settles: hiding more never invalidates an earlier witness (masking widens a count's range,
withholding an estimate removes relations), so one pass over the small counts leaves every one of
them protected, and suppression only grows, so the pass is finite. A witness always exists with
everything masked and no estimate shown (all relations are then satisfied by doubling every
count); `protect` raises only if the search below is too narrow for a count, and then nothing is
published.

A witness moves no count by more than `min_cell_count` and changes only counts near x (sharing a
relation with x, then with those, ...: the neighbourhood widens until a witness is found or it is
the whole run); both only narrow the search, so any witness found is a true one.

Costs, so that what is hidden is what matters least: a masked count costs 1 plus a fraction
growing with its value (fewest cells first, then the smallest), a `<5` shown as `masked` instead
2, a withheld estimate 3; `weight` scales them per cell (the registry doubles the pooled
scope's, its headline figures; an infinite weight keeps a count shown).

`protect_frames` applies all this to named tables: primary suppression, the witnesses, then the
attacker on the tables as shared, which must recover nothing (else `DisclosureError`).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from jakreg.errors import DisclosureError
from tasks.analysis.disclosure_attack import Cell, Relation, recovered
from tasks.analysis.disclosure_control import Suppression, TableCells, merge_published, primary

ESTIMATE_COST = 3.0
COUNT_COST = 1.0
RELABEL_COST = 2.0  # a `<5` shown as `masked` loses what the reader knew: that it is small
# Branch-and-bound nodes per search: a witness found, optimal or not, is a true one; a node limit
# (unlike a time limit) gives the same suppression on every machine.
NODE_LIMIT = 200


class UnprotectableCount(DisclosureError):
    """A small count that no suppression of counts or estimates can protect."""


def protect_frames(
    exact: dict[str, pl.DataFrame],
    cells: dict[str, TableCells],
    relations: Callable[[dict[str, pl.DataFrame]], list[Relation]],
    min_cell_count: int,
    withheld: Iterable[Cell] = (),
    weight: Callable[[Cell], float] = lambda cell: 1.0,
) -> dict[str, pl.DataFrame]:
    """The tables `exact` (by name, named by `cells`) as they may be shared; `relations` gives
    the relations between the cells of such tables, exact or shared, and `withheld` the
    estimates a primary rule withholds."""
    counts = {
        cell: value
        for name, frame in exact.items()
        for cell, value in cells[name].counts_of(frame).items()
    }
    first = primary(counts, min_cell_count, withheld)
    suppression = protect(counts, relations(exact), first, min_cell_count, weight)
    shared = {
        name: cells[name].share(frame, suppression, min_cell_count) for name, frame in exact.items()
    }
    published = merge_published(
        cells[name].read_published(frame, min_cell_count) for name, frame in shared.items()
    )
    leaked = recovered(published, relations(shared))
    if leaked:
        raise DisclosureError(
            f"{len(leaked)} small counts of the shared tables can still be worked out, e.g. "
            f"{sorted(leaked, key=repr)[0]}; nothing is published (a bug: report it)"
        )
    return shared


def protect(
    counts: dict[Cell, int],
    relations: Iterable[Relation],
    suppression: Suppression,
    min_cell_count: int,
    weight: Callable[[Cell], float] = lambda cell: 1.0,
) -> Suppression:
    """`suppression` grown until every small count has a witness (see the module docstring)."""
    search = _Search(counts, list(relations), min_cell_count, weight)
    masked, withheld = set(suppression.masked), set(suppression.withheld)
    protected: set[Cell] = set()
    for cell in sorted(suppression.small, key=repr):
        if cell in protected:  # an earlier witness already moves it
            continue
        witness = search.witness(cell, suppression.small, masked, withheld)
        masked |= witness.masked
        withheld |= witness.withheld
        protected |= witness.moved
    return Suppression(suppression.small, frozenset(masked), frozenset(withheld))


@dataclass(frozen=True)
class _Witness:
    """What a witness needs hidden (counts masked, estimates withheld) and the counts it moves."""

    masked: set[Cell]
    moved: set[Cell]
    withheld: set[Cell]


class _Search:
    def __init__(
        self,
        counts: dict[Cell, int],
        relations: list[Relation],
        min_cell_count: int,
        weight: Callable[[Cell], float],
    ) -> None:
        self.counts, self.relations, self.min, self.weight = (
            counts,
            relations,
            min_cell_count,
            weight,
        )
        self.largest = max(counts.values(), default=0)
        self.touching: dict[Cell, list[int]] = defaultdict(list)
        for index, relation in enumerate(relations):
            for cell in relation.cells:
                self.touching[cell].append(index)
        # Σ coefficient × true count of each relation: the witness moves counts from there
        self.at_truth = [
            sum(k * counts.get(cell, 0) for cell, k in relation.terms) for relation in relations
        ]

    def witness(
        self, x: Cell, small: frozenset[Cell], masked: set[Cell], withheld: set[Cell]
    ) -> _Witness:
        """The cheapest witness for `x` in the narrowest neighbourhood that has one: the counts
        it changes and the estimates it breaks."""
        rings = [{x}]
        while rings[-1]:
            seen = set().union(*rings)
            rings.append({c for r in self._touching(rings[-1]) for c in r.cells} - seen)
        shells = list(itertools.accumulate(rings[:-1], set.union))
        # already protected by what is hidden? (cheap: nothing may be hidden, any witness will do)
        # two steps out at least: a count and its complement often also appear in another table
        widening = shells[min(2, len(shells) - 1) :]
        free = self._solve(x, widening[0], small, masked, withheld, False)
        if free is not None:
            return free
        for near in widening:
            found = self._solve(x, near, small, masked, withheld, may_hide=True)
            if found is not None:
                return found
        raise UnprotectableCount(
            f"no suppression protects the count {x}: its label and the relations "
            "between the published figures pin it"
        )

    def _touching(self, cells: set[Cell]) -> list[Relation]:
        return [self.relations[r] for r in {r for c in cells for r in self.touching[c]}]

    def _solve(
        self,
        x: Cell,
        near: set[Cell],
        small: frozenset[Cell],
        masked: set[Cell],
        withheld: set[Cell],
        may_hide: bool,
    ) -> _Witness | None:
        """Variables: the change d of each count near x, a switch z per count that could be
        masked, a switch w per estimate that could be withheld, the direction of x."""
        cells = sorted(near, key=repr)
        index = {cell: i for i, cell in enumerate(cells)}
        relations = sorted({r for c in cells for r in self.touching[c]})
        given = {e for r in relations for e in self.relations[r].given} - withheld
        estimates = sorted(given, key=repr) if may_hide else []
        n, k = len(cells), len(estimates)
        z0, w0, direction = n, 2 * n, 2 * n + k
        size = direction + 1
        step = float(self.min)
        low, high, cost = np.zeros(size), np.zeros(size), np.zeros(size)
        rows = _Rows(size)
        for i, cell in enumerate(cells):
            value = self.counts.get(cell, 0)
            # masked, a count may be anything from 0 (within `step` of the truth)
            low[i], high[i] = max(-value, -step), step
            if cell in masked:
                continue
            # otherwise its label bounds it: `<min` from 1 to min − 1, a shown count exactly
            low_shown, high_shown = (1 - value, self.min - 1 - value) if cell in small else (0, 0)
            if not may_hide:
                low[i], high[i] = low_shown, high_shown
                continue
            weight = self.weight(cell)
            if not np.isfinite(weight):  # a count that must be shown as it is
                low[i], high[i] = low_shown, high_shown
                continue
            high[z0 + i] = 1  # z = 1: masked; d ≥ low_shown − (low_shown − low) z, and so on
            base = RELABEL_COST if cell in small else COUNT_COST
            cost[z0 + i] = weight * (base + value / (10.0 * self.largest))
            rows.add([(i, 1.0), (z0 + i, low_shown - low[i])], low_shown, np.inf)
            rows.add([(i, 1.0), (z0 + i, high_shown - high[i])], -np.inf, high_shown)
        for j, estimate in enumerate(estimates):
            high[w0 + j] = 1
            cost[w0 + j] = self.weight(estimate) * ESTIMATE_COST
        switch = {estimate: w0 + j for j, estimate in enumerate(estimates)}
        for r in relations:
            relation = self.relations[r]
            if any(e in withheld for e in relation.given):
                continue
            constant = self.at_truth[r]
            terms = [(index[c], k) for c, k in relation.terms if c in index]
            # Σ k (v + d) within [lower, upper]; an estimate's relation may be broken (w = 1)
            slack = step * sum(abs(c) for _, c in terms)
            breaks = [(switch[e], 1.0) for e in relation.given if e in switch]
            if np.isfinite(relation.upper):
                rows.add(
                    terms + [(s, -slack) for s, _ in breaks], -np.inf, relation.upper - constant
                )
            if np.isfinite(relation.lower):
                rows.add(terms + [(s, slack) for s, _ in breaks], relation.lower - constant, np.inf)
        high[direction] = 1
        rows.add([(index[x], 1.0), (direction, -2.0)], -1.0, -1.0)  # d_x = ±1
        result = milp(
            cost,
            constraints=rows.constraint(),
            bounds=Bounds(low, high),
            integrality=np.ones(size),
            options={"node_limit": 50, "mip_rel_gap": 0.25},
        )
        if result.x is None:  # none here (or none found in time): widen the neighbourhood
            return None
        chosen = np.round(result.x)
        return _Witness(
            masked={cells[i] for i in range(n) if chosen[z0 + i] and cells[i] not in masked},
            moved={cells[i] for i in range(n) if chosen[i] != 0},
            withheld={estimates[j] for j in range(k) if chosen[w0 + j]},
        )


class _Rows:
    """Sparse constraint rows built one at a time."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.rows, self.cols, self.vals, self.lower, self.upper = [], [], [], [], []

    def add(self, terms: list[tuple[int, float]], lower: float, upper: float) -> None:
        row = len(self.lower)
        for col, val in terms:
            self.rows.append(row)
            self.cols.append(col)
            self.vals.append(val)
        self.lower.append(lower - 1e-9)
        self.upper.append(upper + 1e-9)

    def constraint(self) -> LinearConstraint:
        shape = (len(self.lower), self.size)
        matrix = coo_array((self.vals, (self.rows, self.cols)), shape=shape).tocsr()
        return LinearConstraint(matrix, np.array(self.lower), np.array(self.upper))
