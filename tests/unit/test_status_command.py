"""`jakreg status`: last runs, the published version and each center's freshness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from jakreg.cli import main
from jakreg.layout import RegistryLayout
from tasks.registry.publish import publish
from tasks.run_log import record_end, record_start


def test_status_shows_runs_versions_and_days_since_each_centers_extract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = RegistryLayout.for_database(tmp_path / "registry.duckdb")
    with duckdb.connect(str(layout.building)) as con:
        con.execute("create schema meta")
        con.execute("create table meta.run as select 'aaaaaaaa-1' as run_id")
    version = publish(layout.building, layout, "aaaaaaaa-1", keep=3)
    ten_days_ago = (datetime.now(UTC).date() - timedelta(days=10)).isoformat()
    record_start(layout.run_log, "aaaaaaaa-1")
    record_end(
        layout.run_log,
        "aaaaaaaa-1",
        "Failed",
        "1 of 2 centers not refreshed: sagunto (left out)",
        version.name,
        {
            "valencia": {
                "load": "unchanged",
                "extract_date": ten_days_ago,
                "in_registry": ten_days_ago,
                "quality": "passed",
            },
            "sagunto": {
                "load": "failed",
                "extract_date": None,
                "in_registry": None,
                "quality": "not validated",
                "seconds": 0.5,
            },
            "leiden": {
                "kind": "aggregates",
                "load": "bundle refused",
                "extract_date": "2026-11-20",
                "in_registry": ten_days_ago,
                "quality": "failed",
                "seconds": None,
            },
        },
        {"stage-centers": 2.5, "quality-gate": 4.0},
    )
    record_start(layout.run_log, "bbbbbbbb-2")

    assert main(["status", "--db", str(layout.database)]) == 0

    out = capsys.readouterr().out
    assert "lock: free" in out
    assert f"  kept {version.name}  <- published" in out
    assert "run bbbbbbbb-2  did not finish" in out
    assert "run aaaaaaaa-1  Failed after " in out
    assert " s: 1 of 2 centers not refreshed: sagunto (left out)" in out
    assert "stage-centers 2.5 s" in out and "quality-gate 4.0 s" in out
    assert f"valencia: extract {ten_days_ago} in the registry (10 days old)" in out
    assert (
        "sagunto: not in the registry; newest extract none found: could not be read in 0.5 s, "
        "not validated" in out
    )
    assert "quality" not in out.split("sagunto:")[1].splitlines()[0]
    assert (
        f"leiden: bundle {ten_days_ago} in the registry (10 days old); newest bundle 2026-11-20: "
        "bundle refused, quality failed" in out
    )


def test_after_a_rollback_status_shows_the_extracts_of_the_restored_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = RegistryLayout.for_database(tmp_path / "registry.duckdb")
    for run_id, extract in (("aaaaaaaa-1", "2026-10-01"), ("bbbbbbbb-2", "2026-11-01")):
        with duckdb.connect(str(layout.building)) as con:
            con.execute("create schema meta")
            con.execute("create table meta.run as select $r as run_id", {"r": run_id})
        version = publish(layout.building, layout, run_id, keep=3)
        record_start(layout.run_log, run_id)
        centers = {
            "valencia": {
                "load": "loaded",
                "extract_date": extract,
                "in_registry": extract,
                "quality": "passed",
            }
        }
        record_end(layout.run_log, run_id, "Completed", None, version.name, centers)

    assert main(["rollback", "--db", str(layout.database)]) == 0
    assert main(["status", "--db", str(layout.database)]) == 0

    out = capsys.readouterr().out
    assert "centers (as of run aaaaaaaa-1, which built the published registry)" in out
    assert "valencia: extract 2026-10-01 in the registry" in out
    assert "2026-11-01 in the registry" not in out
