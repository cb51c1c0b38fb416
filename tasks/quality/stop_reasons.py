"""The gate's warning on stop reasons: discontinued JAK-inhibitor courses whose reason is unknown.

A course stopped for a reason nobody could classify counts as a failure with the default
protocol (`unknown` is a failure reason), so a center whose clinicians write reasons the
vocabulary does not know inflates its failures silently. Per center, the share of discontinued
JAK-inhibitor courses in the built registry whose stop reason class is `unknown` (left blank, or
written but classified by nothing) is compared with `unknown_stop_reason_warning_share`; above
it the gate warns, naming the center and the commonest texts nothing classified, redacted, with
their row counts, from the center's review list in the work area (docs/quality.md#stop-reasons).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from tasks.extract.stage_center import REVIEW_TABLE, StagedExtract
from tasks.quality.verdict import WARNING, Finding
from tasks.registry import database

TOP_TEXTS = 5


@dataclass(frozen=True)
class UnknownStopReasons:
    """One center's discontinued JAK-inhibitor courses, those with an unknown stop reason, and
    the commonest unclassified texts of its review list (redacted text, rows)."""

    center_id: str
    discontinued: int
    unknown: int
    top_texts: tuple[tuple[str, int], ...]

    @property
    def share(self) -> float:
        return self.unknown / self.discontinued if self.discontinued else 0.0

    def finding(self, threshold: float) -> Finding:
        return Finding(
            suite=f"stop reasons of {self.center_id}",
            expectation=f"at most {threshold:.0%} of discontinued JAK-inhibitor courses have an "
            "unknown stop reason (list the texts nothing classified with `jakreg terms export "
            f"--center {self.center_id}`, fill in their class and give the file back as the "
            "center's term_overrides)",
            level=WARNING,
            rows=self.unknown,
            observed=f"{self.share:.1%} ({self.unknown} of {self.discontinued})",
            examples=tuple(f"'{text}' ({rows})" for text, rows in self.top_texts),
        )


def unknown_stop_reasons(building: Path, extracts: list[StagedExtract]) -> list[UnknownStopReasons]:
    """Each center's counts, from the built registry's `marts.jaki_courses` and the review list
    staged with the center's extract in the registry."""
    with duckdb.connect(str(building), read_only=True) as con:
        counts = database.fetch_all(
            con,
            "select center_id, count(*), count(*) filter (stop_reason_class = 'unknown') "
            "from marts.jaki_courses where status = 'discontinued' "
            "group by center_id order by center_id",
        )
        texts = {
            extract.center_id: _top_texts(con, extract.folder / f"{REVIEW_TABLE}.parquet")
            for extract in extracts
        }
    return [
        UnknownStopReasons(center_id, discontinued, unknown, texts.get(center_id, ()))
        for center_id, discontinued, unknown in counts
    ]


def unknown_stop_reason_findings(
    building: Path, extracts: list[StagedExtract], threshold: float
) -> list[Finding]:
    """A warning for each center above the threshold."""
    return [
        center.finding(threshold)
        for center in unknown_stop_reasons(building, extracts)
        if center.share > threshold
    ]


def _top_texts(con: duckdb.DuckDBPyConnection, review_list: Path) -> tuple[tuple[str, int], ...]:
    """An extract staged before review lists were kept has none."""
    if not review_list.exists():
        return ()
    rows = database.fetch_all(
        con,
        "select text, n_rows::bigint from read_parquet($path) where term_kind = 'stop_reason' "
        "order by n_rows desc, text limit $top",
        {"path": str(review_list), "top": TOP_TEXTS},
    )
    return tuple((text, rows) for text, rows in rows)
