"""Retention pooled from life tables (tasks/federated/pooled_retention.py), by hand."""

from __future__ import annotations

import math

import polars as pl
import pytest

from jakreg.config import Protocol
from tasks.federated.pooled_retention import pooled_retention

PROTOCOL = Protocol(month_days=10.0, retention_months=(1, 2))


def table(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema=["center_id", "strategy", "start_day", "end_day", "events", "person_days"],
        orient="row",
    )


def test_one_center_one_interval_is_a_constant_hazard():
    lt = table([("a", "cycling", 0.0, 20.0, 5, 100)])
    result = pooled_retention(lt, ["cycling"], PROTOCOL)
    assert result["m1_retention"] == pytest.approx(math.exp(-5 / 100 * 10), abs=1e-4)
    assert result["m2_retention"] == pytest.approx(math.exp(-5 / 100 * 20), abs=1e-4)
    assert result["events"] == 5 and result["centers"] == 1


def test_centers_on_the_same_intervals_pool_events_over_person_time():
    lt = table(
        [
            ("a", "cycling", 0.0, 10.0, 5, 100),
            ("b", "cycling", 0.0, 10.0, 10, 50),
            ("a", "cycling", 10.0, 20.0, 6, 80),
            ("b", "cycling", 10.0, None, 7, 40),
        ]
    )
    result = pooled_retention(lt, ["cycling"], PROTOCOL)
    first = 15 / 150 * 10
    assert result["m1_retention"] == pytest.approx(math.exp(-first), abs=1e-4)
    # Center b's open interval counts with the width up to month 2, like a's closed one.
    assert result["m2_retention"] == pytest.approx(math.exp(-first - 13 / 120 * 10), abs=1e-4)


def test_a_coarser_center_is_weighted_by_its_mean_number_at_risk():
    # a: 20 courses at risk on average over 0-20 (400 person-days), 8 events;
    # b: 10 at risk over 0-10 with 2 events, and 10 over 10-20 with 4 events.
    lt = table(
        [
            ("a", "switching", 0.0, 20.0, 8, 400),
            ("b", "switching", 0.0, 10.0, 2, 100),
            ("b", "switching", 10.0, 20.0, 4, 100),
        ]
    )
    result = pooled_retention(lt, ["switching"], PROTOCOL)
    first = (8 / 20 + 2 / 10) / (400 / 20 + 100 / 10) * 10
    second = (8 / 20 + 4 / 10) / (400 / 20 + 100 / 10) * 10
    assert result["m1_retention"] == pytest.approx(math.exp(-first), abs=1e-4)
    assert result["m2_retention"] == pytest.approx(math.exp(-first - second), abs=1e-4)
    assert result["m2_ci95_low"] < result["m2_retention"] < result["m2_ci95_high"]


def test_only_the_named_strategies_are_pooled():
    lt = table([("a", "cycling", 0.0, 20.0, 5, 100), ("a", "switching", 0.0, 20.0, 9, 100)])
    both = pooled_retention(lt, ["cycling", "switching"], PROTOCOL)
    assert both["m1_retention"] == pytest.approx(math.exp(-14 / 200 * 10), abs=1e-4)
