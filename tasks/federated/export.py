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
from tasks.analysis.descriptive import descriptive_table
from tasks.analysis.disclosure import mask_count
from tasks.analysis.inputs import AnalysisInputs, load_inputs
from tasks.analysis.table_relations import DESCRIPTIVE
from tasks.analysis.tables import protect_tables
from tasks.federated.aggregates import COMPARED, center_aggregates
from tasks.federated.bundle import write_bundle
from tasks.federated.suppression import withhold_recoverable
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
    descriptive = withhold_recoverable(
        protect_tables({DESCRIPTIVE: descriptive_table(inputs, protocol)}, protocol)[
            DESCRIPTIVE
        ].filter(pl.col("scope") == center_id),
        protocol.min_cell_count,
    )
    return write_bundle(
        Path(out),
        center_id,
        protocol,
        decisions.get(center_id, {}).get("quality", "not validated"),
        center_aggregates(inputs.next_treatments, protocol),
        descriptive,
        attrition(inputs, protocol),
    )


def attrition(inputs: AnalysisInputs, protocol: Protocol) -> pl.DataFrame:
    """How many patients and courses are left after each step, small counts masked."""
    failures = inputs.failures
    steps = [
        (
            "patients with a JAK-inhibitor course",
            int(inputs.jaki_courses["first_of_patient"].sum()),
        ),
        ("JAK-inhibitor courses", len(inputs.jaki_courses)),
        ("JAK-inhibitor failures", len(failures)),
        ("failures with a next treatment (retention rows)", int(failures["has_next"].sum())),
        (
            "next treatments after cycling or switching",
            int(failures["strategy"].is_in(COMPARED).sum()),
        ),
    ]
    return pl.DataFrame(
        {"step": [step for step, _ in steps], "n": _shown_steps([n for _, n in steps], protocol)}
    )


def _shown_steps(counts: list[int], protocol: Protocol) -> list[str | None]:
    """Each step's count as shared: 1 to min_cell_count - 1 masked, and a step withheld (empty)
    when it is that close to the last step shown, which would give the few who left by
    subtraction."""
    small = protocol.min_cell_count
    shown: list[str | None] = []
    last: int | None = None
    for n in counts:
        if last is not None and 1 <= last - n < small:
            shown.append(None)
            continue
        shown.append(mask_count(n, small))
        last = n
    return shown


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
