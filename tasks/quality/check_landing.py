"""`jakreg validate`: the per-center gate alone, on what is in the landing folders.

Each center's newest extract is staged into a temporary folder and validated exactly as a run
would; nothing is built or published. No Prefect API is needed: the steps run as plain functions,
so a data manager's check starts no server. Given the registry's work folder, the row counts are
compared with each center's last accepted extract there; nothing is written into it.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from jakreg.config import load_centers
from jakreg.errors import JakregError
from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from tasks.extract.pseudonym import KEY_VARIABLE
from tasks.extract.stage_center import StagedExtract, stage_extract
from tasks.quality.quarantine import QualityGate
from tasks.quality.row_rule_outcomes import RejectedRow
from tasks.quality.verdict import Verdict
from tasks.registry import database


@dataclass(frozen=True)
class LandingCheck:
    """Verdicts per center (or why it could not be staged), the Data Docs index written, and
    each staged center's rows set aside, in file and line order."""

    verdicts: dict[str, Verdict | str]
    data_docs: Path
    rejected: dict[str, list[RejectedRow]]


def check_landing(
    centers_file: Path,
    docs_dir: Path,
    center_id: str | None = None,
    work_dir: Path | None = None,
    thresholds: QualityThresholds | None = None,
) -> LandingCheck:
    """Stages and validates each center's newest extract (see the module docstring)."""
    centers = load_centers(Path(centers_file))
    chosen = [centers.get(center_id)] if center_id else list(centers.centers)
    # Patient keys only need to be consistent within this check: nothing is published, so a
    # data manager can check a dump without the registry's secret.
    os.environ.setdefault(KEY_VARIABLE, secrets.token_hex(32))
    thresholds = thresholds or QualityThresholds()
    rejected = {}
    with tempfile.TemporaryDirectory(prefix="jakreg-validate-") as scratch:
        work = Path(scratch)
        gate = QualityGate.start(
            work, Path(docs_dir), thresholds, "validate", work_dir, prefect_tasks=False
        )
        if not center_id:
            gate.verdicts.update({label: f"not read: {p}" for label, p in centers.unnamed.items()})
        for center in chosen:
            if center.config_error:
                gate.verdicts[center.id] = f"not read: {center.config_error}"
                continue
            try:
                extract = stage_extract(
                    center, work, DuckDBSettings.from_environment(), thresholds=thresholds
                )
            except JakregError as err:
                gate.verdicts[center.id] = str(err)
                continue
            rejected[center.id] = rejected_rows(extract)
            gate.check_center(center, extract)
        index = gate.build_data_docs()
    return LandingCheck(gate.verdicts, index, rejected)


def rejected_rows(extract: StagedExtract) -> list[RejectedRow]:
    """The rows of a staged extract that row rules set aside (no identifier: file, line, rule
    and the wrong values)."""
    with duckdb.connect() as con:
        found = database.fetch_all(
            con,
            "select file, source_row, rule, detail from read_parquet($path) order by all",
            {"path": str(extract.parquet("stg_rejected_rows"))},
        )
    return [RejectedRow(*row) for row in found]
