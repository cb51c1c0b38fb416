"""The study tables under the attacker, together with the run's other tables: their relations are
true, the attacker uses them, and a small count of each table must not come back by arithmetic."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from jakreg.config import Protocol
from tasks.analysis.comparison import cox_table, logrank_table
from tasks.analysis.descriptive import descriptive_table
from tasks.analysis.inputs import AnalysisInputs
from tasks.analysis.retention import retention_summary
from tasks.analysis.sensitivity import cell_record
from tasks.analysis.study_relations import (
    ATTRITION,
    BASELINE,
    COMPETING_RISKS,
    SENSITIVITY,
    SEQUENCES,
)
from tasks.analysis.study_tables import study_tables
from tasks.analysis.table_relations import (
    COX,
    DESCRIPTIVE,
    LOGRANK,
    RETENTION,
    recovered_from_published,
    run_relations,
    table_cells,
)
from tasks.analysis.tables import protect_tables
from tests.unit.analysis.factories import failure, failures, jaki_course, primary_only

PROTOCOL = Protocol()


def _inputs() -> AnalysisInputs:
    """Two centers. Small cells: 3 switching failures of men in beta (baseline), stops for
    another reason (competing risks), failures without a next treatment (attrition)."""
    rows = []
    for center, switching, cycling, none in (("alpha", 12, 8, 6), ("beta", 9, 6, 3)):
        for i in range(switching):
            remission = "remission" if i % 4 == 0 else None
            rows.append(
                failure(
                    center=center,
                    days=40 * (i + 1),
                    event=i % 3 != 0,
                    age=40 + i,
                    sex="M" if center == "beta" and i < 3 else "F",
                    next_stop_reason=remission,
                )
            )
        for i in range(cycling):
            rows.append(
                failure(
                    center=center,
                    strategy="cycling",
                    next_target="JAKi",
                    days=35 * (i + 1),
                    event=i % 2 == 0,
                    age=50 + i,
                    prior_lines=i % 3,
                )
            )
        rows += [failure(center=center, strategy="none") for _ in range(none)]
    courses = [jaki_course(center=row["center_id"]) for row in rows]
    courses += [jaki_course(center="alpha", failed=False, stop_reason=None)] * 3
    paths = [["anti-TNF"]] * 14 + [["JAKi", "anti-IL6"]] * 9 + [[]] * 6 + [["CTLA4-Ig"]] * 3
    return AnalysisInputs(
        failures=failures(rows),
        jaki_courses=pl.DataFrame(courses),
        data_cuts=pl.DataFrame({"center_id": ["alpha"], "data_cut_date": ["2026-01-31"]}),
        run_id="r",
        built_at="b",
        sequences=pl.DataFrame(
            {"center_id": ["alpha"] * 20 + ["beta"] * 12, "path": paths},
            schema={"center_id": pl.Utf8, "path": pl.List(pl.Utf8)},
        ),
    )


def _exact() -> dict[str, pl.DataFrame]:
    """Every table of a run, exact; the grid has the run's cell and a 90-day window in which
    only 3 failures went on to cycling."""
    inputs = _inputs()
    rows = inputs.failures
    late = (pl.col("strategy") == "cycling") & (pl.col("retention_days") > 70)
    short = rows.with_columns(  # the failures the 90-day window leaves without a next treatment
        pl.when(late).then(pl.lit("none")).otherwise(pl.col("strategy")).alias("strategy"),
        (pl.col("has_next") & ~late).alias("has_next"),
    )
    window_90 = dataclasses.replace(PROTOCOL, next_treatment_window_days=90)
    grid = pl.DataFrame(
        [
            {**cell_record(short, window_90, False), "seconds": 0.1},
            {**cell_record(rows, PROTOCOL, True), "seconds": 0.1},
        ]
    )
    nexts = inputs.next_treatments
    return {
        RETENTION: retention_summary(nexts, PROTOCOL),
        DESCRIPTIVE: descriptive_table(inputs, PROTOCOL),
        LOGRANK: logrank_table(nexts, PROTOCOL),
        COX: cox_table(nexts, PROTOCOL),
        **study_tables(inputs, grid, PROTOCOL).frames(),
    }


def _counts(exact: dict[str, pl.DataFrame]) -> dict:
    cells = table_cells(PROTOCOL)
    return {c: v for name, f in exact.items() for c, v in cells[name].counts_of(f).items()}


def test_every_relation_of_the_study_tables_holds_on_the_exact_tables() -> None:
    """The attacker's facts are true (else it would 'recover' wrong values, or find none)."""
    exact = _exact()
    counts = _counts(exact)
    relations = run_relations(exact, PROTOCOL)

    study = {ATTRITION, SEQUENCES, COMPETING_RISKS, BASELINE, SENSITIVITY}
    assert study <= {cell[0] for relation in relations for cell in relation.cells}
    for relation in relations:
        value = sum(k * counts.get(cell, 0) for cell, k in relation.terms)
        assert relation.lower - 1e-9 <= value <= relation.upper + 1e-9, relation


def test_the_attacker_reads_the_study_tables_relations() -> None:
    """Primary suppression alone: the attacker finds, with their true values, the study cells
    that the relations give back, e.g. attrition's excluded as the step before minus the step."""
    exact = _exact()
    counts = _counts(exact)

    leaked = recovered_from_published(primary_only(exact, PROTOCOL), PROTOCOL)

    assert leaked[(ATTRITION, ("beta", "next_treatments"), "excluded")] == 3
    assert leaked[(BASELINE, ("Sex", "M"), "switching_n")] == 3
    assert leaked[(COMPETING_RISKS, ("beta", "switching", "other_stop"), "events")] == 2
    assert all(counts[cell] == value for cell, value in leaked.items())


@pytest.mark.parametrize(
    "table",
    [
        ATTRITION,
        SEQUENCES,
        COMPETING_RISKS,
        BASELINE,
        SENSITIVITY,
    ],
)
def test_no_small_count_of_a_study_table_comes_back_from_the_shared_tables(table: str) -> None:
    exact = _exact()
    counts = _counts(exact)
    small = [c for c, v in counts.items() if c[0] == table and 1 <= v < PROTOCOL.min_cell_count]
    shared = protect_tables(exact, PROTOCOL)

    leaked = recovered_from_published(shared, PROTOCOL)

    if table != SEQUENCES:
        assert small, "the case must have a small count in the table"
    assert not [cell for cell in leaked if cell[0] == table]


def test_sequences_hide_small_paths_so_no_shown_count_gives_them_back() -> None:
    """3 patients went on to CTLA4-Ig: no row shows them, and every shown prefix's patients are
    exactly those who ended there and those of its shown children, so no difference is left."""
    shared = protect_tables(_exact(), PROTOCOL)[SEQUENCES]

    assert not shared["path"].str.contains("CTLA4-Ig").any()
    root = shared.filter(pl.col("depth") == 0).row(0, named=True)
    children = shared.filter(pl.col("depth") == 1)
    assert int(root["n"]) == int(root["ended_here"]) + sum(int(n) for n in children["n"])
    assert int(root["ended_here"]) == 6 + 3  # no next step, and the hidden CTLA4-Ig path
