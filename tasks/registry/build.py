"""Assembles the registry database from each center's staged extract and built marts; publishing
is one atomic rename.

Each center's marts are built apart (tasks/registry/build_center.py); the registry holds every
center's staging tables and marts side by side, and `meta.run`. The intermediate models' tables
are not kept: they are steps of a center's build, and storing them would double what the
registry costs to write. `meta.run.builds` records each center's build digest, so the next run
starts from a copy of the published registry and replaces only the rows of centers whose digest
changed (or that left): a run in which one center sent a new extract writes that center's rows only.

The registry is built into a new file next to the published one and renamed over it only after
the marts passed the quality gate: readers of the published database never see a half-built or
failing state, and a crash or a failed gate leaves only a stale `.building` file behind.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from prefect import task

from jakreg import vocabulary
from jakreg.config import Protocol
from jakreg.faults import fault_point
from jakreg.layout import RegistryLayout
from jakreg.settings import DuckDBSettings
from tasks.extract.stage_center import STAGED_TABLES, StagedExtract
from tasks.registry import database as db
from tasks.registry.build_center import CenterBuild, mart_rows, mart_tables
from tasks.registry.inputs import code_digest, read_published_run
from tasks.registry.publish import Version, publish


@dataclass(frozen=True)
class RegistryBuild:
    database: Path
    building: Path
    row_counts: dict[str, int]
    # Centers whose rows were kept from the published registry rather than loaded again.
    reused_centers: tuple[str, ...] = ()

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
    """Loads the centers' staged tables and built marts into `<database>.building`, keeping the
    published registry's rows of centers whose build is unchanged; `publish_registry` renames it
    into place.

    `meta.run` records the run, the protocol, the extracts, the digest of the build's inputs, the
    gate's decision per center (`decisions`), each center's build digest, the rows its extract
    had set aside per file and row rule (`rejected_rows`), how many rows of each center each
    route mapped (concept, term override or source value, `mapping_routes`), the vocabulary
    version and the digest of each center's term overrides, so a later run with the same inputs
    can stand on this one (tasks/registry/inputs.py) and a reader knows how free text was
    classified."""
    building = database.with_name(database.name + ".building")
    building.unlink(missing_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    reused = reusable_centers(database, builds)
    fresh = [build for build in builds if build.staged.center_id not in reused]
    if reused:
        shutil.copyfile(database, building)
    with settings.connect(str(building), alone=True) as con:
        if reused:
            _drop_all_but(con, reused)
        else:
            for schema in ("staging", "marts", "meta"):
                db.run(con, f"create schema {schema}")
        for table in registry_tables():
            files = [_parquet(build, table) for build in fresh]
            if not reused:
                db.run(
                    con,
                    f"create table {table} as "
                    "select * from read_parquet($files, union_by_name = true)",
                    {"files": files},
                )
            elif files:
                db.run(
                    con,
                    f"insert into {table} by name select * from read_parquet($files)",
                    {"files": files},
                )
            fault_point("model")
        counts = {table: sum(b.row_counts[table] for b in builds) for table in mart_tables()}
        staged = [build.staged for build in builds]
        db.run(
            con,
            "create table meta.run as select $run_id as run_id, now() as built_at, "
            "$protocol::json as protocol, $extracts::json as extracts, "
            "$inputs_digest as inputs_digest, $centers::json as centers, "
            "$mart_rows::json as mart_rows, $builds::json as builds, "
            "$rejected_rows::json as rejected_rows, "
            "$mapping_routes::json as mapping_routes, "
            "$key_fingerprint as key_fingerprint, "
            "$vocabulary_version as vocabulary_version, $term_overrides::json as term_overrides",
            {
                "run_id": run_id,
                "protocol": json.dumps(protocol.as_dict()),
                "extracts": json.dumps({e.center_id: e.extract_date for e in staged}),
                "inputs_digest": inputs_digest,
                "centers": json.dumps(decisions),
                "mart_rows": json.dumps(counts),
                "builds": json.dumps({b.staged.center_id: b.digest for b in builds}),
                "rejected_rows": json.dumps({e.center_id: e.rejected for e in staged}),
                "mapping_routes": json.dumps({e.center_id: e.mapping_routes for e in staged}),
                "key_fingerprint": _key_fingerprint(staged),
                "vocabulary_version": vocabulary.version(),
                "term_overrides": json.dumps(
                    {e.center_id: e.terms_digest for e in staged if e.terms_digest}
                ),
            },
        )
        db.run(con, "checkpoint")
    return RegistryBuild(database, building, counts, tuple(sorted(reused)))


def _key_fingerprint(staged: list[StagedExtract]) -> str:
    """The one key that pseudonymised every center's extract: patient keys made with two keys
    would never match, so such a registry is never built."""
    keys = {extract.key_id for extract in staged}
    if len(keys) != 1:
        raise ValueError(f"staged extracts made with {len(keys)} pseudonymisation keys")
    return keys.pop()


def reusable_centers(database: Path, builds: list[CenterBuild]) -> set[str]:
    """The centers whose rows in the published registry are exactly these builds' rows.

    A build digest covers the staged extract, the key and the code
    (tasks/registry/build_center.py), so an equal digest means equal rows and tables of the same
    shape. Rows are kept only when every center to load was staged by the code in use, so that the
    tables need no new columns."""
    published = read_published_run(database)
    if published is None or any(b.staged.code_digest != code_digest() for b in builds):
        return set()
    return {
        build.staged.center_id
        for build in builds
        if published.builds.get(build.staged.center_id) == build.digest
    }


def registry_tables() -> list[str]:
    """The tables holding center rows: each center's staging tables and marts."""
    return [f"staging.{table}" for table in STAGED_TABLES] + mart_tables()


def _drop_all_but(con: duckdb.DuckDBPyConnection, kept: set[str]) -> None:
    """Leaves in a copy of the published registry only the rows of the `kept` centers."""
    for table in registry_tables():
        db.run(
            con,
            f"delete from {table} where not list_contains($kept, center_id)",
            {"kept": sorted(kept)},
        )
    db.run(con, "drop table meta.run")


def _parquet(build: CenterBuild, table: str) -> str:
    layer, name = table.split(".")
    return str(build.staged.parquet(name) if layer == "staging" else build.parquet(table))


@task(name="publish-registry")
def publish_registry(
    build: RegistryBuild, layout: RegistryLayout, run_id: str, keep_versions: int
) -> Version:
    """Archives the audited registry as a version and renames it over the published one."""
    return publish(build.building, layout, run_id, keep_versions)
