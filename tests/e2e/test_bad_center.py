"""One center's unreadable extract is reported by the real flow, and the other centers load."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.registry_refresh import registry_refresh
from jakreg.simulate import simulate

pytestmark = pytest.mark.e2e


def test_a_center_with_a_windows_1252_file_is_reported_and_the_others_load(
    tmp_path: Path, prefect_harness
) -> None:
    summary = simulate(
        tmp_path / "cohort",
        patients=300,
        centers=3,
        seed=7,
        dialects=("registry_csv", "es_his_csv", "omop_csv"),
    )
    [tratamientos] = (tmp_path / "cohort" / "landing" / "sagunto").glob("*/tratamientos.csv")
    lines = tratamientos.read_bytes().split(b"\r\n")
    local_id = lines[40].split(b";")[0].decode()
    lines[40] += b" \x93voluntario\x94"  # curly quotes: Windows-1252, not latin-1
    tratamientos.write_bytes(b"\r\n".join(lines))

    state = registry_refresh(
        summary.centers_file, tmp_path / "registry.duckdb", tmp_path / "out", return_state=True
    )

    result = state.result()
    assert state.name == "Partial"
    assert state.message == "1 of 3 centers not refreshed: sagunto (left out)"

    assert sorted(result.staged_centers) == ["madrid", "valencia"]
    assert list(result.failed_centers) == ["sagunto"]
    message = result.failed_centers["sagunto"]
    assert message.startswith("center sagunto, file tratamientos.csv, row 41: the file has")
    assert local_id not in message
    with duckdb.connect(str(result.database), read_only=True) as con:
        centers = con.sql("select distinct center_id from marts.jaki_courses order by 1").fetchall()
    assert centers == [("madrid",), ("valencia",)]
