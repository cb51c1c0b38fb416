"""The expected marts for a simulated patient, read off its generated course sequence.

Courses are generated in strictly increasing start order with no ambiguous readings (see
`cohort`), so the next treatment after a failure is simply the following course when it starts
within the window, a course's line number is its position and its prior lines the courses before.
"""

from __future__ import annotations

from datetime import date

from jakreg.config import Protocol
from jakreg.simulate.cohort import Course, Patient

ADVANCED_COURSE_COLUMNS = (
    "center_id",
    "local_id",
    "ingredient",
    "target_class",
    "start_date",
    "end_date",
    "status",
    "n_prescriptions",
    "line_number",
)
JAKI_COURSE_COLUMNS = (
    "center_id",
    "local_id",
    "jaki",
    "start_date",
    "end_date",
    "status",
    "stop_reason_class",
    "failure",
    "indication",
    "sex",
    "age_at_start",
    "prior_advanced_lines",
)
JAKI_FAILURE_COLUMNS = (
    "center_id",
    "local_id",
    "jaki",
    "failure_date",
    "stop_reason_class",
    "strategy",
    "next_ingredient",
    "next_target_class",
    "next_start_date",
    "days_to_next",
    "retention_days",
    "retention_event",
    "censor_reason",
)


def iso(ordinal: int | None) -> str:
    return "" if ordinal is None else date.fromordinal(ordinal).isoformat()


def advanced_course_rows(patient: Patient, center_id: str) -> list[tuple]:
    return [
        (
            center_id,
            patient.local_id,
            c.ingredient,
            c.target_class,
            iso(c.start),
            iso(c.end),
            c.status,
            len(c.prescriptions),
            line,
        )
        for line, c in enumerate(patient.courses, start=1)
    ]


def jaki_course_rows(patient: Patient, center_id: str, protocol: Protocol) -> list[tuple]:
    return [
        (
            center_id,
            patient.local_id,
            c.ingredient,
            iso(c.start),
            iso(c.end),
            c.status,
            c.stop_reason or "",
            _is_failure(c, protocol),
            patient.indication,
            patient.sex,
            _completed_years(patient.birth, c.start),
            prior,
        )
        for prior, c in enumerate(patient.courses)
        if c.target_class == "JAKi"
    ]


def jaki_failure_rows(
    patient: Patient, center_id: str, cut: int, protocol: Protocol
) -> list[tuple]:
    rows = []
    for index, course in enumerate(patient.courses):
        if course.target_class != "JAKi" or not _is_failure(course, protocol):
            continue
        following = patient.courses[index + 1] if index + 1 < len(patient.courses) else None
        in_window = (
            following is not None
            and following.start <= course.end + protocol.next_treatment_window_days
        )
        head = (center_id, patient.local_id, course.ingredient, iso(course.end), course.stop_reason)
        if not in_window:
            rows.append((*head, "none", "", "", "", "", "", "", ""))
            continue
        days, event, censor = _retention(following, patient, cut)
        rows.append(
            (
                *head,
                _strategy(course, following),
                following.ingredient,
                following.target_class,
                iso(following.start),
                following.start - course.end,
                days,
                event,
                censor,
            )
        )
    return rows


def _completed_years(birth: int, day: int) -> int:
    born, on = date.fromordinal(birth), date.fromordinal(day)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _is_failure(course: Course, protocol: Protocol) -> bool:
    return course.status == "discontinued" and course.stop_reason in protocol.failure_reasons


def _strategy(failed: Course, following: Course) -> str:
    if following.ingredient == failed.ingredient:
        return "retreatment"
    return "cycling" if following.target_class == "JAKi" else "switching"


def _retention(course: Course, patient: Patient, cut: int) -> tuple[int, bool, str]:
    if course.status == "discontinued":
        return course.end - course.start, True, ""
    if course.status == "censored_death":
        return patient.death - course.start, False, "death"
    return cut - course.start, False, "data_cut"
