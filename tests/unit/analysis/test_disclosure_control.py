"""The attacker on hand-built tables whose leaks are known, and the primary rules."""

from __future__ import annotations

import polars as pl

from jakreg.config import Protocol
from tasks.analysis import disclosure_attack
from tasks.analysis.comparison import cox_table, logrank_table
from tasks.analysis.descriptive import descriptive_table
from tasks.analysis.disclosure_attack import Published, kaplan_meier_bounds, recovered, sums_to
from tasks.analysis.retention import retention_summary
from tasks.analysis.table_relations import (
    COX,
    DESCRIPTIVE,
    LOGRANK,
    RETENTION,
    recovered_from_published,
    run_relations,
    table_cells,
)
from tasks.analysis.tables import protect_tables
from tests.unit.analysis.factories import failure, inputs, jaki_course, primary_only

A, B, C, TOTAL = (("t", (name,), "n") for name in ("a", "b", "c", "total"))


def test_a_small_group_is_recovered_as_the_total_minus_the_other_groups() -> None:
    published = Published(known={B: 10, C: 20, TOTAL: 32}, small=frozenset({A}))

    assert recovered(published, [sums_to([A, B, C], TOTAL)]) == {A: 2}


def test_a_small_group_beside_a_masked_one_is_not_recovered() -> None:
    published = Published(known={C: 20, TOTAL: 32}, small=frozenset({A}), masked=frozenset({B}))

    assert recovered(published, [sums_to([A, B, C], TOTAL)]) == {}


def test_a_candidate_the_published_figures_do_not_allow_proves_nothing() -> None:
    published = Published(known={B: 10, C: 20, TOTAL: 32}, small=frozenset({A}))
    not_adding_up = {A: 3, B: 10, C: 20, TOTAL: 32}

    assert recovered(published, [sums_to([A, B, C], TOTAL)], [not_adding_up]) == {A: 2}


def test_two_allowed_candidates_clear_a_count_without_a_search(monkeypatch) -> None:
    published = Published(known={C: 20, TOTAL: 32}, small=frozenset({A}), masked=frozenset({B}))
    monkeypatch.setattr(disclosure_attack, "milp", None)  # any search would fail

    candidates = [{A: 2, B: 10}, {A: 3, B: 9}]

    assert recovered(published, [sums_to([A, B, C], TOTAL)], candidates) == {}


def test_events_of_an_uncensored_group_come_back_from_retention_times_n() -> None:
    n, events, at_risk, estimate = (("t", ("g",), c) for c in ("n", "e", "a", "m3"))
    # 20 courses, nobody censored before 3 months, 3 stopped: retention 17/20 = 0.85
    relations = kaplan_meier_bounds(n, events, at_risk, 0.85, 4, given=estimate)
    published = Published(known={n: 20, at_risk: 17}, small=frozenset({events}))

    assert recovered(published, relations) == {events: 3}


def _leaky_exact_tables(protocol: Protocol) -> dict[str, pl.DataFrame]:
    """Two centers; beta has one cycling course, so pooled minus alpha gives it away."""
    rows = [failure(center="alpha", strategy="switching", days=30 * i) for i in range(1, 9)]
    rows += [
        failure(center="alpha", strategy="cycling", next_target="JAKi", days=20 * i)
        for i in range(1, 7)
    ]
    rows += [failure(center="beta", strategy="switching", days=25 * i) for i in range(1, 8)]
    rows += [failure(center="beta", strategy="cycling", next_target="JAKi", days=50)]
    courses = [jaki_course(center=c) for c in ["alpha"] * 14 + ["beta"] * 8]
    analysis = inputs(rows, courses)
    nexts = analysis.next_treatments
    return {
        RETENTION: retention_summary(nexts, protocol),
        DESCRIPTIVE: descriptive_table(analysis, protocol),
        LOGRANK: logrank_table(nexts, protocol),
        COX: cox_table(nexts, protocol),
    }


def test_every_relation_holds_on_the_exact_tables() -> None:
    """The attacker's facts are true: otherwise it would 'recover' wrong values."""
    protocol = Protocol()
    exact = _leaky_exact_tables(protocol)
    cells = table_cells(protocol)
    counts = {c: v for name, f in exact.items() for c, v in cells[name].counts_of(f).items()}

    for relation in run_relations(exact, protocol):
        value = sum(k * counts.get(cell, 0) for cell, k in relation.terms)
        assert relation.lower - 1e-9 <= value <= relation.upper + 1e-9, relation


def test_small_counts_masked_alone_are_recovered_with_their_true_values() -> None:
    protocol = Protocol()
    exact = _leaky_exact_tables(protocol)
    cells = table_cells(protocol)
    counts = {c: v for name, f in exact.items() for c, v in cells[name].counts_of(f).items()}

    leaked = recovered_from_published(primary_only(exact, protocol), protocol)

    assert leaked[(RETENTION, ("beta", "strategy", "cycling"), "n")] == 1
    assert all(counts[cell] == value for cell, value in leaked.items())


def test_the_shared_tables_leave_no_small_count_to_recover() -> None:
    protocol = Protocol()
    shared = protect_tables(_leaky_exact_tables(protocol), protocol)

    assert recovered_from_published(shared, protocol) == {}
    retention = shared[RETENTION].filter(pl.col("group_by") == "strategy")
    beta_cycling = retention.filter((pl.col("scope") == "beta") & (pl.col("group") == "cycling"))
    assert beta_cycling["n"].to_list() == ["<5"]
    assert "masked" in retention["n"].to_list()  # its complement: pooled minus alpha is no longer 1


def test_retention_estimate_of_a_small_event_count_is_withheld() -> None:
    protocol = Protocol()
    shared = protect_tables(_leaky_exact_tables(protocol), protocol)[RETENTION]

    beta_switching = shared.filter(
        (pl.col("scope") == "beta") & (pl.col("group") == "switching")
    ).row(0, named=True)
    assert beta_switching["m3_events"] == "<5"  # 3 of 7 stopped within 3 months
    assert beta_switching["m3_retention"] is None
    assert beta_switching["m3_ci95_low"] is None
