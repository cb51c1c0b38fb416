"""JAK-inhibitor courses: failure, indication, age and prior lines (docs/protocol.md#failure,
#indication, #age-and-prior-lines)."""

from __future__ import annotations

import pytest

from tests.unit.histories import Patient, build, rows

FAILURE = "select jaki, status, stop_reason_class, failure from marts.jaki_courses"


@pytest.mark.parametrize(
    "reason",
    ["inefficacy_primary", "inefficacy_secondary", "adverse_event", "other", "unknown"],
)
def test_discontinued_jaki_course_with_a_failure_reason_is_a_failure(reason: str) -> None:
    con = build(Patient("p1", [("tofacitinib", 0, 300, reason)]))
    assert rows(con, FAILURE) == [("tofacitinib", "discontinued", reason, True)]


@pytest.mark.parametrize("reason", ["remission", "pregnancy", "patient_relocation"])
def test_course_ended_for_remission_pregnancy_or_relocation_is_not_a_failure(reason: str) -> None:
    history = [("tofacitinib", 0, 300, reason), ("adalimumab", 310, None)]
    con = build(Patient("p1", history))
    assert rows(con, FAILURE) == [("tofacitinib", "discontinued", reason, False)]
    assert rows(con, "select * from marts.jaki_failures") == []


def test_ongoing_and_death_censored_jaki_courses_are_not_failures() -> None:
    ongoing = Patient("p1", [("tofacitinib", 0, None)])
    died = Patient("p2", [("baricitinib", 0, 500, "adverse_event")], death=520)
    con = build(ongoing, died)
    assert sorted(rows(con, FAILURE)) == [
        ("baricitinib", "censored_death", None, False),
        ("tofacitinib", "ongoing", None, False),
    ]


def test_patient_without_a_jak_inhibitor_has_no_jaki_rows() -> None:
    history = [("adalimumab", 0, 300, "inefficacy_primary"), ("etanercept", 310, None)]
    con = build(Patient("p1", history))
    assert rows(con, "select count(*) from marts.advanced_therapy_courses") == [(2,)]
    assert rows(con, "select * from marts.jaki_courses") == []
    assert rows(con, "select * from marts.jaki_failures") == []


def test_age_at_start_is_in_completed_years() -> None:
    """Born 1960-06-15; day 165 is 2020-06-14 and day 166 is 2020-06-15."""
    history = [("tofacitinib", 165, 200, "remission"), ("baricitinib", 166, 200, "remission")]
    con = build(Patient("p1", history))
    sql = "select jaki, age_at_start from marts.jaki_courses order by jaki"
    assert rows(con, sql) == [("baricitinib", 60), ("tofacitinib", 59)]


def test_prior_advanced_lines_count_courses_started_before_any_class_and_retreatment() -> None:
    history = [
        ("tofacitinib", 0, 100, "adverse_event"),
        ("adalimumab", 200, 300, "adverse_event"),
        ("tofacitinib", 400, 500, "adverse_event"),
        ("upadacitinib", 600, 900, "other"),
        ("baricitinib", 600, 700, "other"),
    ]
    con = build(Patient("p1", history))
    sql = "select jaki, start_date, prior_advanced_lines from marts.jaki_courses order by 2, 1"
    assert rows(con, sql) == [
        ("tofacitinib", 0, 0),
        ("tofacitinib", 400, 2),
        ("baricitinib", 600, 3),
        ("upadacitinib", 600, 3),
    ]


def test_indication_is_the_first_rheumatic_diagnosis_ra_before_psa_on_the_same_day() -> None:
    course = [("tofacitinib", 0, None)]
    psa_first = Patient("p1", course, diagnoses=[("M06.9", 20, "RA"), ("L40.50", 10, "PsA")])
    same_day = Patient("p2", course, diagnoses=[("M45.9", 10, "axSpA"), ("M06.9", 10, "RA")])
    other_only = Patient("p3", course, diagnoses=[("I10", 0, "other")])
    con = build(psa_first, same_day, other_only)
    sql = "select patient_key, indication from marts.jaki_courses order by patient_key"
    assert rows(con, sql) == [("p1", "PsA"), ("p2", "RA"), ("p3", "unknown")]


def test_sex_comes_from_the_patient() -> None:
    con = build(Patient("p1", [("tofacitinib", 0, None)], sex="M"))
    assert rows(con, "select sex from marts.jaki_courses") == [("M",)]
