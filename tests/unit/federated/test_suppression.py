"""Secondary suppression of a bundle's descriptive table (tasks/federated/suppression.py)."""

from __future__ import annotations

import polars as pl

from tasks.federated.suppression import withhold_recoverable


def table(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [("alpha", *row) for row in rows],
        schema=["scope", "section", "item", "n", "of", "percent"],
        orient="row",
    )


def shown(result: pl.DataFrame, section: str, column: str = "n") -> dict:
    return dict(result.filter(pl.col("section") == section).select("item", column).iter_rows())


def test_one_masked_item_takes_the_smallest_shown_one_with_it():
    result = withhold_recoverable(
        table(
            [
                ("stop_reason", "adverse_event", "100", "130", 76.9),
                ("stop_reason", "remission", "12", "130", 9.2),
                ("stop_reason", "other", "15", "130", 11.5),
                ("stop_reason", "pregnancy", "<5", "130", None),
            ]
        ),
        5,
    )
    assert shown(result, "stop_reason") == {
        "adverse_event": "100",
        "remission": None,
        "other": "15",
        "pregnancy": "<5",
    }
    assert shown(result, "stop_reason", "percent")["remission"] is None


def test_a_section_without_masked_items_is_left_as_it_is():
    rows = table([("sex", "F", "120", "200", 60.0), ("sex", "M", "80", "200", 40.0)])
    assert withhold_recoverable(rows, 5).equals(rows)


def test_a_drug_withheld_among_courses_is_withheld_as_the_denominator_of_its_failures():
    result = withhold_recoverable(
        table(
            [
                ("jaki_courses_by_drug", "tofacitinib", "200", "230", 87.0),
                ("jaki_courses_by_drug", "filgotinib", "27", "230", 11.7),
                ("jaki_courses_by_drug", "peficitinib", "<5", "230", None),
                ("failures_by_drug", "tofacitinib", "150", "200", 75.0),
                ("failures_by_drug", "filgotinib", "20", "27", 74.1),
                ("failures_by_drug", "peficitinib", "<5", "<5", None),
                ("failures_by_drug", "all", "172", "230", 74.8),
            ]
        ),
        5,
    )
    assert shown(result, "jaki_courses_by_drug")["filgotinib"] is None
    assert shown(result, "failures_by_drug", "of")["filgotinib"] is None
    # Failures: one masked drug; filgotinib's 20 is the smallest shown, so it goes too.
    assert shown(result, "failures_by_drug")["filgotinib"] is None
    assert shown(result, "failures_by_drug")["all"] == "172"
