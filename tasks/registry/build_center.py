"""Builds one center's intermediate and mart models into Parquet, reused while its inputs stand.

Every intermediate and mart model works within one patient of one center, so a center's models
run on its staged extract alone: in their own in-memory DuckDB (on a Dask worker too), over views
of the staged Parquet. The tables go to `<work>/built/<center>/` as Parquet with `built.json`,
which records the digest of what they were built from: the staged extract and the key and code
that staged it, the code and protocol that built it. A run with the same digest reuses them, so
a run in which one center sends a new extract builds that center only; the registry is then
assembled from every center's Parquet (tasks/registry/build.py). The folder is written under
`.partial` and renamed into place, so a killed build leaves nothing that looks finished.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
from prefect import task

from jakreg.config import Protocol
from jakreg.faults import fault_point
from jakreg.layout import RegistryLayout
from jakreg.settings import DuckDBSettings
from tasks import sql_models
from tasks.extract.stage_center import STAGED_TABLES, StagedExtract
from tasks.registry import database as db
from tasks.registry.atomic_files import PARTIAL, replace_folder
from tasks.registry.inputs import code_digest, json_digest

REGISTRY_LAYERS = ("intermediate", "marts")
PUBLISHED_LAYER = "marts"
BUILT_RECORD = "built.json"


def registry_models() -> list[sql_models.Model]:
    """The intermediate and mart models."""
    return sql_models.discover([sql_models.SQL_DIR / layer for layer in REGISTRY_LAYERS])


def mart_tables() -> list[str]:
    """The tables a center's build keeps and the registry holds: the marts."""
    return [model.table for model in registry_models() if model.layer == PUBLISHED_LAYER]


@dataclass(frozen=True)
class CenterBuild:
    """One center's mart tables as Parquet files, and the staged extract they were built from."""

    staged: StagedExtract
    folder: Path
    digest: str
    row_counts: dict[str, int]

    def parquet(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"


def build_digest(staged: StagedExtract, protocol: Protocol) -> str:
    """The digest of everything a center's model tables depend on."""
    document = {
        "center": staged.center_id,
        "extract_date": staged.extract_date,
        "extract": staged.extract_digest,
        "key": staged.key_id,
        "staged_by": staged.code_digest,
        "terms": staged.terms_digest,
        "code": code_digest(),
        "protocol": protocol.as_dict(),
    }
    return json_digest(document)


def reusable_build(folder: Path, staged: StagedExtract, digest: str) -> CenterBuild | None:
    """The build in `folder` when it was made from exactly these inputs, else None."""
    try:
        record = json.loads((folder / BUILT_RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if record["digest"] != digest:
        return None
    return CenterBuild(staged, folder, digest, record["row_counts"])


@task(name="build-center", task_run_name="build-{staged.center_id}")
def build_center(
    staged: StagedExtract, protocol: Protocol, layout: RegistryLayout, settings: DuckDBSettings
) -> CenterBuild:
    """Runs the intermediate and mart models on one center's staged extract into Parquet under
    `<work>/built/<center>/`, or reuses the tables there when their inputs are unchanged."""
    target = layout.built_dir / staged.center_id
    digest = build_digest(staged, protocol)
    reused = reusable_build(target, staged, digest)
    if reused:
        return reused
    partial = target.with_name(target.name + PARTIAL)
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with settings.connect() as con:
        _stage_views(con, staged)
        counts = sql_models.run_models(
            con, registry_models(), protocol.sql_parameters(), keep=set(mart_tables())
        )
        for table in mart_tables():
            con.table(table).write_parquet(str(partial / f"{table}.parquet"))
            fault_point("model")
    (partial / BUILT_RECORD).write_text(
        json.dumps({"digest": digest, "row_counts": mart_rows(counts)}, indent=2), encoding="utf-8"
    )
    replace_folder(partial, target)
    return CenterBuild(staged, target, digest, mart_rows(counts))


def mart_rows(row_counts: dict[str, int]) -> dict[str, int]:
    """The row counts of the marts, the registry's public tables."""
    return {table: n for table, n in row_counts.items() if table.startswith(PUBLISHED_LAYER + ".")}


def _stage_views(con: duckdb.DuckDBPyConnection, staged: StagedExtract) -> None:
    """`staging.<table>` views over the center's staged Parquet: the models read each once or
    twice, so copying them into tables first would cost more than it saves."""
    db.run(con, "create schema staging")
    for table in STAGED_TABLES:
        db.create_parquet_view(con, f"staging.{table}", staged.parquet(table))
