"""The gate in the flow: which extract of a center goes into the registry, and when to publish.

A center's new extract goes in when it passes (warnings are reported); when it fails an
error-level expectation, or cannot be staged at all, the center is quarantined and its last
accepted extract goes in instead (or nothing, when it has none). The registry is published only
when its marts pass.

The gate's decision is recorded next to each staged extract (`gate.json`: status and rows read),
so the next run knows the center's last accepted extract without asking the registry: its rows
are the baseline of the row-count expectation, and its Parquet replaces a quarantined extract.
A center whose staged extract, suites, thresholds and baseline are those of its recorded
validation is not validated again: the recorded verdict is reused, and reported as reused
(tasks/quality/gate_record.py).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from prefect.artifacts import create_markdown_artifact

from jakreg.config import Center
from jakreg.errors import JakregError
from jakreg.faults import fault_point
from jakreg.quality import QualityThresholds
from jakreg.quality_status import CenterQuality, QualityStatus
from tasks.extract.pseudonym import pseudonym_key
from tasks.extract.rekey import restage_with_current_key
from tasks.extract.stage_center import StagedExtract, backfill_added_tables
from tasks.quality.context import build_data_docs, open_context
from tasks.quality.gate import threshold_words, validate_center, validate_registry
from tasks.quality.gate_record import (
    GATE_FILE,
    record_verdict,
    recorded_verdict,
    validation_digest,
)
from tasks.quality.report import markdown_report
from tasks.quality.stop_reasons import unknown_stop_reason_findings
from tasks.quality.verdict import ERROR, FAILED, PASSED, WARNED, WARNING, Finding, Verdict
from tasks.registry.atomic_files import PARTIAL
from tasks.registry.inputs import key_id

NOT_STAGED = "the newest extract could not be staged"
# A center whose newest extract could not be read was never validated: not "quality failed".
NOT_VALIDATED = "not validated"
REGISTRY = "registry"


class RegistryGateError(JakregError):
    """The built registry failed an error-level expectation; the published one is unchanged."""

    exit_code = 3

    def __init__(self, verdict: Verdict, building: Path, data_docs: Path) -> None:
        failures = "; ".join(f.describe() for f in verdict.by_level(ERROR))
        super().__init__(
            f"the registry was not published: its marts failed the quality gate ({failures}); "
            f"the built database is kept at {building} and the report is {data_docs}"
        )


@dataclass(frozen=True)
class CenterDecision:
    center_id: str
    status: str
    accepted: StagedExtract | None
    problem: str | None
    warnings: tuple[Finding, ...] = ()
    verdict: Verdict | None = None


@dataclass
class QualityGate:
    """The run's gate: where its GX context and Data Docs live, its thresholds and verdicts."""

    work_dir: Path
    docs_dir: Path
    thresholds: QualityThresholds
    run_name: str
    verdicts: dict[str, Verdict | str]
    baseline_dir: Path | None = None
    # False outside a flow (`jakreg validate`): the suites run as plain functions, no Prefect API.
    prefect_tasks: bool = True
    # GX is not thread-safe: it keeps one current project per process, which each validation's
    # context replaces. Centers are gated one at a time.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def start(
        cls,
        work_dir: Path,
        docs_dir: Path,
        thresholds: QualityThresholds,
        run_name: str,
        baseline_dir: Path | None = None,
        prefect_tasks: bool = True,
    ) -> QualityGate:
        """A gate with the previous run's validation results cleared from the context; row
        counts are compared with the extracts accepted in `baseline_dir` (default: `work_dir`)."""
        gate = cls(
            Path(work_dir), Path(docs_dir), thresholds, run_name, {}, baseline_dir, prefect_tasks
        )
        open_context(gate.quality_dir, gate.docs_dir, fresh=True)
        return gate

    @property
    def quality_dir(self) -> Path:
        return self.work_dir / "quality"

    def decide(
        self, center: Center, staged: StagedExtract | None, problem: str | None
    ) -> CenterDecision:
        """Which of the center's extracts goes in: `staged`, when it passes the gate, or (when it
        fails, or could not be staged for `problem`) the last accepted one. Safe to call from
        several threads."""
        with self._lock:
            if staged is None:
                return self.not_staged(center, problem or NOT_STAGED)
            return self.check_center(center, staged)

    def check_center(self, center: Center, extract: StagedExtract) -> CenterDecision:
        """Validates a staged extract, or reuses its recorded verdict when nothing it depends on
        changed, and decides which of the center's extracts goes in.

        Its row counts are compared with the center's extract accepted before it (in the baseline
        folder: the work folder, or the registry's work folder for `jakreg validate`)."""
        previous = last_accepted_extract(self.baseline_dir or self.work_dir, center.id, extract)
        baseline = previous.rows_read if previous else None
        filled = previous.filled if previous else None
        digest = validation_digest(extract, center.dialect, baseline, self.thresholds, filled)
        verdict = recorded_verdict(extract, digest)
        if verdict is None:
            validate = validate_center if self.prefect_tasks else validate_center.fn
            verdict = validate(
                extract,
                center.dialect,
                baseline,
                self.thresholds,
                self.quality_dir,
                self.docs_dir,
                self.run_name,
                filled,
            )
            record_verdict(extract, verdict, digest, self.run_name)
        self.verdicts[center.id] = verdict
        warnings = tuple(verdict.by_level(WARNING))
        if not verdict.failed:
            drop_superseded(extract, extract)
            return CenterDecision(center.id, verdict.status, extract, None, warnings, verdict)
        errors = "; ".join(f.describe() for f in verdict.by_level(ERROR))
        kept = self._last_accepted(center, extract)
        drop_superseded(extract, kept)
        return self._quarantine(center.id, kept, f"extract {extract.extract_date}: {errors}")

    def not_staged(self, center: Center, problem: str) -> CenterDecision:
        """A center whose newest extract could not be read: its last accepted one goes in."""
        self.verdicts[center.id] = f"not staged: {problem}"
        kept = self._last_accepted(center)
        return self._quarantine(center.id, kept, problem, NOT_VALIDATED)

    def _last_accepted(
        self, center: Center, before: StagedExtract | None = None
    ) -> StagedExtract | None:
        """The extract a quarantined center keeps: its last accepted one, pseudonymised with the
        key in use, staged again with it when it was made with an earlier key (a run rotating the
        key: tasks/extract/rekey.py)."""
        kept = last_accepted_extract(self.work_dir, center.id, before)
        if kept is not None and kept.key_id != key_id(pseudonym_key()):
            kept = restage_with_current_key(center, kept, (GATE_FILE,))
        if kept is not None:
            backfill_added_tables(kept)
        return kept

    def check_registry(self, building: Path, extracts: list[StagedExtract]) -> Verdict:
        """The marts suites on the built registry, and the warning on unknown stop reasons of
        the centers whose `extracts` it holds."""
        fault_point("validate")
        verdict = validate_registry(building, self.quality_dir, self.docs_dir, self.run_name)
        threshold = self.thresholds.unknown_stop_reason_warning_share
        stop_reasons = unknown_stop_reason_findings(building, extracts, threshold)
        verdict = dataclasses.replace(verdict, findings=(*verdict.findings, *stop_reasons))
        self.verdicts[REGISTRY] = verdict
        return verdict

    def build_data_docs(self) -> Path:
        """The Data Docs of every validation so far (tasks/quality/context.py); their index."""
        words = threshold_words(self.thresholds)
        return build_data_docs(self.quality_dir, self.docs_dir, self.verdicts, words)

    def publish_report(self, run_folder: Path, published_folder: Path) -> Path:
        """Builds the run's Data Docs, `quality_gate.md` in the run folder (linking them relative
        to it, so the link holds once the folder moves to `published_folder`) and the
        `quality-gate` artifact (linking them where they will be published)."""
        index = self.build_data_docs()
        relative = index.relative_to(run_folder)
        report = markdown_report(self.verdicts, relative.as_posix())
        (run_folder / "quality_gate.md").write_text(report, encoding="utf-8")
        published = (published_folder / relative).resolve().as_uri()
        create_markdown_artifact(
            key="quality-gate",
            markdown=markdown_report(self.verdicts, published),
            description="The data-quality gate: each center's and the registry's status, the "
            "expectations that failed or warned, and a link to the Data Docs",
        )
        return index

    def status(self, run_folder: Path) -> QualityStatus:
        """The gate's outcome as the run's report shows it, Data Docs relative to the run."""
        levels = {PASSED: "passed", WARNED: "warnings", FAILED: "quarantined"}
        centers = []
        for scope, verdict in sorted(self.verdicts.items()):
            if scope == REGISTRY:
                continue
            if isinstance(verdict, str):
                centers.append(CenterQuality(scope, "quarantined", (verdict,)))
            else:
                findings = tuple(f.describe() for f in verdict.findings)
                centers.append(
                    CenterQuality(scope, levels[verdict.status], findings, verdict.reused_from)
                )
        registry = self.verdicts.get(REGISTRY)
        if any(c.level == "quarantined" for c in centers):
            level = "failed"
        elif any(c.level == "warnings" for c in centers) or (
            isinstance(registry, Verdict) and registry.findings
        ):
            level = "warnings"
        else:
            level = "passed"
        docs = (self.docs_dir / "index.html").relative_to(run_folder)
        return QualityStatus(level, tuple(centers), str(docs))

    @staticmethod
    def _quarantine(
        center_id: str, previous: StagedExtract | None, problem: str, status: str = FAILED
    ) -> CenterDecision:
        if previous:
            problem += f"; quarantined, its extract {previous.extract_date} is kept"
        else:
            problem += "; quarantined, and it has no earlier accepted extract: left out"
        return CenterDecision(center_id, status, previous, problem)


def finding_keys(verdict: Verdict | str | None) -> list[str]:
    """A center's findings as the registry records them, to tell new ones from resolved ones the
    next night: level, suite and expectation (no counts, no values)."""
    if verdict is None:
        return []
    if isinstance(verdict, str):
        return [f"[{ERROR}] {verdict}"]
    return sorted({f"[{f.level}] {f.suite}: {f.expectation}" for f in verdict.findings})


def last_accepted_extract(
    work_dir: Path,
    center_id: str,
    before: StagedExtract | None = None,
) -> StagedExtract | None:
    """The center's staged extract that the gate accepted last, among those staged before
    `before` (by extract date, then staging time; by default among all)."""
    center_dir = work_dir / "staged" / center_id
    accepted = []
    for gate_file in center_dir.glob(f"*/{GATE_FILE}") if center_dir.is_dir() else []:
        if json.loads(gate_file.read_text(encoding="utf-8"))["status"] == FAILED:
            continue
        staged = StagedExtract.read(gate_file.parent)
        if staged is None:
            continue
        if before is None or staged.order < before.order:
            accepted.append(staged)
    return max(accepted, key=lambda staged: staged.order, default=None)


def drop_superseded(extract: StagedExtract, kept: StagedExtract | None) -> None:
    """Removes the center's other staged extracts of the same date, but the one `kept` in the
    registry: dumps re-sent under that date since replaced. Each is renamed `.partial` first, so
    a crash while removing it leaves a leftover the next run clears, never a half folder."""
    for folder in extract.folder.parent.glob(f"{extract.extract_date}-*"):
        if folder.name.endswith(PARTIAL) or folder == extract.folder:
            continue
        if kept is not None and folder == kept.folder:
            continue
        doomed = folder.with_name(folder.name + PARTIAL)
        folder.rename(doomed)
        shutil.rmtree(doomed)
