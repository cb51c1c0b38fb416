"""Builds the registry database from staged extracts; publishing is one atomic rename.

The registry is built into a new file next to the published one and renamed over it only after
the marts passed the quality gate: readers of the published database never see a half-built or
failing state, and a crash or a failed gate leaves only a stale `.building` file behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import task

from jakreg.config import Protocol
from jakreg.faults import fault_point
from jakreg.layout import RegistryLayout
from jakreg.settings import DuckDBSettings
from tasks import database as db
from tasks import sql_models
from tasks.extract.stage_center import STAGED_TABLES, StagedExtract
from tasks.publish import Version, publish

REGISTRY_LAYERS = ("intermediate", "marts")


@dataclass(frozen=True)
class RegistryBuild:
    database: Path
    building: Path
    row_counts: dict[str, int]

    @property
    def mart_rows(self) -> dict[str, int]:
        return mart_rows(self.row_counts)


def mart_rows(row_counts: dict[str, int]) -> dict[str, int]:
    """The row counts of the marts, the registry's public tables."""
    return {table: n for table, n in row_counts.items() if table.startswith("marts.")}


@task(name="build-registry")
def build_registry(
    database: Path,
    staged: list[StagedExtract],
    protocol: Protocol,
    settings: DuckDBSettings,
    run_id: str,
    inputs_digest: str,
    decisions: dict[str, dict[str, Any]],
) -> RegistryBuild:
    """Loads every center's staged Parquet and runs the intermediate and mart models into
    `<database>.building`; `publish_registry` renames it into place.

    `meta.run` records the run, the protocol, the extracts, the digest of the build's inputs and
    the gate's decision per center (`decisions`), so a later run with the same inputs can stand
    on this one (tasks/registry_inputs.py)."""
    building = database.with_name(database.name + ".building")
    building.unlink(missing_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    with settings.connect(str(building), alone=True) as con:
        db.run(con, "create schema staging")
        for table in STAGED_TABLES:
            db.run(
                con,
                f"create table staging.{table} as "
                "select * from read_parquet($files, union_by_name = true)",
                {"files": [str(extract.parquet(table)) for extract in staged]},
            )
        fault_point("model")
        models = sql_models.discover([sql_models.SQL_DIR / layer for layer in REGISTRY_LAYERS])
        counts = sql_models.run_models(con, models, protocol.sql_parameters())
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


@task(name="publish-registry")
def publish_registry(
    build: RegistryBuild, layout: RegistryLayout, run_id: str, keep_versions: int
) -> Version:
    """Archives the audited registry as a version and renames it over the published one."""
    return publish(build.building, layout, run_id, keep_versions)
