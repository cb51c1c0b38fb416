"""The registry is assembled from each center's staged tables and built marts, keeping the
published registry's rows of the centers whose build is unchanged (tasks/registry/build.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb

from jakreg.config import Protocol
from jakreg.settings import DuckDBSettings
from tasks.extract.stage_center import STAGED_TABLES, StagedExtract
from tasks.registry import database as db
from tasks.registry.build import build_registry, registry_tables
from tasks.registry.build_center import CenterBuild, mart_tables
from tasks.registry.inputs import code_digest


def _center(root: Path, center_id: str, digest: str, rows: int) -> CenterBuild:
    """A center whose every staging table and mart holds `rows` rows tagged with `digest`."""
    folder = root / center_id / digest
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        for table in [*STAGED_TABLES, *mart_tables()]:
            con.sql(
                f"select '{center_id}' as center_id, '{digest}' as built_from, range as n "
                f"from range({rows})"
            ).write_parquet(str(folder / f"{table}.parquet"))
    staged = StagedExtract(
        center_id, "2026-11-01", folder, {}, {}, 0, digest, code_digest=code_digest()
    )
    counts = {table: rows for table in mart_tables()}
    return CenterBuild(staged, folder, digest, counts)


def _publish(database: Path, builds: list[CenterBuild]) -> tuple[str, ...]:
    """Assembles a registry from the builds and puts it in place, as publishing does."""
    build = build_registry.fn(database, builds, Protocol(), DuckDBSettings(), "r", "", {})
    build.building.replace(database)
    return build.reused_centers


def _rows(database: Path) -> dict[str, list[tuple]]:
    """Per table: which center's rows, from which build, how many."""
    sql = "select center_id, built_from, count(*) from {} group by all order by all"
    with duckdb.connect(str(database), read_only=True) as con:
        return {table: db.fetch_all(con, sql.format(table)) for table in registry_tables()}


def test_a_first_registry_holds_every_centers_rows(tmp_path: Path) -> None:
    database = tmp_path / "registry.duckdb"
    builds = [_center(tmp_path, "a", "a1", 2), _center(tmp_path, "b", "b1", 3)]

    assert _publish(database, builds) == ()

    assert _rows(database)["marts.jaki_failures"] == [("a", "a1", 2), ("b", "b1", 3)]
    assert _rows(database)["staging.stg_prescriptions"] == [("a", "a1", 2), ("b", "b1", 3)]


def test_a_changed_center_is_reloaded_and_an_unchanged_one_kept_from_the_published_registry(
    tmp_path: Path,
) -> None:
    database = tmp_path / "registry.duckdb"
    a1 = _center(tmp_path, "a", "a1", 2)
    _publish(database, [a1, _center(tmp_path, "b", "b1", 3)])
    for parquet in a1.folder.glob("*.parquet"):
        parquet.unlink()  # kept rows must come from the published registry, not from a1's files

    reused = _publish(database, [a1, _center(tmp_path, "b", "b2", 4)])

    assert reused == ("a",)
    for table, rows in _rows(database).items():
        assert rows == [("a", "a1", 2), ("b", "b2", 4)], table
    with duckdb.connect(str(database), read_only=True) as con:
        builds = con.sql("select builds from meta.run").fetchall()[0][0]
    assert json.loads(builds) == {"a": a1.digest, "b": "b2"}


def test_a_center_left_out_loses_its_rows(tmp_path: Path) -> None:
    database = tmp_path / "registry.duckdb"
    a1 = _center(tmp_path, "a", "a1", 2)
    _publish(database, [a1, _center(tmp_path, "b", "b1", 3)])

    assert _publish(database, [a1]) == ("a",)

    assert _rows(database)["marts.advanced_therapy_courses"] == [("a", "a1", 2)]
    assert _rows(database)["staging.stg_extract"] == [("a", "a1", 2)]


def test_nothing_is_kept_when_a_center_was_staged_by_other_code(tmp_path: Path) -> None:
    database = tmp_path / "registry.duckdb"
    a1 = _center(tmp_path, "a", "a1", 2)
    _publish(database, [a1, _center(tmp_path, "b", "b1", 3)])
    b2 = _center(tmp_path, "b", "b2", 4)
    older = dataclasses.replace(b2, staged=dataclasses.replace(b2.staged, code_digest="older"))

    assert _publish(database, [a1, older]) == ()

    assert _rows(database)["marts.jaki_courses"] == [("a", "a1", 2), ("b", "b2", 4)]
