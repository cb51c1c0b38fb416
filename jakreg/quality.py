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

from jakreg.config import check_type, read_parameter_overrides
from jakreg.errors import ConfigError
from jakreg.row_rules import ROW_RULES, RULES_BY_NAME

_SHARES = (
    "max_row_drop_share",
    "max_filled_share_drop",
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
    # A column filled in at least completeness_min_rows rows of the last accepted extract whose
    # filled share falls by more than this share of what it was is an error (a completeness drop).
    max_filled_share_drop: float = 0.5
    completeness_min_rows: int = 20
    # Per row rule (jakreg/row_rules.py), overrides of its `warning_share` and `error_share`: the
    # share of a file's rows it may set aside before the extract is reported, or quarantined.
    row_rules: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)
    # A center whose discontinued JAK-inhibitor courses have an unknown stop reason more often
    # than this is warned about (tasks/quality/stop_reasons.py).
    unknown_stop_reason_warning_share: float = 0.15

    def __post_init__(self) -> None:
        for field_ in dataclasses.fields(self):
            # Dates are parsed below; a mapping (row_rules) is checked by its own rules.
            if field_.default is not dataclasses.MISSING and not isinstance(field_.default, date):
                check_type(f"quality.{field_.name}", getattr(self, field_.name), field_.default)
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
        for name in (
            "days_after_data_cut",
            "planned_end_days_after_data_cut",
            "completeness_min_rows",
        ):
            if getattr(self, name) < 0:
                raise ConfigError(f"quality.{name} must be 0 or more")
        self._check_row_rules()

    def _check_row_rules(self) -> None:
        if not isinstance(self.row_rules, dict):
            raise ConfigError("quality.row_rules must map rule names to their shares")
        for name, shares in self.row_rules.items():
            if name not in RULES_BY_NAME:
                raise ConfigError(
                    f"quality.row_rules: unknown rule {name!r}; known: {', '.join(RULES_BY_NAME)}"
                )
            if not isinstance(shares, dict) or not set(shares) <= {"warning_share", "error_share"}:
                raise ConfigError(
                    f"quality.row_rules.{name} must map warning_share and/or error_share to shares"
                )
            for key, value in shares.items():
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ConfigError(f"quality.row_rules.{name}.{key} must be a number")
                if not 0 <= value <= 1:
                    raise ConfigError(f"quality.row_rules.{name}.{key} must be between 0 and 1")
        for name, (warning, error) in self.row_rule_shares().items():
            if warning > error:
                raise ConfigError(
                    f"quality.row_rules.{name}: warning_share {warning} exceeds error_share {error}"
                )

    def row_rule_shares(self) -> dict[str, tuple[float, float]]:
        """Each row rule's (warning share, error share): its defaults, overridden by the file."""
        shares = {}
        for rule in ROW_RULES:
            override = self.row_rules.get(rule.name, {})
            shares[rule.name] = (
                float(override.get("warning_share", rule.warning_share)),
                float(override.get("error_share", rule.error_share)),
            )
        return shares

    @classmethod
    def load(cls, path: Path | None) -> QualityThresholds:
        """Defaults, overridden by a YAML mapping of threshold names when a file is given."""
        if path is None:
            return cls()
        overrides = read_parameter_overrides(path, cls, "quality threshold")
        try:
            return cls(**overrides)
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from err

    def as_dict(self) -> dict[str, Any]:
        return {
            k: v.isoformat() if isinstance(v, date) else v
            for k, v in dataclasses.asdict(self).items()
        }
