"""Thresholds of the data-quality gate: engineering tolerances, not clinical protocol.

They reach the expectation suites in `expectations/` as suite parameters (`$PARAMETER`), so the
suites stay files reviewed like code and the numbers live in one place. docs/quality.md explains
each one; a YAML file given with `--quality` overrides any of them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from jakreg.config import read_parameter_overrides
from jakreg.errors import ConfigError

_SHARES = (
    "max_row_drop_share",
    "drug_mapped_warning_share",
    "drug_mapped_error_share",
    "indication_known_share",
    "unknown_stop_reason_warning_share",
)


@dataclass(frozen=True)
class QualityThresholds:
    """Tolerances of the gate (docs/quality.md#thresholds)."""

    # A raw table with fewer rows than (1 - this) x the center's last accepted extract is an error.
    max_row_drop_share: float = 0.3
    # No prescription date before this; no birth or diagnosis date before earliest_birth_date.
    earliest_treatment_date: date = date(2000, 1, 1)
    earliest_birth_date: date = date(1901, 1, 1)
    # Dates may lie at most this many days after the center's data cut, except prescription end
    # dates: an ongoing prescription's planned end may lie up to planned_end_days after it.
    days_after_data_cut: int = 0
    planned_end_days_after_data_cut: int = 730
    # Share of prescription rows whose drug string maps to the vocabulary.
    drug_mapped_warning_share: float = 0.98
    drug_mapped_error_share: float = 0.90
    # Share of JAK-inhibitor patients with a known indication (RA, PsA, axSpA).
    indication_known_share: float = 0.90
    # A center whose discontinued JAK-inhibitor courses have an unknown stop reason more often
    # than this is warned about (tasks/quality/stop_reasons.py).
    unknown_stop_reason_warning_share: float = 0.15

    def __post_init__(self) -> None:
        for name in ("earliest_treatment_date", "earliest_birth_date"):
            value = getattr(self, name)
            if isinstance(value, str):
                try:
                    object.__setattr__(self, name, date.fromisoformat(value))
                except ValueError:
                    raise ConfigError(f"quality.{name} must be a date YYYY-MM-DD") from None
            elif not isinstance(value, date):
                raise ConfigError(f"quality.{name} must be a date YYYY-MM-DD")
        for name in _SHARES:
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"quality.{name} must be a share between 0 and 1")
        if self.drug_mapped_error_share > self.drug_mapped_warning_share:
            raise ConfigError(
                "quality.drug_mapped_error_share must not exceed drug_mapped_warning_share"
            )
        for name in ("days_after_data_cut", "planned_end_days_after_data_cut"):
            if getattr(self, name) < 0:
                raise ConfigError(f"quality.{name} must be 0 or more")

    @classmethod
    def load(cls, path: Path | None) -> QualityThresholds:
        """Defaults, overridden by a YAML mapping of threshold names when a file is given."""
        if path is None:
            return cls()
        return cls(**read_parameter_overrides(path, cls, "quality threshold"))

    def as_dict(self) -> dict[str, Any]:
        return {
            k: v.isoformat() if isinstance(v, date) else v
            for k, v in dataclasses.asdict(self).items()
        }
