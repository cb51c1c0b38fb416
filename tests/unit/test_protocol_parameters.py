"""Changing a protocol parameter changes the result as docs/protocol.md says."""

from __future__ import annotations

from jakreg.config import Protocol
from tests.unit.histories import Patient, build, rows

COURSES = "select start_date, end_date, status from marts.advanced_therapy_courses order by 1"
STRATEGY = "select strategy, next_ingredient from marts.jaki_failures"


def test_a_gap_of_75_days_joins_with_gap_90_and_splits_with_gap_60() -> None:
    history = [("tofacitinib", 0, 100, "other"), ("tofacitinib", 175, 300, "other")]
    patient = Patient("p1", history)
    assert rows(build(patient), COURSES) == [(0, 300, "discontinued")]
    assert rows(build(patient, protocol=Protocol(permissible_gap_days=60)), COURSES) == [
        (0, 100, "discontinued"),
        (175, 300, "discontinued"),
    ]


def test_the_gap_also_decides_ongoing_near_the_data_cut_and_censoring_near_death() -> None:
    near_cut = Patient("p1", [("tofacitinib", 1000, 1930, "other")])
    near_death = Patient("p2", [("baricitinib", 0, 420, "other")], death=495)
    assert rows(build(near_cut, near_death), COURSES) == [
        (0, 420, "censored_death"),
        (1000, 1930, "ongoing"),
    ]
    shorter = build(near_cut, near_death, protocol=Protocol(permissible_gap_days=60))
    assert rows(shorter, COURSES) == [(0, 420, "discontinued"), (1000, 1930, "discontinued")]


def test_a_next_treatment_170_days_after_the_end_is_in_a_180_day_window_not_a_150_day_one() -> None:
    patient = Patient("p1", [("tofacitinib", 0, 300, "adverse_event"), ("adalimumab", 470, None)])
    assert rows(build(patient), STRATEGY) == [("switching", "adalimumab")]
    narrow = build(patient, protocol=Protocol(next_treatment_window_days=150))
    assert rows(narrow, STRATEGY) == [("none", None)]


def test_without_unknown_among_failure_reasons_an_unrecorded_stop_is_not_a_failure() -> None:
    patient = Patient("p1", [("tofacitinib", 0, 300), ("adalimumab", 310, None)])
    failure = "select stop_reason_class, failure from marts.jaki_courses"
    assert rows(build(patient), failure) == [("unknown", True)]
    known_only = Protocol(
        failure_reasons=("inefficacy_primary", "inefficacy_secondary", "adverse_event", "other")
    )
    con = build(patient, protocol=known_only)
    assert rows(con, failure) == [("unknown", False)]
    assert rows(con, STRATEGY) == []
