"""Attrition from patients to the Cox model, on hand-built histories through the marts."""

from __future__ import annotations

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.attrition import attrition_table
from tasks.analysis.inputs import read_inputs
from tasks.analysis.study_relations import ATTRITION
from tests.unit.analysis.factories import primary_only
from tests.unit.histories import Patient, build

FAILED = ("tofacitinib", 0, 300, "adverse_event")


def _inputs():
    return read_inputs(
        build(
            Patient("p1", [FAILED, ("adalimumab", 310, None)]),  # switching
            Patient("p2", [FAILED]),  # no next treatment
            Patient("p3", [("baricitinib", 0, None)]),  # ongoing: no failure
            Patient(  # cycling, then switching
                "p4",
                [FAILED, ("baricitinib", 320, 700, "adverse_event"), ("adalimumab", 710, None)],
            ),
            Patient(
                "p5", [FAILED, ("tofacitinib", 450, 700)]
            ),  # retreatment, then failure (unknown)
            Patient("p6", [("adalimumab", 0, None)]),  # no JAK inhibitor
        ),
        "r",
        "b",
    )


def test_attrition_counts_each_step_of_hand_built_histories() -> None:
    table = attrition_table(_inputs())
    pooled = table.filter(pl.col("scope") == "pooled")

    assert dict(zip(pooled["name"], pooled["n"], strict=True)) == {
        "patients": 5,
        "jaki_courses": 7,
        "failures": 6,
        "next_treatments": 4,
        "kaplan_meier": 4,
        "cox": 3,
    }
    assert pooled["excluded"].to_list() == [None, None, 1, 2, 0, 1]
    assert table.filter(pl.col("scope") == "c1")["n"].to_list() == pooled["n"].to_list()


def test_shared_attrition_masks_small_counts_but_not_zero() -> None:
    shared = primary_only({ATTRITION: attrition_table(_inputs())}, Protocol())[
        ATTRITION
    ]  # the primary rule
    pooled = shared.filter(pl.col("scope") == "pooled")
    assert pooled["n"].to_list() == ["5", "7", "6", "<5", "<5", "<5"]
    assert pooled["excluded"].to_list() == [None, None, "<5", "<5", "0", "<5"]


def test_an_empty_registry_gives_zero_counts() -> None:
    table = attrition_table(read_inputs(build(), "r", "b"))
    assert table["scope"].unique().to_list() == ["pooled"]
    assert table["n"].to_list() == [0] * 6
