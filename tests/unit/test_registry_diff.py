"""The night-to-night diff on hand-built registries: rows added, removed and changed per center
and mart, extracts and findings, estimates against the earlier CI, small counts masked."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from tasks.registry.build_center import mart_tables
from tasks.registry.diff import Estimate, EstimateChange, RegistryDiff, compare_rows


def _registry(path: Path, rows: list[tuple], extracts: dict, centers: dict) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create schema meta")
        for mart in mart_tables():
            con.execute(f"create table {mart} (row_id varchar, center_id varchar, value int)")
        con.executemany("insert into marts.jaki_courses values (?, ?, ?)", rows)
        con.execute(
            "create table meta.run as select ?::json as extracts, ?::json as centers",
            [json.dumps(extracts), json.dumps(centers)],
        )
    return path


def test_rows_extracts_and_findings_that_changed_are_counted_per_center(tmp_path: Path) -> None:
    old = _registry(
        tmp_path / "old.duckdb",
        [("a", "valencia", 1), ("b", "valencia", 2), ("c", "valencia", 3), ("m", "madrid", 1)],
        {"valencia": "2026-11-01", "madrid": "2026-10-18"},
        {"valencia": {"findings": ["[warning] raw: dates", "[warning] raw: drugs"]}},
    )
    new = _registry(
        tmp_path / "new.duckdb",
        [("a", "valencia", 1), ("b", "valencia", 20), ("d", "valencia", 4), ("m", "madrid", 1)],
        {"valencia": "2026-11-08", "madrid": "2026-10-18"},
        {"valencia": {"findings": ["[warning] raw: drugs", "[error] raw: rows"]}},
    )

    diff = compare_rows(old, new)

    changed = [m for m in diff.marts if m.added or m.removed or m.changed]
    assert [(m.center, m.mart, m.added, m.removed, m.changed) for m in changed] == [
        ("valencia", "marts.jaki_courses", 1, 1, 1)
    ]
    assert diff.extracts == {"valencia": ("2026-11-01", "2026-11-08")}
    assert diff.new_findings == {"valencia": ["[error] raw: rows"]}
    assert diff.resolved_findings == {"valencia": ["[warning] raw: dates"]}
    lines = diff.lines(min_cell_count=5)
    assert "  center valencia, marts.jaki_courses: <5 added, <5 removed, <5 changed" in lines
    assert "  center valencia: extract 2026-11-01 -> 2026-11-08" in lines
    assert not any("madrid" in line for line in lines)


def test_a_first_registry_counts_every_row_as_added(tmp_path: Path) -> None:
    new = _registry(
        tmp_path / "new.duckdb", [(str(i), "valencia", i) for i in range(7)], {"valencia": "x"}, {}
    )
    lines = compare_rows(None, new).lines(min_cell_count=5)
    assert lines[0] == "Changes from nothing published to new.duckdb:"
    assert "  center valencia, marts.jaki_courses: 7 added, 0 removed, 0 changed" in lines


def test_an_estimate_outside_the_earlier_ci_is_called_beyond_it() -> None:
    before = Estimate(0.53, 0.485, 0.573)
    moved = EstimateChange("cycling", before, Estimate(0.61, 0.56, 0.65))
    steady = EstimateChange("switching", before, Estimate(0.55, 0.50, 0.60))
    withheld = EstimateChange("retreatment", before, None)

    lines = RegistryDiff("a", "b", estimates=[moved, steady, withheld]).lines(5)

    assert moved.beyond_ci and not steady.beyond_ci and not withheld.beyond_ci
    assert (
        "  cycling: 9-month retention 53.0% -> 61.0%, BEYOND the earlier 95% CI (48.5–57.3%)"
        in (lines)
    )
    assert (
        "  switching: 9-month retention 53.0% -> 55.0%, within the earlier 95% CI (48.5–57.3%)"
        in (lines)
    )
    assert "  retreatment: 9-month retention 53.0% -> withheld" in lines
