"""The gate's record of a staged extract (`gate.json` next to its Parquet), and reusing its verdict.

A center's verdict is a function of the staged data (its extract's file hashes, and the key and
code that staged it), of the suites run on it (their files), of the thresholds and of the baseline
row counts (the rows read of the center's last accepted extract). `gate.json` records a digest of
all of these with the findings and the run that validated them. A later run that computes the same
digest for the same staged folder has nothing new to validate: the extract was reused unchanged
(a new or re-sent extract is staged into a folder of its own, and staging again replaces a
folder, `gate.json` with it), and a changed suite, threshold or baseline changes the digest.
That run reuses the recorded verdict instead of running the suites again, and says whose verdict
it is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from jakreg.quality import QualityThresholds
from tasks.extract.stage_center import StagedExtract
from tasks.quality.gate import center_suites, suite_files
from tasks.quality.verdict import Finding, Verdict
from tasks.registry.atomic_files import PARTIAL, replace_file
from tasks.registry.inputs import json_digest

GATE_FILE = "gate.json"


def validation_digest(
    extract: StagedExtract,
    dialect: str,
    baseline_rows: dict[str, int] | None,
    thresholds: QualityThresholds,
    baseline_filled: dict[str, dict[str, int]] | None = None,
) -> str:
    """The digest of everything a center's verdict depends on (see the module docstring)."""
    document = {
        "extract": [
            extract.extract_digest,
            extract.key_id,
            extract.code_digest,
            extract.terms_digest,
        ],
        "suites": {
            suite: [_file_digest(path) for path in suite_files(suite)]
            for suite in center_suites(extract, dialect)
        },
        "thresholds": thresholds.as_dict(),
        "baseline_rows": baseline_rows or {},
        "baseline_filled": baseline_filled or {},
    }
    return json_digest(document)


def record_verdict(extract: StagedExtract, verdict: Verdict, digest: str, run_name: str) -> None:
    """Writes the gate's status for this staged extract, with what is needed to reuse it: the
    rows read (the next extract's baseline), the validation digest, the findings and the run."""
    record: dict[str, Any] = {
        "status": verdict.status,
        "extract_date": extract.extract_date,
        "rows_read": extract.rows_read,
        "rows_staged": extract.rows_staged,
        "unmapped_rows": extract.unmapped_rows,
        "validation": {
            "digest": digest,
            "run": run_name,
            "findings": [dataclasses.asdict(finding) for finding in verdict.findings],
        },
    }
    partial = extract.folder / (GATE_FILE + PARTIAL)
    partial.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    replace_file(partial, extract.folder / GATE_FILE)


def recorded_verdict(extract: StagedExtract, digest: str) -> Verdict | None:
    """The verdict recorded for this staged extract when it was validated with `digest`, naming
    the run it comes from; None when it was never validated, or not with the same digest."""
    try:
        record = json.loads((extract.folder / GATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    # gate.json written before verdicts were reusable has no validation record.
    validation = record.get("validation")
    if validation is None or validation["digest"] != digest:
        return None
    findings = tuple(
        Finding(**{**finding, "examples": tuple(finding["examples"])})
        for finding in validation["findings"]
    )
    origin = f"run {validation['run']} on extract {record['extract_date']}"
    return Verdict(extract.center_id, findings, reused_from=origin)


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
