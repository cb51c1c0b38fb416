"""The data-quality status a run reports: what the validation gate found, per center.

The gate fills it in; until a gate has run, a run reports `QualityStatus.not_validated(...)`. The
report and the run's artifacts show it as given, so every text in it must be free of patient
identifiers (expectation names, counts and non-identifying example values only).
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("passed", "warnings", "failed", "not validated")
CENTER_LEVELS = ("passed", "warnings", "quarantined", "not validated")


@dataclass(frozen=True)
class CenterQuality:
    """One center's result: its level and short findings such as
    "stg_patients: birth date after start date on 3 rows (error)", and, when the run reused an
    earlier validation of the same extract, which run and extract it comes from."""

    center_id: str
    level: str
    findings: tuple[str, ...] = ()
    reused_from: str | None = None

    def __post_init__(self) -> None:
        if self.level not in CENTER_LEVELS:
            raise ValueError(f"center quality level {self.level!r} is not one of {CENTER_LEVELS}")


@dataclass(frozen=True)
class QualityStatus:
    """The run's overall level, each center's result, and where the Data Docs site is (a path
    relative to the run folder, or a URL), when one was built."""

    level: str
    centers: tuple[CenterQuality, ...] = ()
    data_docs: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"quality level {self.level!r} is not one of {LEVELS}")

    @classmethod
    def not_validated(cls, center_ids: list[str]) -> QualityStatus:
        """The status of a run in which no validation gate ran."""
        return cls(
            "not validated", tuple(CenterQuality(c, "not validated") for c in sorted(center_ids))
        )
