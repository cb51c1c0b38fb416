"""Configuration, validated once at the edge: the clinical protocol and the centers file.

The protocol's defaults are the single source of truth for every clinical parameter; SQL models
receive them as bound values and `docs/protocol.md` states them in words.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jakreg.errors import ConfigError

DIALECTS = ("registry_csv", "es_his_csv", "omop_csv", "fhir_ndjson")
STOP_REASON_CLASSES = (
    "inefficacy_primary",
    "inefficacy_secondary",
    "adverse_event",
    "remission",
    "pregnancy",
    "patient_relocation",
    "other",
    "unknown",
)
ADVANCED_CLASSES = (
    "JAKi",
    "anti-TNF",
    "anti-IL6",
    "CTLA4-Ig",
    "anti-IL12/23",
    "anti-IL17",
    "anti-IL23",
    "anti-CD20",
    "other advanced",
)
# How the sensitivity grid varies `failure_reasons`: with or without `unknown` among them.
UNKNOWN_REASON_VARIANTS = ("with_unknown", "without_unknown")
CENTER_ID = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class Protocol:
    """The study protocol's parameters (see docs/protocol.md for each rule in words)."""

    permissible_gap_days: int = 90
    next_treatment_window_days: int = 180
    failure_reasons: tuple[str, ...] = (
        "inefficacy_primary",
        "inefficacy_secondary",
        "adverse_event",
        "other",
        "unknown",
    )
    month_days: float = 30.4375
    retention_months: tuple[int, ...] = (3, 6, 9, 12)
    min_cell_count: int = 5
    combination_overlap_days: int = 30
    sequence_depth: int = 3
    sensitivity_gap_days: tuple[int, ...] = (30, 60, 90, 120)
    sensitivity_window_days: tuple[int, ...] = (90, 180, 365)
    sensitivity_failure_reasons: tuple[str, ...] = ("with_unknown", "without_unknown")

    def __post_init__(self) -> None:
        for parameter in dataclasses.fields(self):
            _check_type(parameter.name, getattr(self, parameter.name), parameter.default)
        if self.permissible_gap_days < 0:
            raise ConfigError("protocol.permissible_gap_days must be 0 or more")
        if self.next_treatment_window_days < 0:
            raise ConfigError("protocol.next_treatment_window_days must be 0 or more")
        unknown = set(self.failure_reasons) - set(STOP_REASON_CLASSES)
        if unknown:
            raise ConfigError(
                f"protocol.failure_reasons has unknown classes {sorted(unknown)}; "
                f"known: {', '.join(STOP_REASON_CLASSES)}"
            )
        if self.month_days <= 0 or not self.retention_months:
            raise ConfigError("protocol.month_days must be positive and retention_months non-empty")
        if self.min_cell_count < 1:
            raise ConfigError("protocol.min_cell_count must be 1 or more")
        if self.combination_overlap_days < 1 or self.sequence_depth < 1:
            raise ConfigError(
                "protocol.combination_overlap_days and protocol.sequence_depth must be 1 or more"
            )
        if min(self.sensitivity_gap_days + self.sensitivity_window_days, default=0) < 0:
            raise ConfigError("protocol.sensitivity_gap_days and _window_days must be 0 or more")
        unknown_variants = set(self.sensitivity_failure_reasons) - set(UNKNOWN_REASON_VARIANTS)
        if unknown_variants:
            raise ConfigError(
                f"protocol.sensitivity_failure_reasons has {sorted(unknown_variants)}; "
                f"known: {', '.join(UNKNOWN_REASON_VARIANTS)}"
            )

    @classmethod
    def load(cls, path: Path | None) -> Protocol:
        """Defaults, overridden by a YAML mapping of parameter names when a file is given."""
        if path is None:
            return cls()
        overrides = read_parameter_overrides(path, cls, "protocol parameter")
        for key in (
            "failure_reasons",
            "retention_months",
            "sensitivity_gap_days",
            "sensitivity_window_days",
            "sensitivity_failure_reasons",
        ):
            if isinstance(overrides.get(key), list):
                overrides[key] = tuple(overrides[key])
        try:
            return cls(**overrides)
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from err

    def as_dict(self) -> dict[str, Any]:
        return {
            k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()
        }

    def sql_parameters(self) -> dict[str, Any]:
        """The values SQL models may bind as `$name`."""
        return {
            "permissible_gap_days": self.permissible_gap_days,
            "next_treatment_window_days": self.next_treatment_window_days,
            "failure_reasons": list(self.failure_reasons),
            "advanced_classes": list(ADVANCED_CLASSES),
            "combination_overlap_days": self.combination_overlap_days,
            "sequence_depth": self.sequence_depth,
        }


@dataclass(frozen=True)
class Center:
    """One hospital: its id, export dialect, landing folder and reader overrides."""

    id: str
    dialect: str
    landing: Path
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CentersFile:
    path: Path
    centers: tuple[Center, ...]

    def get(self, center_id: str) -> Center:
        for center in self.centers:
            if center.id == center_id:
                return center
        raise ConfigError(f"{self.path}: no center with id {center_id!r}")


def load_centers(path: Path) -> CentersFile:
    """Read and validate `centers.yaml`; landing paths are relative to the file."""
    data = _read_yaml_mapping(path)
    entries = data.get("centers")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected a non-empty list under 'centers'")
    centers: list[Center] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"{path}: centers[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping with id, dialect and landing")
        missing = {"id", "dialect", "landing"} - entry.keys()
        if missing:
            raise ConfigError(f"{where}: missing {', '.join(sorted(missing))}")
        center_id = str(entry["id"])
        if not CENTER_ID.match(center_id):
            raise ConfigError(f"{where}: id {center_id!r} must match [a-z0-9_]+")
        if center_id in seen:
            raise ConfigError(f"{where}: id {center_id!r} is listed twice")
        seen.add(center_id)
        dialect = str(entry["dialect"])
        if dialect not in DIALECTS:
            raise ConfigError(f"{where}: dialect {dialect!r} is not one of {', '.join(DIALECTS)}")
        landing = (path.parent / str(entry["landing"])).resolve()
        options = {k: v for k, v in entry.items() if k not in {"id", "dialect", "landing"}}
        centers.append(Center(center_id, dialect, landing, options))
    return CentersFile(path.resolve(), tuple(centers))


_KINDS = {int: "whole number", float: "number", str: "name"}


def _check_type(name: str, value: Any, default: Any) -> None:
    """A protocol value must have its default's type (a whole number may stand for a float)."""
    if isinstance(default, tuple):
        item = type(default[0])
        if isinstance(value, tuple) and all(type(v) is item for v in value):
            return
        raise ConfigError(f"protocol.{name} must be a list of {_KINDS[item]}s; got {value!r}")
    expected = (int, float) if isinstance(default, float) else (type(default),)
    if type(value) not in expected:
        raise ConfigError(f"protocol.{name} must be a {_KINDS[type(default)]}; got {value!r}")


def read_parameter_overrides(path: Path, cls: type, kind: str) -> dict[str, Any]:
    """A YAML mapping whose keys must all be fields of the dataclass `cls`."""
    overrides = _read_yaml_mapping(path)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in overrides:
        if key not in known:
            raise ConfigError(f"{path}: unknown {kind} {key!r}; known: {sorted(known)}")
    return overrides


def _read_yaml_mapping(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"{path}: file not found") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data
