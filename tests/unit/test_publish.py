"""Publishing keeps versions for rollback, and rollback restores one atomically."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jakreg.layout import RegistryLayout
from tasks.registry.publish import (
    NoSuchVersionError,
    kept_versions,
    publish,
    publish_outputs,
    published_run_id,
    registry_key_fingerprint,
    rollback,
)


def _build(layout: RegistryLayout, run_id: str) -> Path:
    """A stand-in for a built registry: only meta.run, which publishing and rollback read."""
    with duckdb.connect(str(layout.building)) as con:
        con.execute("create schema meta")
        con.execute("create table meta.run as select $run_id as run_id", {"run_id": run_id})
    return layout.building


def _publish_runs(layout: RegistryLayout, run_ids: list[str], keep: int) -> None:
    for run_id in run_ids:
        publish(_build(layout, run_id), layout, run_id, keep)


def test_publish_replaces_the_database_and_keeps_the_newest_versions(tmp_path: Path) -> None:
    layout = RegistryLayout.for_database(tmp_path / "registry.duckdb")

    _publish_runs(layout, ["aaaaaaaa-1", "bbbbbbbb-2", "cccccccc-3"], keep=1)

    assert published_run_id(layout.database) == "cccccccc-3"
    assert [v.run_id_prefix for v in kept_versions(layout)] == ["cccccccc", "bbbbbbbb"]
    assert not layout.building.exists()


def test_rollback_restores_the_version_before_the_published_one(tmp_path: Path) -> None:
    layout = RegistryLayout.for_database(tmp_path / "registry.duckdb")
    _publish_runs(layout, ["aaaaaaaa-1", "bbbbbbbb-2", "cccccccc-3"], keep=3)

    assert rollback(layout).run_id_prefix == "bbbbbbbb"
    assert published_run_id(layout.database) == "bbbbbbbb-2"
    assert rollback(layout).run_id_prefix == "aaaaaaaa"
    with pytest.raises(NoSuchVersionError, match="no readable version older"):
        rollback(layout)


def test_rollback_to_a_named_version(tmp_path: Path) -> None:
    layout = RegistryLayout.for_database(tmp_path / "registry.duckdb")
    _publish_runs(layout, ["aaaaaaaa-1", "bbbbbbbb-2"], keep=3)
    oldest = kept_versions(layout)[-1]

    rollback(layout, oldest.name)

    assert published_run_id(layout.database) == "aaaaaaaa-1"
    with pytest.raises(NoSuchVersionError, match="is not kept"):
        rollback(layout, "20000101T000000Z-deadbeef")


def test_publish_outputs_moves_the_run_folder_and_points_latest(tmp_path: Path) -> None:
    building = tmp_path / "out" / ".building" / "2026-11-29T020000-aaaaaaaa"
    building.mkdir(parents=True)
    (building / "report.html").write_text("report", encoding="utf-8")

    published = publish_outputs(building, tmp_path / "out")

    assert (tmp_path / "out" / "latest" / "report.html").read_text(encoding="utf-8") == "report"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [published.name, "latest"]


def test_a_damaged_registry_still_tells_the_key_it_was_built_with(tmp_path: Path) -> None:
    layout = RegistryLayout.for_database(tmp_path / "registry.duckdb")
    for run_id, fingerprint in (("aaaaaaaa-1", "old"), ("bbbbbbbb-2", "new")):
        with duckdb.connect(str(layout.building)) as con:
            con.execute("create schema meta")
            con.execute(
                "create table meta.run as select $r as run_id, $f as key_fingerprint",
                {"r": run_id, "f": fingerprint},
            )
        publish(layout.building, layout, run_id, keep=3)
    assert registry_key_fingerprint(layout) == "new"

    layout.database.write_bytes(b"garbage")

    assert registry_key_fingerprint(layout) == "new"
