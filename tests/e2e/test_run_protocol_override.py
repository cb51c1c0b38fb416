"""`jakreg run --protocol FILE` builds the registry with the file's parameters and records them."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from jakreg.cli import main
from jakreg.config import Protocol
from jakreg.simulate import simulate
from tasks.registry import database

pytestmark = pytest.mark.e2e


def test_run_uses_the_protocol_file_and_records_it_in_meta_run(
    tmp_path: Path, prefect_harness
) -> None:
    summary = simulate(tmp_path / "cohort", patients=150, centers=1, seed=11)
    protocol_file = tmp_path / "protocol.yaml"
    protocol_file.write_text("next_treatment_window_days: 30\npermissible_gap_days: 60\n")
    registry = tmp_path / "registry.duckdb"
    argv = ["run", "--centers", str(summary.centers_file), "--db", str(registry)]
    assert main([*argv, "--out", str(tmp_path / "out"), "--protocol", str(protocol_file)]) == 0
    with duckdb.connect(str(registry), read_only=True) as con:
        recorded = database.fetch_value(con, "select protocol from meta.run")
        days_to_next = database.fetch_all(
            con,
            "select max(days_to_next), count(*) from marts.jaki_failures "
            "where next_course_id is not null",
        )
    expected = Protocol(next_treatment_window_days=30, permissible_gap_days=60)
    assert json.loads(recorded) == expected.as_dict()
    [(longest, linked)] = days_to_next
    assert linked > 0
    assert longest <= 30
