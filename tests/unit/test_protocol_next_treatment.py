"""What follows a JAK-inhibitor failure: next treatment, strategy and retention
(docs/protocol.md#next-treatment, #strategy, #retention).

Defaults: next_treatment_window_days 180; the data cut is day 2000 (tests.unit.histories).
"""

from __future__ import annotations

from tests.unit.histories import Patient, build, rows

NEXT = (
    "select jaki, failure_date, strategy, next_ingredient, next_target_class, next_start_date, "
    "days_to_next from marts.jaki_failures order by patient_key, failure_date"
)
RETENTION = (
    "select strategy, retention_days, retention_event, censor_reason "
    "from marts.jaki_failures order by patient_key, failure_date"
)


def test_failure_followed_only_by_methotrexate_has_strategy_none() -> None:
    history = [("tofacitinib", 0, 300, "adverse_event"), ("methotrexate", 310, None)]
    con = build(Patient("p1", history))
    assert rows(con, NEXT) == [("tofacitinib", 300, "none", None, None, None, None)]
    assert rows(con, RETENTION) == [("none", None, None, None)]


def test_next_treatment_on_day_180_after_the_end_is_in_the_window() -> None:
    history = [("tofacitinib", 0, 300, "adverse_event"), ("adalimumab", 480, None)]
    assert rows(build(Patient("p1", history)), NEXT) == [
        ("tofacitinib", 300, "switching", "adalimumab", "anti-TNF", 480, 180)
    ]


def test_next_treatment_on_day_181_after_the_end_is_outside_the_window() -> None:
    history = [("tofacitinib", 0, 300, "adverse_event"), ("adalimumab", 481, None)]
    assert rows(build(Patient("p1", history)), NEXT) == [
        ("tofacitinib", 300, "none", None, None, None, None)
    ]


def test_bridging_jak_inhibitor_started_before_the_end_is_cycling() -> None:
    history = [
        ("tofacitinib", 0, 300, "inefficacy_secondary"),
        ("baricitinib", 280, 700, "remission"),
    ]
    con = build(Patient("p1", history))
    assert rows(con, NEXT) == [("tofacitinib", 300, "cycling", "baricitinib", "JAKi", 280, -20)]
    assert rows(con, RETENTION) == [("cycling", 420, True, None)]


def test_same_day_switch_is_switching_and_keeps_the_class() -> None:
    history = [("upadacitinib", 0, 300, "adverse_event"), ("tocilizumab", 300, None)]
    con = build(Patient("p1", history))
    assert rows(con, NEXT) == [
        ("upadacitinib", 300, "switching", "tocilizumab", "anti-IL6", 300, 0)
    ]
    assert rows(con, RETENTION) == [("switching", 1700, False, "data_cut")]


def test_same_jak_inhibitor_restarted_after_a_long_gap_is_retreatment() -> None:
    history = [
        ("tofacitinib", 0, 300, "inefficacy_secondary"),
        ("tofacitinib", 400, 800, "remission"),
    ]
    con = build(Patient("p1", history))
    assert rows(con, NEXT) == [("tofacitinib", 300, "retreatment", "tofacitinib", "JAKi", 400, 100)]
    assert rows(con, RETENTION) == [("retreatment", 400, True, None)]


def test_jaki_then_jaki_then_anti_tnf_gives_two_failures_each_with_its_next() -> None:
    history = [
        ("tofacitinib", 0, 300, "inefficacy_primary"),
        ("baricitinib", 320, 700, "adverse_event"),
        ("adalimumab", 710, None),
    ]
    con = build(Patient("p1", history))
    assert rows(con, NEXT) == [
        ("tofacitinib", 300, "cycling", "baricitinib", "JAKi", 320, 20),
        ("baricitinib", 700, "switching", "adalimumab", "anti-TNF", 710, 10),
    ]
    assert rows(con, RETENTION) == [
        ("cycling", 380, True, None),
        ("switching", 1290, False, "data_cut"),
    ]


def test_death_during_the_next_treatment_censors_its_retention_at_death() -> None:
    history = [("tofacitinib", 0, 300, "adverse_event"), ("adalimumab", 350, None)]
    con = build(Patient("p1", history, death=800))
    assert rows(con, RETENTION) == [("switching", 450, False, "death")]


def test_same_day_candidates_the_longer_course_is_next() -> None:
    history = [
        ("tofacitinib", 0, 300, "adverse_event"),
        ("adalimumab", 320, 400, "other"),
        ("etanercept", 320, 900, "other"),
    ]
    assert [r[3] for r in rows(build(Patient("p1", history)), NEXT)] == ["etanercept"]


def test_same_day_candidates_of_equal_length_the_first_ingredient_alphabetically_is_next() -> None:
    history = [
        ("tofacitinib", 0, 300, "adverse_event"),
        ("etanercept", 320, 500, "other"),
        ("adalimumab", 320, 500, "other"),
    ]
    assert [r[3] for r in rows(build(Patient("p1", history)), NEXT)] == ["adalimumab"]


def test_course_started_before_the_failed_course_is_not_its_next_treatment() -> None:
    history = [("adalimumab", 0, None), ("tofacitinib", 100, 300, "adverse_event")]
    assert [r[2] for r in rows(build(Patient("p1", history)), NEXT)] == ["none"]


def test_course_started_on_the_same_day_as_the_failed_course_is_not_its_next_treatment() -> None:
    history = [("adalimumab", 0, None), ("tofacitinib", 0, 300, "adverse_event")]
    assert [r[2] for r in rows(build(Patient("p1", history)), NEXT)] == ["none"]


def test_course_started_and_ended_during_the_failed_course_is_its_next_treatment() -> None:
    history = [("tofacitinib", 0, 300, "adverse_event"), ("etanercept", 100, 150, "other")]
    con = build(Patient("p1", history))
    assert rows(con, NEXT) == [
        ("tofacitinib", 300, "switching", "etanercept", "anti-TNF", 100, -200)
    ]
    assert rows(con, RETENTION) == [("switching", 50, True, None)]


def test_first_course_in_the_window_is_next_not_a_later_one() -> None:
    history = [
        ("tofacitinib", 0, 300, "adverse_event"),
        ("etanercept", 350, 400, "adverse_event"),
        ("baricitinib", 420, None),
    ]
    con = build(Patient("p1", history))
    assert [r[3] for r in rows(con, NEXT)] == ["etanercept"]
    assert rows(con, RETENTION) == [("switching", 50, True, None)]
