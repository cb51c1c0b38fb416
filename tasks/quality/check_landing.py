"""`jakreg validate`: the per-center gate alone, on what is in the landing folders.

Each center's newest extract is staged into a temporary folder and validated exactly as a run
would; nothing is built or published. Given the registry's work folder, the row counts are
compared with each center's last accepted extract there; nothing is written into it.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from jakreg.config import load_centers
from jakreg.errors import JakregError
from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from tasks.extract.pseudonym import KEY_VARIABLE
from tasks.extract.stage_center import stage_center
from tasks.quality.context import build_data_docs
from tasks.quality.quarantine import QualityGate
from tasks.quality.verdict import Verdict


def check_landing(
    centers_file: Path,
    docs_dir: Path,
    center_id: str | None = None,
    work_dir: Path | None = None,
    thresholds: QualityThresholds | None = None,
) -> tuple[dict[str, Verdict | str], Path]:
    """Verdicts per center (or the staging error), and the Data Docs index written."""
    centers = load_centers(Path(centers_file))
    chosen = [centers.get(center_id)] if center_id else list(centers.centers)
    # Patient keys only need to be consistent within this check: nothing is published, so a
    # data manager can check a dump without the registry's secret.
    os.environ.setdefault(KEY_VARIABLE, secrets.token_hex(32))
    with tempfile.TemporaryDirectory(prefix="jakreg-validate-") as scratch:
        work = Path(scratch)
        gate = QualityGate.start(
            work, Path(docs_dir), thresholds or QualityThresholds(), "validate", work_dir
        )
        for center in chosen:
            try:
                extract = stage_center(center, work, DuckDBSettings.from_environment())
            except JakregError as err:
                gate.verdicts[center.id] = f"not staged: {err}"
                continue
            gate.check_center(center, extract)
        index = build_data_docs(gate.quality_dir, gate.docs_dir, gate.verdicts)
    return gate.verdicts, index
