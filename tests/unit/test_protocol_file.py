"""`jakreg run --protocol FILE`: a bad file stops the run before any work, naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from jakreg.cli import main
from jakreg.config import Protocol
from jakreg.errors import ConfigError


def _run_with_protocol(tmp_path: Path, body: str) -> int:
    protocol = tmp_path / "protocol.yaml"
    protocol.write_text(body, encoding="utf-8")
    return main(
        [
            "run",
            *("--centers", str(tmp_path / "centers.yaml")),
            *("--db", str(tmp_path / "registry.duckdb")),
            *("--out", str(tmp_path / "out")),
            *("--protocol", str(protocol)),
        ]
    )


def test_run_with_an_unknown_protocol_key_exits_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run_with_protocol(tmp_path, "permissible_gap: 60\n") == 2
    error = capsys.readouterr().err
    assert "unknown protocol parameter 'permissible_gap'" in error
    assert "protocol.yaml" in error
    assert not (tmp_path / "registry.duckdb").exists()


def test_run_with_a_protocol_value_of_the_wrong_type_exits_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run_with_protocol(tmp_path, "next_treatment_window_days: six months\n") == 2
    assert "protocol.next_treatment_window_days must be a whole number" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("failure_reasons: adverse_event\n", "failure_reasons must be a list of names"),
        ("retention_months: [3, 6.5]\n", "retention_months must be a list of whole numbers"),
        ("permissible_gap_days: true\n", "permissible_gap_days must be a whole number"),
        ("min_cell_count: 0\n", "min_cell_count must be 1 or more"),
        ("sensitivity_gap_days: 30\n", "sensitivity_gap_days must be a list of whole numbers"),
        ("sensitivity_window_days: [90, -1]\n", "_window_days must be 0 or more"),
        (
            "sensitivity_failure_reasons: [with]\n",
            "has .'with'.; known: with_unknown",
        ),
        ("combination_overlap_days: 0\n", "combination_overlap_days and protocol.sequence_depth"),
    ],
)
def test_invalid_protocol_values_are_config_errors_naming_file_and_key(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        Protocol.load(path)
    assert str(path) in str(caught.value)


def test_a_whole_number_of_days_per_month_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text("month_days: 30\n", encoding="utf-8")
    assert Protocol.load(path).month_days == 30


def test_the_grids_lists_are_read_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text(
        "sensitivity_gap_days: [30, 90]\nsensitivity_failure_reasons: [without_unknown]\n",
        encoding="utf-8",
    )
    protocol = Protocol.load(path)
    assert protocol.sensitivity_gap_days == (30, 90)
    assert protocol.sensitivity_failure_reasons == ("without_unknown",)
