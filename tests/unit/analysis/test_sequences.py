"""Sequence paths as shared: every shown prefix and every 'ended here' obeys the small-cell rule."""

from __future__ import annotations

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.sankey import sankey_svg
from tasks.analysis.sequences import sequences_table, shown_prefixes
from tasks.analysis.study_relations import SEQUENCES
from tasks.analysis.study_report import drawable
from tasks.analysis.tables import protect_tables

PATHS = (
    [["anti-TNF", "JAKi"]] * 30
    + [["anti-TNF"]] * 12
    + [["JAKi", "anti-IL6"]] * 20
    + [[]] * 15
    + [["anti-TNF", "JAKi + anti-IL6"]] * 7
    + [["CTLA4-Ig"]] * 3
)


def test_small_paths_fold_into_their_parent_and_the_remainder_is_never_small() -> None:
    shown = {p.steps: (p.n, p.ended_here) for p in shown_prefixes(PATHS, min_cell_count=5)}

    assert shown == {
        ("JAKi failure",): (87, 18),  # 15 without a next step + 3 CTLA4-Ig
        ("JAKi failure", "anti-TNF"): (49, 12),
        ("JAKi failure", "anti-TNF", "JAKi"): (30, 30),
        ("JAKi failure", "anti-TNF", "JAKi + anti-IL6"): (7, 7),
        ("JAKi failure", "JAKi"): (20, 0),
        ("JAKi failure", "JAKi", "anti-IL6"): (20, 20),
    }


def test_a_remainder_that_would_be_small_takes_the_smallest_continuation() -> None:
    paths = [["anti-TNF"]] * 10 + [["anti-IL6"]] * 6 + [[]] * 2
    shown = {p.steps: (p.n, p.ended_here) for p in shown_prefixes(paths, min_cell_count=5)}
    assert shown == {("JAKi failure",): (18, 8), ("JAKi failure", "anti-TNF"): (10, 10)}


def test_fewer_failures_than_the_minimum_show_nothing() -> None:
    assert shown_prefixes([["anti-TNF"]] * 4, min_cell_count=5) == []
    empty = pl.DataFrame(schema={"center_id": pl.Utf8, "path": pl.List(pl.Utf8)})
    assert sequences_table(empty, Protocol()).is_empty()
    assert sankey_svg([], "t") == ""


def test_table_is_pooled_only_and_the_sankey_draws_only_shown_prefixes() -> None:
    frame = pl.DataFrame(
        {"center_id": ["a"] * 60 + ["b"] * (len(PATHS) - 60), "path": PATHS},
        schema={"center_id": pl.Utf8, "path": pl.List(pl.Utf8)},
    )
    table = sequences_table(frame, Protocol())
    counts = table["n"].to_list() + [e for e in table["ended_here"].to_list() if e]
    assert min(counts) >= 5
    # per center, a path hidden in one center would be the pooled count minus the others'
    assert table["scope"].unique().to_list() == ["pooled"]

    pooled = table.to_dicts()
    svg = sankey_svg(pooled, "Sequences")
    assert svg.count("<rect") == len(pooled)
    assert svg.count("<path") == len(pooled) - 1
    assert "JAKi failure → anti-TNF → JAKi + anti-IL6: 7 patients" in svg
    assert "CTLA4-Ig" not in svg


def test_the_sankey_draws_the_shared_table_and_skips_a_node_whose_count_is_hidden() -> None:
    frame = pl.DataFrame(
        {"center_id": ["a"] * len(PATHS), "path": PATHS},
        schema={"center_id": pl.Utf8, "path": pl.List(pl.Utf8)},
    )
    shared = protect_tables({SEQUENCES: sequences_table(frame, Protocol())}, Protocol())[SEQUENCES]
    rows = shared.to_dicts()
    masked = [
        {**row, "n": "masked"} if row["path"] == "JAKi failure → JAKi" else row for row in rows
    ]

    assert len(drawable(rows)) == len(rows) and {r["n"] for r in drawable(rows)} >= {87, 7}
    drawn = drawable(masked)
    hidden = ("JAKi failure → JAKi", "JAKi failure → JAKi → anti-IL6")
    assert not {r["path"] for r in drawn} & set(hidden)
    assert sankey_svg(drawn, "Sequences").count("<rect") == len(rows) - 2
