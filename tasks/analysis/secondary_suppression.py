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

from collections import ChainMap
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array, hstack, vstack

from jakreg.errors import DisclosureError
from tasks.analysis.disclosure_attack import Cell, Relation, recovered
from tasks.analysis.disclosure_control import Suppression, TableCells, merge_published, primary

ESTIMATE_COST = 3.0
COUNT_COST = 1.0
RELABEL_COST = 2.0  # a `<5` shown as `masked` loses what the reader knew: that it is small
# Branch-and-bound nodes per search: a witness found, optimal or not, is a true one; a node limit
# (unlike a time limit) gives the same suppression on every machine.
NODE_LIMIT = 50
# A witness costing at most 40% more than the cheapest: proving the last 15% took HiGHS most of its
# time on runs with hundreds of small counts (200 patients in 4 centers: 25.5 s at 25%, 17.8 s
# at 40%, with 361 and 353 counts masked).
GAP = 0.4


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
    suppression, witnesses = _protected(counts, relations(exact), first, min_cell_count, weight)
    shared = {
        name: cells[name].share(frame, suppression, min_cell_count) for name, frame in exact.items()
    }
    published = merge_published(
        cells[name].read_published(frame, min_cell_count) for name, frame in shared.items()
    )
    # the true counts and the witnesses are values the attacker checks and, if allowed, need
    # not search for again
    alternatives = (ChainMap(witness.values, counts) for witness in witnesses)
    leaked = recovered(published, relations(shared), [counts, *alternatives])
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
    return _protected(counts, relations, suppression, min_cell_count, weight)[0]


def _protected(
    counts: dict[Cell, int],
    relations: Iterable[Relation],
    suppression: Suppression,
    min_cell_count: int,
    weight: Callable[[Cell], float],
) -> tuple[Suppression, list[_Witness]]:
    """`protect`'s suppression, with the witnesses it found."""
    search = _Search(counts, list(relations), min_cell_count, weight)
    masked, withheld = set(suppression.masked), set(suppression.withheld)
    protected: set[Cell] = set()
    witnesses = []
    for cell in sorted(suppression.small, key=repr):
        if cell in protected:  # an earlier witness already moves it
            continue
        witness = search.witness(cell, suppression.small, masked, withheld)
        masked |= witness.masked
        withheld |= witness.withheld
        protected |= witness.values.keys()
        witnesses.append(witness)
    return Suppression(suppression.small, frozenset(masked), frozenset(withheld)), witnesses


@dataclass(frozen=True)
class _Witness:
    """What a witness needs hidden (counts masked, estimates withheld) and the counts it moves,
    with their values in it."""

    masked: set[Cell]
    values: dict[Cell, int]
    withheld: set[Cell]


class _Search:
    """The relations as one sparse matrix (a row per relation, a column per count), built once:
    each witness takes the rows and columns of its neighbourhood from it."""

    def __init__(
        self,
        counts: dict[Cell, int],
        relations: list[Relation],
        min_cell_count: int,
        weight: Callable[[Cell], float],
    ) -> None:
        self.relations, self.min, self.weight = relations, min_cell_count, weight
        self.column: dict[Cell, int] = {}
        rows, columns, values = [], [], []
        for r, relation in enumerate(relations):
            for cell, k in relation.terms:
                rows.append(r)
                columns.append(self.column.setdefault(cell, len(self.column)))
                values.append(k)
        for cell in counts:  # a count in no relation still needs a witness: its label alone
            self.column.setdefault(cell, len(self.column))
        self.cells = list(self.column)
        shape = (len(relations), len(self.cells))
        self.matrix = csr_array((values, (rows, columns)), shape=shape)
        self.by_cell = self.matrix.T.tocsr()  # the relations of each count
        # counts that share a relation: the neighbourhood widens along these
        self.linked = (abs(self.by_cell) @ abs(self.matrix)).tocsr()
        self.truth = np.array([counts.get(cell, 0) for cell in self.cells], dtype=float)
        # Σ coefficient × true count of each relation: the witness moves counts from there
        self.at_truth = self.matrix @ self.truth
        self.lower = np.array([relation.lower for relation in relations])
        self.upper = np.array([relation.upper for relation in relations])
        self.largest = max(counts.values(), default=0)

    def witness(
        self, x: Cell, small: frozenset[Cell], masked: set[Cell], withheld: set[Cell]
    ) -> _Witness:
        """The cheapest witness for `x` in the narrowest neighbourhood that has one: the counts
        it changes and the estimates it breaks."""
        shells = self._shells(self.column[x])
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

    def _shells(self, start: int) -> list[np.ndarray]:
        """The columns within one relation of `start`, within two, ... up to its whole group."""
        reached = np.zeros(len(self.cells), dtype=bool)
        reached[start] = True
        frontier, shells = np.array([start]), []
        while frontier.size:
            shells.append(np.flatnonzero(reached))
            beyond = np.unique(self.linked[frontier].indices)
            frontier = beyond[~reached[beyond]]
            reached[frontier] = True
        return shells

    def _solve(
        self,
        x: Cell,
        near: np.ndarray,
        small: frozenset[Cell],
        masked: set[Cell],
        withheld: set[Cell],
        may_hide: bool,
    ) -> _Witness | None:
        """Variables: the change d of each count near x, a switch z per count that could be
        masked, a switch w per estimate that could be withheld, the direction of x."""
        cells = [self.cells[c] for c in near]
        relations = [
            r
            for r in np.unique(self.by_cell[near].indices)
            if not any(e in withheld for e in self.relations[r].given)
        ]
        given = sorted({e for r in relations for e in self.relations[r].given}, key=repr)
        estimates = given if may_hide else []
        n, k = len(cells), len(estimates)
        program = _Program(2 * n + k + 1)
        is_masked = np.array([cell in masked for cell in cells], dtype=bool)
        self._counts(program, near, [cell in small for cell in cells], is_masked, may_hide)
        program.high[2 * n : 2 * n + k] = 1
        program.cost[2 * n : 2 * n + k] = [self.weight(e) * ESTIMATE_COST for e in estimates]
        self._relations(program, near, relations, estimates)
        direction = 2 * n + k
        program.high[direction] = 1
        at_x = ([0, 0], [np.searchsorted(near, self.column[x]), direction])
        d_x = coo_array(([1.0, -2.0], at_x), shape=(1, program.size))
        program.add(d_x, np.array([-1.0]), np.array([-1.0]))  # d_x = ±1
        chosen = program.solve()
        if chosen is None:  # none here (or none found in time): widen the neighbourhood
            return None
        return _Witness(
            masked={cells[i] for i in range(n) if chosen[n + i] and not is_masked[i]},
            values={
                cells[i]: int(self.truth[c] + chosen[i])
                for i, c in enumerate(near)
                if chosen[i] != 0
            },
            withheld={estimates[j] for j in range(k) if chosen[2 * n + j]},
        )

    def _counts(
        self,
        program: _Program,
        near: np.ndarray,
        small: list[bool],
        masked: np.ndarray,
        may_hide: bool,
    ) -> None:
        """The bounds of each change d and, when `may_hide`, its switch z: masked, a count may be
        anything from 0 (within min of the truth); otherwise its label bounds it (`<min` from 1 to
        min − 1, a shown count exactly) unless z = 1 (a count of infinite weight stays shown)."""
        n, value, small = near.size, self.truth[near], np.array(small, dtype=bool)
        low, high = np.maximum(-value, -float(self.min)), np.full(n, float(self.min))
        low_shown = np.where(small, 1 - value, 0.0)
        high_shown = np.where(small, self.min - 1 - value, 0.0)
        weights = np.array([self.weight(self.cells[c]) for c in near]) if may_hide else np.zeros(n)
        switchable = ~masked & np.isfinite(weights) & may_hide
        labelled = ~masked & ~switchable
        program.low[:n] = np.where(labelled, low_shown, low)
        program.high[:n] = np.where(labelled, high_shown, high)
        i = np.flatnonzero(switchable)
        program.high[n + i] = 1
        base = np.where(small, RELABEL_COST, COUNT_COST)[i]
        program.cost[n + i] = weights[i] * (base + value[i] / (10.0 * self.largest))
        # d ≥ low_shown − (low_shown − low) z and d ≤ high_shown + (high − high_shown) z
        rows, unbounded = np.tile(np.arange(i.size), 2), np.full(i.size, np.inf)
        for shown, masked_bound, sign in ((low_shown, low, 1.0), (high_shown, high, -1.0)):
            entries = np.concatenate([np.ones(i.size), shown[i] - masked_bound[i]])
            block = coo_array(
                (entries, (rows, np.concatenate([i, n + i]))), shape=(i.size, program.size)
            )
            program.add(block, *((shown[i], unbounded) if sign > 0 else (-unbounded, shown[i])))

    def _relations(
        self, program: _Program, near: np.ndarray, relations: list[int], estimates: list[Cell]
    ) -> None:
        """Σ k (v + d) within each relation's [lower, upper], counts outside `near` at their true
        values; w = 1 breaks the relations of a withheld estimate."""
        n = near.size
        terms = self.matrix[relations][:, near]
        slack = float(self.min) * abs(terms).sum(axis=1)
        switch = {estimate: 2 * n + j for j, estimate in enumerate(estimates)}
        breaks = np.array(
            [
                (row, switch[e])
                for row, r in enumerate(relations)
                for e in self.relations[r].given
                if e in switch
            ],
            dtype=int,
        ).reshape(-1, 2)
        constant = self.at_truth[relations]
        for limit, sign in ((self.upper[relations], -1.0), (self.lower[relations], 1.0)):
            keep = np.flatnonzero(np.isfinite(limit))
            position = np.full(len(relations), -1)
            position[keep] = np.arange(keep.size)
            broken = breaks[position[breaks[:, 0]] >= 0]
            entries = sign * slack[broken[:, 0]]
            switches = coo_array(
                (entries, (position[broken[:, 0]], broken[:, 1] - n)),
                shape=(keep.size, program.size - n),
            )
            bound, unbounded = limit[keep] - constant[keep], np.full(keep.size, np.inf)
            program.add(
                hstack([terms[keep], switches]),
                *((bound, unbounded) if sign > 0 else (-unbounded, bound)),
            )


class _Program:
    """An integer program built block by block: bounds, costs and rows of constraints."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.low, self.high, self.cost = np.zeros(size), np.zeros(size), np.zeros(size)
        self.blocks, self.lower, self.upper = [], [], []

    def add(self, block, lower: np.ndarray, upper: np.ndarray) -> None:
        """Rows `lower ≤ block · variables ≤ upper`."""
        self.blocks.append(block)
        self.lower.append(lower - 1e-9)
        self.upper.append(upper + 1e-9)

    def solve(self) -> np.ndarray | None:
        """The cheapest integer solution found, rounded, or None."""
        constraint = LinearConstraint(
            vstack(self.blocks).tocsr(), np.concatenate(self.lower), np.concatenate(self.upper)
        )
        result = milp(
            self.cost,
            constraints=constraint,
            bounds=Bounds(self.low, self.high),
            integrality=np.ones(self.size),
            options={"node_limit": NODE_LIMIT, "mip_rel_gap": GAP},
        )
        return None if result.x is None else np.round(result.x)
