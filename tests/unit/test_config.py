"""Configuration fails at the start with the key or entry that is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from jakreg.config import Protocol, load_centers
from jakreg.errors import ConfigError


def _centers(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "centers.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_landing_paths_are_relative_to_the_centers_file(tmp_path: Path) -> None:
    path = _centers(tmp_path, "centers:\n  - {id: valencia, dialect: registry_csv, landing: a/b}\n")
    [center] = load_centers(path).centers
    assert center.landing == (tmp_path / "a" / "b").resolve()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{id: valencia, dialect: excel, landing: x}", "dialect 'excel' is not one of"),
        ("{id: valencia, dialect: registry_csv}", "missing landing"),
        ("{id: valencia, kind: rows, landing: x}", "kind 'rows' is not one of dump, aggregates"),
    ],
)
def test_a_bad_center_entry_fails_that_center_only(
    tmp_path: Path, entry: str, message: str
) -> None:
    good = "{id: madrid, dialect: registry_csv, landing: m}"
    path = _centers(tmp_path, f"centers:\n  - {entry}\n  - {good}\n")
    valencia, madrid = load_centers(path).centers
    assert message in valencia.config_error
    assert valencia.config_error.startswith(f"{path}: center valencia: ")
    assert madrid.config_error is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{id: valencia, kind: aggregates}", "missing landing"),
        (
            "{id: valencia, kind: aggregates, landing: x, dialect: registry_csv}",
            r"a center of kind aggregates takes no \['dialect'\]",
        ),
    ],
)
def test_a_bad_aggregates_entry_is_a_configuration_error(
    tmp_path: Path, entry: str, message: str
) -> None:
    path = _centers(tmp_path, f"centers:\n  - {entry}\n")
    with pytest.raises(ConfigError, match=message):
        load_centers(path)


def test_a_center_of_kind_aggregates_is_listed_apart_from_the_dump_centers(tmp_path: Path) -> None:
    path = _centers(
        tmp_path,
        "centers:\n  - {id: valencia, dialect: registry_csv, landing: a}\n"
        "  - {id: madrid, kind: aggregates, landing: bundles/madrid}\n",
    )
    centers = load_centers(path)
    assert [c.id for c in centers.centers] == ["valencia"]
    [federated] = centers.aggregate_centers
    assert (federated.id, federated.landing) == ("madrid", (tmp_path / "bundles/madrid").resolve())


@pytest.mark.parametrize("bad_id", ["Valencia", '"valencia\\n"', "''", "[a]", "7"])
def test_an_entry_without_a_usable_id_is_reported_by_its_position(
    tmp_path: Path, bad_id: str
) -> None:
    good = "{id: madrid, dialect: registry_csv, landing: m}"
    path = _centers(tmp_path, f"centers:\n  - {good}\n  - {{id: {bad_id}, dialect: x}}\n")
    centers = load_centers(path)
    assert [c.id for c in centers.centers] == ["madrid"]
    assert list(centers.unnamed) == ["centers[2]"]
    assert "must be 1 to 64 lower-case letters, digits or _" in centers.unnamed["centers[2]"]


def test_a_center_listed_twice_is_reported_and_the_first_entry_stands(tmp_path: Path) -> None:
    entry = "{id: valencia, dialect: registry_csv, landing: x}"
    path = _centers(tmp_path, f"centers:\n  - {entry}\n  - {entry}\n")
    centers = load_centers(path)
    assert [c.id for c in centers.centers] == ["valencia"]
    assert "id 'valencia' is listed twice" in centers.unnamed["centers[2]"]


def test_protocol_overrides_replace_defaults_and_unknown_keys_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text("permissible_gap_days: 60\nfailure_reasons: [adverse_event]\n")
    protocol = Protocol.load(path)
    assert protocol.permissible_gap_days == 60
    assert protocol.failure_reasons == ("adverse_event",)
    assert protocol.next_treatment_window_days == Protocol().next_treatment_window_days
    path.write_text("permissible_gap: 60\n")
    with pytest.raises(ConfigError, match="unknown protocol parameter 'permissible_gap'"):
        Protocol.load(path)


def test_an_unknown_failure_reason_class_is_rejected() -> None:
    with pytest.raises(ConfigError, match="failure_reasons has unknown classes"):
        Protocol(failure_reasons=("boredom",))
