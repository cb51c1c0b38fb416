"""Assembles the registry database from each center's staged and built Parquet; publishing is
one atomic rename.

The centers' model tables are built apart (tasks/build_center.py); the registry holds every
center's staging, intermediate and mart tables side by side. It is built into a new file next to
the published one and renamed over it only after the marts passed the quality gate: readers of
the published database never see a half-built or failing state, and a crash or a failed gate
leaves only a stale `.building` file behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from prefect import task

from jakreg.config import Protocol
from jakreg.faults import fault_point
from jakreg.layout import RegistryLayout
from jakreg.settings import DuckDBSettings
from tasks import database as db
from tasks.build_center import CenterBuild, mart_rows, mart_tables
from tasks.extract.stage_center import STAGED_TABLES
from tasks.publish import Version, publish


@dataclass(frozen=True)
class RegistryBuild:
    database: Path
    building: Path
    row_counts: dict[str, int]

    @property
    def mart_rows(self) -> dict[str, int]:
        return mart_rows(self.row_counts)


@task(name="build-registry")
def build_registry(
    database: Path,
    builds: list[CenterBuild],
    protocol: Protocol,
    settings: DuckDBSettings,
    run_id: str,
    inputs_digest: str,
    decisions: dict[str, dict[str, Any]],
) -> RegistryBuild:
    """Loads every center's staged Parquet and built model tables into `<database>.building`;
    `publish_registry` renames it into place.

    `meta.run` records the run, the protocol, the extracts, the digest of the build's inputs and
    the gate's decision per center (`decisions`), so a later run with the same inputs can stand
    on this one (tasks/registry_inputs.py)."""
    building = database.with_name(database.name + ".building")
    building.unlink(missing_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    staged = [build.staged for build in builds]
    with settings.connect(str(building), alone=True) as con:
        db.run(con, "create schema staging")
        for table in STAGED_TABLES:
            _load_parquet(con, f"staging.{table}", [extract.parquet(table) for extract in staged])
        fault_point("model")
        db.run(con, "create schema marts")
        counts = {}
        for table in mart_tables():
            _load_parquet(con, table, [build.parquet(table) for build in builds])
            counts[table] = sum(build.row_counts[table] for build in builds)
        db.run(con, "create schema meta")
        db.run(
            con,
            "create table meta.run as select $run_id as run_id, now() as built_at, "
            "$protocol::json as protocol, $extracts::json as extracts, "
            "$inputs_digest as inputs_digest, $centers::json as centers, "
            "$mart_rows::json as mart_rows",
            {
                "run_id": run_id,
                "protocol": json.dumps(protocol.as_dict()),
                "extracts": json.dumps({e.center_id: e.extract_date for e in staged}),
                "inputs_digest": inputs_digest,
                "centers": json.dumps(decisions),
                "mart_rows": json.dumps(mart_rows(counts)),
            },
        )
        db.run(con, "checkpoint")
    return RegistryBuild(database, building, counts)


def _load_parquet(con: duckdb.DuckDBPyConnection, table: str, files: list[Path]) -> None:
    db.run(
        con,
        f"create table {table} as select * from read_parquet($files, union_by_name = true)",
        {"files": [str(file) for file in files]},
    )


@task(name="publish-registry")
def publish_registry(
    build: RegistryBuild, layout: RegistryLayout, run_id: str, keep_versions: int
) -> Version:
    """Archives the audited registry as a version and renames it over the published one."""
    return publish(build.building, layout, run_id, keep_versions)
