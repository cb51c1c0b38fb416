"""Secondary suppression on hand-built tables whose leaks and complements are known."""

from __future__ import annotations

import pytest

from tasks.analysis.disclosure_attack import (
    Published,
    Relation,
    kaplan_meier_bounds,
    recovered,
    same,
    sums_to,
)
from tasks.analysis.disclosure_control import Suppression, primary
from tasks.analysis.secondary_suppression import UnprotectableCount, protect

A, B, C, D, TOTAL = (("t", (name,), "n") for name in ("a", "b", "c", "d", "total"))


def _attack(counts: dict, suppression: Suppression, relations: list) -> dict:
    withheld = [r for r in relations if not set(r.given) & suppression.withheld]
    return recovered(suppression.published(counts, 5), withheld)


def test_the_smallest_partner_is_masked() -> None:
    # a = 2 beside b = 5, c = 6: masking b, the smallest, lets a be 1 to 4 (b then 6 to 3)
    counts = {A: 2, B: 5, C: 6, D: 30, TOTAL: 43}
    relations = [sums_to([A, B, C, D], TOTAL)]
    first = primary(counts, 5)
    assert _attack(counts, first, relations) == {A: 2}

    second = protect(counts, relations, first, 5)

    assert second.masked == {B}
    assert _attack(counts, second, relations) == {}


def test_a_masked_count_is_hidden_wherever_the_same_count_is_shown() -> None:
    copy_of_b, copy_of_total = ("u", ("b",), "n"), ("u", ("total",), "n")
    counts = {A: 2, B: 7, C: 0, TOTAL: 9, copy_of_b: 7, copy_of_total: 9}
    relations = [sums_to([A, B, C], TOTAL), same(B, copy_of_b), same(TOTAL, copy_of_total)]

    headline = {C, TOTAL}  # hiding these costs ten times more: b and its copy are cheaper

    second = protect(counts, relations, primary(counts, 5), 5, lambda c: 10 if c in headline else 1)

    assert second.masked == {B, copy_of_b}
    assert _attack(counts, second, relations) == {}


def test_an_estimate_that_pins_a_count_is_withheld_or_its_partner_masked() -> None:
    n, events, at_risk, estimate = (("t", ("g",), c) for c in ("n", "e", "a", "m3"))
    # 20 courses, nobody censored before 3 months, 3 stopped: retention 17/20 = 0.85
    counts = {n: 20, events: 3, at_risk: 17}
    relations = list(kaplan_meier_bounds(n, events, at_risk, 0.85, 4, given=estimate))
    first = primary(counts, 5)
    assert _attack(counts, first, relations) == {events: 3}

    second = protect(counts, relations, first, 5)

    assert len(second.masked) + len(second.withheld) == 1
    assert _attack(counts, second, relations) == {}


def test_a_count_already_protected_costs_nothing_more() -> None:
    counts = {A: 2, B: 3, C: 20, TOTAL: 25}
    relations = [sums_to([A, B, C], TOTAL)]  # a + b = 5: a is 1 to 4, b the rest

    second = protect(counts, relations, primary(counts, 5), 5)

    assert second.masked == set() and second.withheld == set()


def test_groups_that_their_labels_alone_give_away_are_protected_by_masking_one() -> None:
    # four groups shown <5 under a total shown <5: each group holds exactly one
    counts = {A: 1, B: 1, C: 1, D: 1, TOTAL: 4}
    relations = [sums_to([A, B, C, D], TOTAL)]
    first = primary(counts, 5)
    assert _attack(counts, first, relations) == {A: 1, B: 1, C: 1, D: 1, TOTAL: 4}

    second = protect(counts, relations, first, 5)

    assert len(second.masked) == 1  # shown `masked`: it may be 0, so the others may be 2
    assert _attack(counts, second, relations) == {}


def test_a_count_no_witness_can_move_stops_the_run() -> None:
    # ten times a equals b, shown: no count can change a without b moving by ten or more
    counts = {A: 2, B: 20}
    ten_times = Relation(((A, 10.0), (B, -1.0)), 0.0, 0.0)

    with pytest.raises(UnprotectableCount, match="pin it"):
        protect(counts, [ten_times], primary(counts, 5), 5)


def test_a_masked_count_may_be_any_count_a_small_one_one_to_four() -> None:
    suppression = Suppression(frozenset({A}), frozenset({B}), frozenset())

    published = suppression.published({A: 2, B: 9, C: 20}, 5)

    assert published == Published({C: 20}, frozenset({A}), frozenset({B}), 5)
    assert published.bounds(A) == (1, 4)
    assert published.bounds(B) == (0, float("inf"))


def test_a_count_in_no_relation_needs_nothing_hidden_unless_its_label_pins_it() -> None:
    # d is in no relation: `<5` lets it be 1 to 4; `<2` would say it is 1, so it is masked
    counts = {A: 2, B: 5, C: 30, TOTAL: 37, D: 3}
    relations = [sums_to([A, B, C], TOTAL)]

    assert protect(counts, relations, primary(counts, 5), 5).masked == {B}
    assert protect({D: 1}, [], primary({D: 1}, 2), 2).masked == {D}
