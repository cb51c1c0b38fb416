"""Courses and their status (docs/protocol.md#prescriptions, #courses, #status, #line-number).

Defaults: permissible_gap_days 90; the data cut is day 2000 (tests.unit.histories).
"""

from __future__ import annotations

from tests.unit.histories import Patient, build, rows

COURSES = (
    "select ingredient, start_date, end_date, status, stop_reason_class "
    "from marts.advanced_therapy_courses order by patient_key, start_date, ingredient"
)


def courses(*patients: Patient) -> list[tuple]:
    return rows(build(*patients), COURSES)


def test_overlapping_prescriptions_form_one_course_ending_at_the_latest_end() -> None:
    history = [("tofacitinib", 0, 100), ("tofacitinib", 50, 200), ("tofacitinib", 150, 300)]
    con = build(Patient("p1", history))
    assert rows(
        con, "select start_date, end_date, n_prescriptions from marts.advanced_therapy_courses"
    ) == [(0, 300, 3)]


def test_gap_of_exactly_permissible_days_joins_the_course() -> None:
    history = [("tofacitinib", 0, 100), ("tofacitinib", 190, 300, "adverse_event")]
    assert courses(Patient("p1", history)) == [
        ("tofacitinib", 0, 300, "discontinued", "adverse_event")
    ]


def test_gap_one_day_over_permissible_starts_a_new_course() -> None:
    history = [("tofacitinib", 0, 100, "other"), ("tofacitinib", 191, 300, "adverse_event")]
    assert courses(Patient("p1", history)) == [
        ("tofacitinib", 0, 100, "discontinued", "other"),
        ("tofacitinib", 191, 300, "discontinued", "adverse_event"),
    ]


def test_gap_is_measured_from_the_latest_end_so_far_not_the_previous_prescription() -> None:
    history = [("tofacitinib", 0, 500), ("tofacitinib", 100, 150), ("tofacitinib", 560, 700)]
    assert [c[:3] for c in courses(Patient("p1", history))] == [("tofacitinib", 0, 700)]


def test_open_prescription_runs_to_the_data_cut_and_is_ongoing() -> None:
    history = [("tofacitinib", 0, 100, "adverse_event"), ("tofacitinib", 150, None)]
    assert courses(Patient("p1", history)) == [("tofacitinib", 0, 2000, "ongoing", None)]


def test_end_after_the_data_cut_is_cut_there_and_the_course_is_ongoing() -> None:
    history = [("baricitinib", 1800, 2300, "adverse_event")]
    assert courses(Patient("p1", history)) == [("baricitinib", 1800, 2000, "ongoing", None)]


def test_end_within_permissible_gap_of_the_data_cut_is_ongoing_one_day_earlier_is_not() -> None:
    within = Patient("p1", [("baricitinib", 1000, 1910, "adverse_event")])
    before = Patient("p2", [("baricitinib", 1000, 1909, "adverse_event")])
    assert courses(within, before) == [
        ("baricitinib", 1000, 1910, "ongoing", None),
        ("baricitinib", 1000, 1909, "discontinued", "adverse_event"),
    ]


def test_prescription_starting_after_the_data_cut_is_left_out() -> None:
    history = [("tofacitinib", 1000, 1500, "remission"), ("adalimumab", 2001, 2100)]
    assert courses(Patient("p1", history)) == [
        ("tofacitinib", 1000, 1500, "discontinued", "remission")
    ]


def test_prescription_without_a_start_date_is_left_out() -> None:
    history = [("tofacitinib", None, 100), ("baricitinib", 0, 100, "other")]
    assert courses(Patient("p1", history)) == [("baricitinib", 0, 100, "discontinued", "other")]


def test_prescription_starting_on_the_data_cut_counts() -> None:
    assert courses(Patient("p1", [("adalimumab", 2000, 2100)])) == [
        ("adalimumab", 2000, 2000, "ongoing", None)
    ]


def test_death_within_permissible_gap_after_the_end_censors_the_course_at_death() -> None:
    within = Patient("p1", [("tofacitinib", 0, 410, "adverse_event")], death=500)
    before = Patient("p2", [("tofacitinib", 0, 409, "adverse_event")], death=500)
    assert courses(within, before) == [
        ("tofacitinib", 0, 410, "censored_death", None),
        ("tofacitinib", 0, 409, "discontinued", "adverse_event"),
    ]


def test_open_course_of_a_patient_who_died_ends_at_death_and_is_censored_there() -> None:
    """Death comes before ongoing: the patient died 10 days before the data cut."""
    patient = Patient("p1", [("tofacitinib", 1000, None)], death=1990)
    assert courses(patient) == [("tofacitinib", 1000, 1990, "censored_death", None)]


def test_prescription_starting_after_death_is_left_out() -> None:
    history = [("tofacitinib", 0, 100, "adverse_event"), ("adalimumab", 400, 500)]
    assert courses(Patient("p1", history, death=300)) == [
        ("tofacitinib", 0, 100, "discontinued", "adverse_event")
    ]


def test_death_recorded_after_the_data_cut_is_ignored() -> None:
    patient = Patient("p1", [("tofacitinib", 1000, None)], death=2050)
    assert courses(patient) == [("tofacitinib", 1000, 2000, "ongoing", None)]


def test_end_before_its_own_start_is_read_as_the_start_day() -> None:
    history = [("tofacitinib", 100, 50, "adverse_event")]
    assert courses(Patient("p1", history)) == [
        ("tofacitinib", 100, 100, "discontinued", "adverse_event")
    ]


def test_stop_reason_is_that_of_the_prescription_ending_last() -> None:
    history = [("tofacitinib", 0, 300, "adverse_event"), ("tofacitinib", 100, 200, "other")]
    assert courses(Patient("p1", history)) == [
        ("tofacitinib", 0, 300, "discontinued", "adverse_event")
    ]


def test_on_the_same_end_day_a_recorded_stop_reason_beats_unknown() -> None:
    recorded_first = Patient(
        "p1", [("tofacitinib", 0, 300, "remission"), ("tofacitinib", 100, 300)]
    )
    recorded_last = Patient("p2", [("tofacitinib", 0, 300), ("tofacitinib", 100, 300, "remission")])
    assert [c[4] for c in courses(recorded_first, recorded_last)] == ["remission", "remission"]


def test_on_the_same_end_day_the_prescription_started_last_gives_the_reason() -> None:
    history = [("tofacitinib", 0, 300, "adverse_event"), ("tofacitinib", 100, 300, "remission")]
    assert [c[4] for c in courses(Patient("p1", history))] == ["remission"]


def test_csdmards_and_glucocorticoids_are_never_courses() -> None:
    history = [("methotrexate", 0, None), ("prednisone", 0, 60), ("sulfasalazine", 100, 400)]
    assert courses(Patient("p1", history)) == []


def test_line_number_orders_courses_by_start_then_longer_course_first() -> None:
    history = [
        ("adalimumab", 0, 100, "inefficacy_secondary"),
        ("tofacitinib", 300, 400, "adverse_event"),
        ("baricitinib", 300, 600, "adverse_event"),
    ]
    con = build(Patient("p1", history))
    sql = "select ingredient, line_number from marts.advanced_therapy_courses order by line_number"
    assert rows(con, sql) == [("adalimumab", 1), ("baricitinib", 2), ("tofacitinib", 3)]
