"""`jakreg export-aggregates`: a hospital's registry → its aggregate bundle.

The bundle is computed from the published registry with the protocol the registry was built
with (its `meta.run`), so the coordinating center can check that both sides used the same one.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb
import polars as pl

from jakreg.config import Protocol
from jakreg.errors import ConfigError
from tasks.analysis.attrition import attrition_table
from tasks.analysis.descriptive import descriptive_table
from tasks.analysis.inputs import AnalysisInputs, load_inputs
from tasks.analysis.retention import POOLED
from tasks.federated.aggregates import COMPARED, center_aggregates
from tasks.federated.bundle import write_bundle
from tasks.federated.bundle_relations import (
    ATTRITION_STEPS,
    COMPARED_NEXT,
    COURSES,
    FAILURES,
    PATIENTS,
    WITH_NEXT,
    protect_bundle,
)
from tasks.registry import database as db


def export_aggregates(database: Path, out: Path, center_id: str | None = None) -> list[Path]:
    """Writes the bundle of `center_id` (the registry's only center when None) into `out`."""
    if not Path(database).exists():
        raise ConfigError(f"{database}: no registry here; run `jakreg run` first")
    inputs = load_inputs(database)
    with duckdb.connect(str(database), read_only=True) as con:
        [(protocol_json, centers_json)] = db.fetch_all(
            con, "select protocol, centers from meta.run"
        )
    protocol = Protocol.from_dict(json.loads(protocol_json))
    decisions = json.loads(centers_json or "{}")
    center_id = _center(inputs, center_id, database)
    inputs = _only(inputs, center_id)
    aggregates = center_aggregates(inputs.next_treatments, protocol)
    descriptive, steps = protect_bundle(
        center_id,
        descriptive_table(inputs, protocol).filter(pl.col("scope") == center_id),
        attrition(inputs),
        aggregates,
        protocol,
    )
    return write_bundle(
        Path(out),
        center_id,
        protocol,
        decisions.get(center_id, {}).get("quality", "not validated"),
        aggregates,
        descriptive,
        steps,
    )


def attrition(inputs: AnalysisInputs) -> pl.DataFrame:
    """How many patients and courses are left after each step (exact counts): the report's
    attrition steps (tasks/analysis/attrition.py, one counting rule) under the bundle's names, and
    the next treatments the pooled model compares."""
    report_steps = {
        name: n
        for name, n in attrition_table(inputs)
        .filter(pl.col("scope") == POOLED)
        .select("name", "n")
        .iter_rows()
    }
    counts = {
        PATIENTS: report_steps["patients"],
        COURSES: report_steps["jaki_courses"],
        FAILURES: report_steps["failures"],
        WITH_NEXT: report_steps["next_treatments"],
        COMPARED_NEXT: int(inputs.failures["strategy"].is_in(COMPARED).sum()),
    }
    return pl.DataFrame({"step": list(ATTRITION_STEPS), "n": [counts[s] for s in ATTRITION_STEPS]})


def _center(inputs: AnalysisInputs, center_id: str | None, database: Path) -> str:
    centers = sorted(inputs.jaki_courses["center_id"].unique().to_list())
    if center_id is None and len(centers) == 1:
        return centers[0]
    if center_id in centers:
        return center_id
    raise ConfigError(
        f"{database}: holds centers {', '.join(centers) or 'none'}; name the one to export "
        "with --center"
    )


def _only(inputs: AnalysisInputs, center_id: str) -> AnalysisInputs:
    mine = pl.col("center_id") == center_id
    return dataclasses.replace(
        inputs,
        failures=inputs.failures.filter(mine),
        jaki_courses=inputs.jaki_courses.filter(mine),
        data_cuts=inputs.data_cuts.filter(mine),
    )
