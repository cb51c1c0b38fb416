"""Configuration, validated once at the edge: the clinical protocol and the centers file.

The protocol's defaults are the single source of truth for every clinical parameter; SQL models
receive them as bound values and `docs/protocol.md` states them in words.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jakreg.config_schema import (
    CENTER_KEYS,
    center_entry_problems,
    center_id_problem,
    check_known_keys,
    read_yaml_mapping,
    unknown_key,
)
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
# A center sends its EMR dump, or only the aggregate bundles of docs/federated.md.
CENTER_KINDS = ("dump", "aggregates")
# How the sensitivity grid varies `failure_reasons`: with or without `unknown` among them.
UNKNOWN_REASON_VARIANTS = ("with_unknown", "without_unknown")


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
        for field_ in dataclasses.fields(self):
            check_type(f"protocol.{field_.name}", getattr(self, field_.name), field_.default)
        if self.permissible_gap_days < 0:
            raise ConfigError("protocol.permissible_gap_days must be 0 or more")
        if self.next_treatment_window_days < 0:
            raise ConfigError("protocol.next_treatment_window_days must be 0 or more")
        _all_known("failure_reasons", "unknown classes ", self.failure_reasons, STOP_REASON_CLASSES)
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
        _all_known(
            "sensitivity_failure_reasons",
            "",
            self.sensitivity_failure_reasons,
            UNKNOWN_REASON_VARIANTS,
        )

    @classmethod
    def load(cls, path: Path | None) -> Protocol:
        """Defaults, overridden by a YAML mapping of parameter names when a file is given."""
        if path is None:
            return cls()
        overrides = read_parameter_overrides(path, cls, "protocol parameter")
        try:
            return cls.from_dict(overrides)
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from err

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Protocol:
        """The protocol from `as_dict`'s form (lists for the tuple parameters)."""
        values = dict(values)
        for parameter in dataclasses.fields(cls):
            if isinstance(values.get(parameter.name), list):
                values[parameter.name] = tuple(values[parameter.name])
        return cls(**values)

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
    """One hospital: its id, export dialect, landing folder, reader overrides and the file of
    its data manager's term overrides (docs/protocol.md#stop-reasons), if any.

    `config_error` says why its entry in centers.yaml is wrong: such a center is not read this
    run (it keeps its last accepted extract), and the others go on."""

    id: str
    dialect: str
    landing: Path
    options: dict[str, Any] = field(default_factory=dict)
    config_error: str | None = None
    term_overrides: Path | None = None

    def term_overrides_digest(self) -> str:
        """The digest of the center's term overrides file; empty when it has none."""
        if self.term_overrides is None:
            return ""
        try:
            return hashlib.sha256(self.term_overrides.read_bytes()).hexdigest()
        except OSError:
            return "unreadable"


@dataclass(frozen=True)
class AggregatesCenter:
    """A federated hospital: it sends aggregate bundles (docs/federated.md), not its dump."""

    id: str
    landing: Path


@dataclass(frozen=True)
class CentersFile:
    """The centers that send dumps, those that send aggregate bundles (`kind: aggregates`), and
    in `unnamed` the entries without a usable id, by position (`centers[3]`), with what is wrong
    with each."""

    path: Path
    centers: tuple[Center, ...]
    aggregate_centers: tuple[AggregatesCenter, ...] = ()
    unnamed: dict[str, str] = field(default_factory=dict)

    def get(self, center_id: str) -> Center:
        for center in self.centers:
            if center.id == center_id:
                return center
        raise ConfigError(f"{self.path}: no center with id {center_id!r}")


def load_centers(path: Path) -> CentersFile:
    """Read and validate `centers.yaml`; landing paths are relative to the file. A file that
    cannot be read is a ConfigError; a bad entry is reported on its center only."""
    data = read_yaml_mapping(path)
    for key in data:
        if key != "centers":
            raise ConfigError(f"{path}: {unknown_key(key, ['centers'])}")
    entries = data.get("centers")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected a non-empty list under 'centers'")
    centers: dict[str, Center] = {}
    aggregate_centers: list[AggregatesCenter] = []
    unnamed: dict[str, str] = {}
    for index, entry in enumerate(entries, start=1):
        label = f"centers[{index}]"
        if not isinstance(entry, dict):
            unnamed[label] = f"{path}: {label}: expected a mapping with id, dialect and landing"
            continue
        id_problem = center_id_problem(entry.get("id"))
        seen = centers.keys() | {c.id for c in aggregate_centers}
        if id_problem or entry["id"] in seen:
            problem = id_problem or f"id {entry['id']!r} is listed twice"
            unnamed[label] = f"{path}: {label}: {problem}"
            continue
        if entry.get("kind") == "aggregates":
            aggregate_centers.append(_aggregates_center(path, label, entry))
            continue
        problems = center_entry_problems(entry, DIALECTS)
        if entry.get("kind", "dump") not in CENTER_KINDS:
            problems.append(f"kind {entry['kind']!r} is not one of {', '.join(CENTER_KINDS)}")
        landing = entry.get("landing")
        landing = (path.parent / landing).resolve() if isinstance(landing, str) else path.parent
        options = {k: v for k, v in entry.items() if k not in CENTER_KEYS}
        error = f"{path}: center {entry['id']}: {'; '.join(problems)}" if problems else None
        dialect = str(entry.get("dialect"))
        overrides = entry.get("term_overrides")
        term_overrides = (path.parent / overrides).resolve() if isinstance(overrides, str) else None
        centers[entry["id"]] = Center(entry["id"], dialect, landing, options, error, term_overrides)
    if not centers and not aggregate_centers:
        raise ConfigError(f"{path}: no entry has a usable id: {'; '.join(unnamed.values())}")
    checked = _one_center_per_landing(path, centers)
    return CentersFile(path.resolve(), checked, tuple(aggregate_centers), unnamed)


def _aggregates_center(path: Path, label: str, entry: dict[str, Any]) -> AggregatesCenter:
    """A federated hospital's entry: its id and landing folder only."""
    extra = sorted(entry.keys() - {"id", "kind", "landing"})
    if extra:
        raise ConfigError(f"{path}: {label}: a center of kind aggregates takes no {extra}")
    if not isinstance(entry.get("landing"), str):
        raise ConfigError(f"{path}: {label}: missing landing")
    return AggregatesCenter(entry["id"], (path.parent / entry["landing"]).resolve())


def _one_center_per_landing(path: Path, centers: dict[str, Center]) -> tuple[Center, ...]:
    """Two centers reading one landing folder would count its patients twice: both fail."""
    by_landing: dict[Path, list[str]] = {}
    for center in centers.values():
        if center.config_error is None:
            by_landing.setdefault(center.landing, []).append(center.id)
    checked = []
    for center in centers.values():
        sharing = [c for c in by_landing.get(center.landing, []) if c != center.id]
        if sharing and center.config_error is None:
            error = (
                f"{path}: center {center.id}: landing folder {center.landing} is also the landing "
                f"of {', '.join(sharing)}; each center needs a folder of its own"
            )
            center = dataclasses.replace(center, config_error=error)
        checked.append(center)
    return tuple(checked)


_KINDS = {int: "whole number", float: "number", str: "name"}


def _all_known(name: str, what: str, values: tuple[str, ...], known: tuple[str, ...]) -> None:
    """A protocol list whose every value must be one of `known`; `what` names them in the
    message ("unknown classes ")."""
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(f"protocol.{name} has {what}{sorted(unknown)}; known: {', '.join(known)}")


def check_type(name: str, value: Any, default: Any) -> None:
    """A parameter's value must have its default's type (a whole number may stand for a float);
    `name` is the parameter's name in messages (`protocol.min_cell_count`)."""
    if isinstance(default, tuple):
        item = type(default[0])
        if isinstance(value, tuple) and all(type(v) is item for v in value):
            return
        raise ConfigError(f"{name} must be a list of {_KINDS[item]}s; got {value!r}")
    expected = (int, float) if isinstance(default, float) else (type(default),)
    if type(value) not in expected:
        raise ConfigError(f"{name} must be a {_KINDS[type(default)]}; got {value!r}")


def read_parameter_overrides(path: Path, cls: type, kind: str) -> dict[str, Any]:
    """A YAML mapping whose keys must all be fields of the dataclass `cls`."""
    overrides = read_yaml_mapping(path)
    check_known_keys(path, overrides, (f.name for f in dataclasses.fields(cls)), kind)
    return overrides
