"""`jakreg rollback --out`: `latest` follows the restored registry to its run's outputs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jakreg.cli import main
from jakreg.layout import RegistryLayout
from tasks.analysis.run_folder import point_latest
from tasks.registry.publish import publish, published_run_id


def _published_runs(tmp_path: Path, run_ids: list[str]) -> Path:
    """Publishes a stand-in registry per run (only meta.run) and gives each run an output folder
    holding its report; `latest` shows the last run's."""
    layout = RegistryLayout.for_database(tmp_path / "registry.duckdb")
    out = tmp_path / "out"
    for day, run_id in enumerate(run_ids, start=1):
        with duckdb.connect(str(layout.building)) as con:
            con.execute("create schema meta")
            con.execute("create table meta.run as select $run_id as run_id", {"run_id": run_id})
        publish(layout.building, layout, run_id, keep=3)
        folder = out / f"2026-11-{day:02d}T020000-{run_id.split('-')[0]}"
        folder.mkdir(parents=True)
        (folder / "report.html").write_text(f"report of {run_id}", encoding="utf-8")
        point_latest.fn(folder)
    return out


def test_rollback_with_out_points_latest_at_the_restored_versions_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _published_runs(tmp_path, ["aaaaaaaa-1", "bbbbbbbb-2"])

    assert main(["rollback", "--db", str(tmp_path / "registry.duckdb"), "--out", str(out)]) == 0

    assert published_run_id(tmp_path / "registry.duckdb") == "aaaaaaaa-1"
    assert (out / "latest" / "report.html").read_text(encoding="utf-8") == "report of aaaaaaaa-1"
    assert "now shows 2026-11-01T020000-aaaaaaaa, the outputs of run aaaaaaaa" in (
        capsys.readouterr().out
    )


def test_rollback_says_when_the_restored_runs_outputs_are_gone_and_leaves_latest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _published_runs(tmp_path, ["aaaaaaaa-1", "bbbbbbbb-2"])
    (out / "2026-11-01T020000-aaaaaaaa" / "report.html").unlink()
    (out / "2026-11-01T020000-aaaaaaaa").rmdir()

    assert main(["rollback", "--db", str(tmp_path / "registry.duckdb"), "--out", str(out)]) == 0

    assert published_run_id(tmp_path / "registry.duckdb") == "aaaaaaaa-1"
    assert (out / "latest" / "report.html").read_text(encoding="utf-8") == "report of bbbbbbbb-2"
    printed = capsys.readouterr().out
    assert "the outputs of run aaaaaaaa are no longer in" in printed
    assert "still shows 2026-11-02T020000-bbbbbbbb, which is not the restored" in printed


def test_rollback_without_out_leaves_latest_alone(tmp_path: Path) -> None:
    out = _published_runs(tmp_path, ["aaaaaaaa-1", "bbbbbbbb-2"])

    assert main(["rollback", "--db", str(tmp_path / "registry.duckdb")]) == 0

    assert (out / "latest" / "report.html").read_text(encoding="utf-8") == "report of bbbbbbbb-2"


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_status_and_rollback_work_on_a_damaged_registry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    _published_runs(tmp_path, ["aaaaaaaa-1", "bbbbbbbb-2"])
    database = tmp_path / "registry.duckdb"
    content = database.read_bytes()
    database.write_bytes(b"\x00garbage" * 100 if damage == "garbage" else content[:5000])

    assert main(["status", "--db", str(database)]) == 0
    printed = capsys.readouterr().out
    assert "published: DAMAGED:" in printed and "`jakreg rollback` publishes" in printed
    assert printed.count("  kept ") == 2

    assert main(["rollback", "--db", str(database)]) == 0

    assert published_run_id(database) == "bbbbbbbb-2"
    assert "published version" in capsys.readouterr().out


def test_rollback_skips_a_kept_version_that_cannot_be_read(tmp_path: Path) -> None:
    _published_runs(tmp_path, ["aaaaaaaa-1", "bbbbbbbb-2", "cccccccc-3"])
    layout = RegistryLayout.for_database(tmp_path / "registry.duckdb")
    [_, middle, _] = sorted(layout.versions_dir.iterdir())
    middle.write_bytes(b"garbage")

    assert main(["rollback", "--db", str(layout.database)]) == 0

    assert published_run_id(layout.database) == "aaaaaaaa-1"
    assert main(["rollback", "--db", str(layout.database), "--to", middle.stem]) == 3
