"""An attacker on a run's shared tables: which hidden counts can be worked back out by arithmetic.

Every count of every table a run shares is a cell, named `(table, row key, column)`. The attacker
sees what was published: a known value, a primary-suppressed cell shown as `<min_cell_count`
(so between 1 and min − 1), or a secondary-suppressed cell shown as `masked` (any count, 0 and
small ones included: the rule masks whatever protects best). What holds between cells whatever
the data is a `Relation`, a linear inequality `lower ≤ Σ coefficient × cell ≤ upper`:

- groups add up to their total, the pooled scope is the sum of the centers, the same count
  appears in two tables (`sums_to`, `same`);
- counts over time are monotone, a subset is no larger than its set (`at_most`), a group that
  is listed has at least one member (`at_least_one`);
- a published estimate times its denominator: a share of `of` rounded to 0.1% brackets `n`
  (`share_of`); a Kaplan–Meier estimate S at t brackets the events e by t between
  a / (a + e) ≤ S ≤ (n − e) / n, a being the number still at risk after t (`kaplan_meier_bounds`).
  A relation derived from an estimate names it in `given`: withholding the estimate removes it.

`recovered` lists the hidden cells that every set of values allowed by all relations together
puts at one and the same value from 1 to min − 1 (a hidden count pinned at 0 or at min or more
discloses nobody), by mixed-integer programming with scipy's HiGHS, per connected group of hidden
cells. Not modelled: confidence limits and medians (they bound counts only loosely), and anything
outside the tables (charts draw only from the same shared cells).

Other tables reuse this by naming their cells (`tasks.analysis.disclosure_control.TableCells`),
stating their relations with the helpers below, and passing the run's published cells and all
relations to `recovered` (as `tasks.analysis.table_relations.recovered_from_published` does for
the registry's tables).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

Cell = tuple[str, tuple[Hashable, ...], str]
UNBOUNDED = np.inf


@dataclass(frozen=True)
class Relation:
    """`lower ≤ Σ coefficient × cell ≤ upper`, derived from the published estimates `given`."""

    terms: tuple[tuple[Cell, float], ...]
    lower: float
    upper: float
    given: tuple[Cell, ...] = ()

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(cell for cell, _ in self.terms)


@dataclass(frozen=True)
class Published:
    """A run's count cells as an attacker sees them."""

    known: dict[Cell, int]
    small: frozenset[Cell]  # shown as <min_cell_count: 1 .. min − 1
    masked: frozenset[Cell] = field(default_factory=frozenset)  # secondary: any count
    min_cell_count: int = 5

    def bounds(self, cell: Cell) -> tuple[float, float]:
        if cell in self.small:
            return 1, self.min_cell_count - 1
        return 0, UNBOUNDED  # masked


def sums_to(parts: Iterable[Cell], total: Cell) -> Relation:
    """The parts add up to the total."""
    return Relation(((total, -1.0), *((part, 1.0) for part in parts)), 0.0, 0.0)


def same(first: Cell, second: Cell) -> Relation:
    return Relation(((first, 1.0), (second, -1.0)), 0.0, 0.0)


def at_most(smaller: Iterable[Cell], larger: Iterable[Cell]) -> Relation:
    """The sum of `smaller` is no more than the sum of `larger`."""
    terms = (*((cell, 1.0) for cell in smaller), *((cell, -1.0) for cell in larger))
    return Relation(terms, -UNBOUNDED, 0.0)


def at_least_one(cell: Cell) -> Relation:
    """A listed group has a member (its count is not 0, whatever label it has)."""
    return Relation(((cell, 1.0),), 1.0, UNBOUNDED)


def share_of(
    n: Cell, of: Cell, percent: float, decimals: int, given: Cell
) -> tuple[Relation, Relation]:
    """`percent` = 100 n / of rounded to `decimals`: n / of is within half a unit of it."""
    half = 0.5 * 10.0**-decimals
    low, high = (percent - half) / 100, (percent + half) / 100
    return Relation(((n, 1.0), (of, -low)), 0.0, UNBOUNDED, (given,)), Relation(
        ((n, 1.0), (of, -high)), -UNBOUNDED, 0.0, (given,)
    )


def kaplan_meier_bounds(
    n: Cell, events: Cell, at_risk_after: Cell, survival: float, decimals: int, given: Cell
) -> tuple[Relation, Relation]:
    """A Kaplan–Meier estimate S (rounded to `decimals`) at t, with e events by t, n courses and
    a courses followed beyond t: e ≤ n (1 − S) and e · S ≥ a (1 − S)."""
    half = 0.5 * 10.0**-decimals
    low, high = max(survival - half, 0.0), min(survival + half, 1.0)
    return (
        Relation(((events, 1.0), (n, -(1 - low))), -UNBOUNDED, 0.0, (given,)),
        Relation(((events, high), (at_risk_after, -(1 - high))), 0.0, UNBOUNDED, (given,)),
    )


def recovered(
    published: Published,
    relations: Iterable[Relation],
    candidates: Iterable[Mapping[Cell, int]] = (),
) -> dict[Cell, int]:
    """Hidden cells an attacker can pin to one value from 1 to min − 1, with that value.
    `candidates` are values of the cells that may be allowed (the true counts, the witnesses of
    secondary suppression): each one that is, checked here against every relation and label,
    stands for a solution and saves programs; one that is not is ignored."""
    hidden = published.small | published.masked
    active = [r for r in relations if any(cell in hidden for cell in r.cells)]
    candidates = list(candidates)
    pinned: dict[Cell, int] = {}
    for group, group_relations in _connected(hidden, active):
        pinned.update(_Group(group, group_relations, published).pinned(candidates))
    return pinned


def _connected(hidden: frozenset[Cell], relations: list[Relation]):
    """Hidden cells linked by a relation, with their relations (union-find)."""
    parent = {cell: cell for cell in hidden}

    def root(cell: Cell) -> Cell:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for relation in relations:
        linked = [cell for cell in relation.cells if cell in hidden]
        for cell in linked[1:]:
            parent[root(cell)] = root(linked[0])
    groups: dict[Cell, tuple[list[Cell], list[Relation]]] = {}
    for cell in sorted(hidden, key=repr):
        groups.setdefault(root(cell), ([], []))[0].append(cell)
    for relation in relations:
        first_hidden = next(cell for cell in relation.cells if cell in hidden)
        groups[root(first_hidden)][1].append(relation)
    return groups.values()


class _Group:
    """The integer programs of one connected group of hidden cells. Every solution found is a
    set of values the published figures allow at once, so one solution clears every cell it
    shows at 0 or at min or more, and two clear every cell they show at two values: only the
    cells still at one small value need programs of their own (at most two each)."""

    def __init__(self, cells: list[Cell], relations: list[Relation], published: Published):
        self.cells, self.min = cells, published.min_cell_count
        column = {cell: i for i, cell in enumerate(cells)}
        rows, columns, values, lower, upper = [], [], [], [], []
        for i, relation in enumerate(relations):
            constant = 0.0
            for cell, coefficient in relation.terms:
                if cell in column:
                    rows.append(i)
                    columns.append(column[cell])
                    values.append(coefficient)
                else:
                    constant += coefficient * published.known.get(cell, 0)
            lower.append(relation.lower - constant)
            upper.append(relation.upper - constant)
        matrix = csr_array((values, (rows, columns)), shape=(len(relations), len(cells)))
        self.constraint = LinearConstraint(matrix, np.array(lower) - 1e-9, np.array(upper) + 1e-9)
        box = np.array([published.bounds(cell) for cell in cells], dtype=float)
        # a finite ceiling far above any count keeps every program bounded
        ceiling = 1000.0 * (max(published.known.values(), default=0) + self.min)
        self.bounds = Bounds(box[:, 0], np.minimum(box[:, 1], ceiling))
        self.seen: list[set[int]] = [set() for _ in cells]

    def pinned(self, candidates: list[Mapping[Cell, int]]) -> dict[Cell, int]:
        """The cells whose every allowed value is one value from 1 to min − 1."""
        for candidate in candidates:
            self._try(candidate)
        if not any(self.seen):  # no candidate allowed: spread the first solutions apart
            everything = np.ones(len(self.cells))
            for objective in (everything, -everything):
                self._solve(objective)
        found = {}
        for i, cell in enumerate(self.cells):
            for sign in (1.0, -1.0):  # can it be larger, then smaller, than the value seen?
                if self._open(i):
                    objective = np.zeros(len(self.cells))
                    objective[i] = -sign
                    self._solve(objective)
            if self._open(i):
                found[cell] = next(iter(self.seen[i]))
        return found

    def _open(self, i: int) -> bool:
        """Not yet shown to disclose nobody: one value seen, from 1 to min − 1."""
        return len(self.seen[i]) == 1 and 1 <= next(iter(self.seen[i])) < self.min

    def _try(self, candidate: Mapping[Cell, int]) -> None:
        """Takes the candidate's values of the group's cells as seen if every label and relation
        allows them."""
        if not all(cell in candidate for cell in self.cells):
            return
        values = np.array([candidate[cell] for cell in self.cells], dtype=float)
        bounds, constraint = self.bounds, self.constraint
        product = constraint.A @ values
        if (
            np.all(values >= bounds.lb)
            and np.all(values <= bounds.ub)
            and np.all(product >= constraint.lb)
            and np.all(product <= constraint.ub)
        ):
            for seen, value in zip(self.seen, values.astype(int), strict=True):
                seen.add(int(value))

    def _solve(self, objective: np.ndarray) -> None:
        result = milp(
            objective,
            constraints=self.constraint,
            bounds=self.bounds,
            integrality=np.ones(len(self.cells)),
        )
        if not result.success:  # no solution: the published figures contradict the model
            raise ValueError(f"the relations admit no values for {self.cells}: {result.message}")
        for seen, value in zip(self.seen, np.round(result.x).astype(int), strict=True):
            seen.add(int(value))
