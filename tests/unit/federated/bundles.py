"""Bundles written by the real writer from a generated cohort, for the checks' tests."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.disclosure_attack import recovered
from tasks.analysis.disclosure_control import merge_published
from tasks.analysis.table_relations import run_relations, table_cells
from tasks.federated.aggregates import center_aggregates
from tasks.federated.bundle import MANIFEST, file_digest, write_bundle
from tasks.federated.bundle_relations import bundle_cells, bundle_relations, read_bundle_tables
from tests.unit.federated.cohorts import next_treatments


def make_bundle(folder: Path, center: str = "alpha", protocol: Protocol | None = None) -> Path:
    protocol = protocol or Protocol()
    descriptive = pl.DataFrame(
        {
            "scope": [center] * 3,
            "section": ["sex", "sex", "stop_reason"],
            "item": ["F", "M", "pregnancy"],
            "n": ["140", "60", "<5"],
            "of": ["200", "200", "180"],
        }
    )
    attrition = pl.DataFrame({"step": ["JAK-inhibitor courses"], "n": ["250"]})
    aggregates = center_aggregates(next_treatments(center, 300, seed=5), protocol)
    write_bundle(folder, center, protocol, "passed", aggregates, descriptive, attrition)
    return folder


def attack(folders: list[Path], run: dict[str, pl.DataFrame] | None = None) -> dict:
    """What issue 13's attacker recovers from the bundles in `folders` and the run's shared
    tables `run`, all together."""
    protocol = Protocol()
    parts, relations = [], []
    for folder in folders:
        center, frames = read_bundle_tables(folder)
        cells = bundle_cells(center, protocol)
        parts += [cells[name].read_published(f, 5) for name, f in frames.items()]
        relations += bundle_relations(frames, center, protocol)
    if run:
        cells = table_cells(protocol)
        parts += [cells[name].read_published(f, 5) for name, f in run.items()]
        relations += run_relations(run, protocol)
    return recovered(merge_published(parts), relations)


def edit_cell(folder: Path, file: str, row: int, column: str, value: str, reseal: bool) -> None:
    """Changes one cell (row 1 is the header); `reseal` rewrites the manifest's checksum, as a
    hospital editing its bundle by hand after the export could."""
    with (folder / file).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(column)] = value
    with (folder / file).open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    if reseal:
        manifest = pl.read_csv(folder / MANIFEST)
        manifest = manifest.with_columns(
            pl.when(pl.col("file") == file)
            .then(pl.lit(file_digest(folder / file)))
            .otherwise(pl.col("sha256"))
            .alias("sha256")
        )
        manifest.write_csv(folder / MANIFEST)
