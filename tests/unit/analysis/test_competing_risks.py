"""Cumulative incidence of stopping the next treatment for failure, other reasons and death, from
hand-built histories through the marts (docs/protocol.md#competing-risks)."""

from __future__ import annotations

import polars as pl
import pytest

from jakreg.config import Protocol
from tasks.analysis.competing_risks import competing_risks_table
from tasks.analysis.inputs import read_inputs
from tasks.analysis.study_relations import COMPETING_RISKS
from tasks.analysis.tables import protect_tables
from tests.unit.histories import Patient, build

FAILED = ("tofacitinib", 0, 100, "adverse_event")


def _switching_rows() -> pl.DataFrame:
    """Six failures, each followed by adalimumab from day 110 (retention counted from there)."""
    con = build(
        Patient("p1", [FAILED, ("adalimumab", 110, 210, "inefficacy_secondary")]),  # failure 100
        Patient("p2", [FAILED, ("adalimumab", 110, 210, "remission")]),  # other stop at 100
        Patient("p3", [FAILED, ("adalimumab", 110, 310, "adverse_event")]),  # failure at 200
        Patient("p4", [FAILED, ("adalimumab", 110, None)], death=260),  # death at 150
        Patient("p5", [FAILED, ("adalimumab", 110, None)]),  # censored at the data cut
        Patient("p6", [FAILED, ("adalimumab", 110, 410, "inefficacy_primary")]),  # failure 300
    )
    return read_inputs(con, "r", "b").next_treatments


def _incidence(table: pl.DataFrame, cause: str, month: int) -> float | None:
    row = table.filter(
        (pl.col("scope") == "pooled")
        & (pl.col("strategy") == "switching")
        & (pl.col("cause") == cause)
    )
    return row[f"m{month}_incidence"][0]


def test_cumulative_incidences_match_the_hand_computed_aalen_johansen() -> None:
    table = competing_risks_table(_switching_rows(), Protocol())

    # Day 100: 6 at risk, a failure and a remission (tied). Day 150: 4 at risk, a death.
    # Day 200: 3 at risk, S = 1/2, a failure. Day 300: 2 at risk, S = 1/3, a failure.
    assert _incidence(table, "failure", 3) == 0.0
    assert _incidence(table, "failure", 6) == pytest.approx(1 / 6, abs=1e-4)
    assert _incidence(table, "other_stop", 6) == pytest.approx(1 / 6, abs=1e-4)
    assert _incidence(table, "death", 6) == pytest.approx(1 / 6, abs=1e-4)
    assert _incidence(table, "failure", 9) == pytest.approx(2 / 6, abs=1e-4)
    assert _incidence(table, "failure", 12) == pytest.approx(3 / 6, abs=1e-4)
    failure = table.filter((pl.col("strategy") == "switching") & (pl.col("cause") == "failure"))
    assert failure["events"].to_list() == [3, 3]  # pooled and center c1


def test_unknown_stop_reason_is_a_failure_only_when_the_protocol_says_so() -> None:
    con = build(Patient("p1", [FAILED, ("adalimumab", 110, 210)]))
    rows = read_inputs(con, "r", "b").next_treatments
    without_unknown = Protocol(failure_reasons=("adverse_event", "inefficacy_secondary"))

    def events(protocol: Protocol) -> dict[str, int]:
        table = competing_risks_table(rows, protocol).filter(pl.col("scope") == "pooled")
        switching = table.filter(pl.col("strategy") == "switching")
        return dict(zip(switching["cause"], switching["events"], strict=True))

    assert events(Protocol()) == {"failure": 1, "other_stop": 0, "death": 0}
    assert events(without_unknown) == {"failure": 0, "other_stop": 1, "death": 0}


def test_shared_table_withholds_small_arms_and_incidences_of_few_events() -> None:
    protocol = Protocol()
    exact = competing_risks_table(_switching_rows(), protocol)
    shared = protect_tables({COMPETING_RISKS: exact}, protocol)[COMPETING_RISKS]

    assert _incidence(shared, "failure", 9) is None  # 2 failures by 9 months
    cycling = shared.filter(pl.col("strategy") == "cycling")
    assert cycling["suppressed"].all() and cycling["m9_incidence"].is_null().all()
    assert set(shared["events"].to_list()) <= {"0", "<5"}


def test_no_next_treatment_gives_rows_without_estimates() -> None:
    con = build(Patient("p1", [FAILED]))
    table = competing_risks_table(read_inputs(con, "r", "b").next_treatments, Protocol())
    assert table["n"].to_list() == [0] * 6
    assert table["m9_incidence"].is_null().all()
