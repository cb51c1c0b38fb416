"""Treatment sequences after a patient's first JAK-inhibitor failure, with combinations
(docs/protocol.md#treatment-sequences).

Defaults: combination_overlap_days 30, sequence_depth 3, next_treatment_window_days 180; the data
cut is day 2000 (tests.unit.histories).
"""

from __future__ import annotations

from jakreg.config import Protocol
from tests.unit.histories import Patient, build, rows

SEQUENCES = (
    "select jaki, n_steps, path, combination_steps from marts.jaki_failure_sequences "
    "order by patient_key"
)


def test_courses_overlapping_30_days_are_one_combination_step() -> None:
    history = [
        ("tofacitinib", 0, 300, "adverse_event"),
        ("adalimumab", 310, 700, "inefficacy_secondary"),
        ("methotrexate", 310, 900),
        ("baricitinib", 670, 900, "adverse_event"),
        ("tocilizumab", 1000, None),
    ]
    assert rows(build(Patient("p1", history)), SEQUENCES) == [
        ("tofacitinib", 2, ["JAKi + anti-TNF", "anti-IL6"], 1)
    ]


def test_courses_overlapping_29_days_are_two_steps() -> None:
    history = [
        ("tofacitinib", 0, 300, "adverse_event"),
        ("adalimumab", 310, 700, "inefficacy_secondary"),
        ("baricitinib", 671, 900, "adverse_event"),
    ]
    assert rows(build(Patient("p1", history)), SEQUENCES) == [
        ("tofacitinib", 2, ["anti-TNF", "JAKi"], 0)
    ]


def test_a_short_course_inside_a_longer_one_is_not_a_combination() -> None:
    history = [
        ("tofacitinib", 0, 300, "adverse_event"),
        ("adalimumab", 310, 900, "inefficacy_secondary"),
        ("tocilizumab", 400, 420, "adverse_event"),
    ]
    assert rows(build(Patient("p1", history)), SEQUENCES) == [
        ("tofacitinib", 2, ["anti-TNF", "anti-IL6"], 0)
    ]


def test_the_overlap_is_a_protocol_parameter() -> None:
    history = [
        ("tofacitinib", 0, 300, "adverse_event"),
        ("adalimumab", 310, 700, "inefficacy_secondary"),
        ("baricitinib", 671, 900, "adverse_event"),
    ]
    con = build(Patient("p1", history), protocol=Protocol(combination_overlap_days=29))
    assert rows(con, SEQUENCES) == [("tofacitinib", 1, ["JAKi + anti-TNF"], 1)]


def test_no_advanced_therapy_within_the_window_gives_an_empty_path() -> None:
    history = [("tofacitinib", 0, 300, "adverse_event"), ("adalimumab", 481, None)]
    assert rows(build(Patient("p1", history)), SEQUENCES) == [("tofacitinib", 0, [], 0)]


def test_the_path_stops_at_the_sequence_depth_and_n_steps_counts_all() -> None:
    history = [
        ("tofacitinib", 0, 300, "adverse_event"),
        ("adalimumab", 310, 400, "inefficacy_secondary"),
        ("tocilizumab", 500, 600, "adverse_event"),
        ("abatacept", 700, 800, "adverse_event"),
        ("secukinumab", 900, None),
    ]
    assert rows(build(Patient("p1", history)), SEQUENCES) == [
        ("tofacitinib", 4, ["anti-TNF", "anti-IL6", "CTLA4-Ig"], 0)
    ]


def test_only_the_first_failure_of_a_patient_starts_a_sequence() -> None:
    history = [
        ("tofacitinib", 0, 300, "adverse_event"),
        ("baricitinib", 320, 700, "adverse_event"),
        ("adalimumab", 710, None),
    ]
    without_failure = [("baricitinib", 0, None)]
    con = build(Patient("p1", history), Patient("p2", without_failure))
    assert rows(con, SEQUENCES) == [("tofacitinib", 2, ["JAKi", "anti-TNF"], 0)]
