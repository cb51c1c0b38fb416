"""centers.yaml, protocol and quality files are checked against what jakreg knows before anything
runs: a typo gets a "did you mean", a bad value fails its center only, a hostile file fails fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jakreg.config import Protocol, load_centers
from jakreg.config_schema import MAX_FILE_BYTES
from jakreg.errors import ConfigError
from jakreg.quality import QualityThresholds


def _centers(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "centers.yaml"
    body = "".join(f"  - {entry}\n" for entry in entries)
    path.write_text(f"centers:\n{body}", encoding="utf-8")
    return path


def _errors(tmp_path: Path, options: str, dialect: str = "es_his_csv") -> dict[str, str | None]:
    path = _centers(
        tmp_path,
        f"{{id: valencia, dialect: {dialect}, landing: v, {options}}}",
        "{id: madrid, dialect: registry_csv, landing: m}",
    )
    return {c.id: c.config_error for c in load_centers(path).centers}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("delimeter: ','", "unknown option 'delimeter' (did you mean 'delimiter'?)"),
        ("renames: [a, b]", "renames must map column names as sent"),
        ("renames: {a: 1}", "renames must map column names as sent"),
        ("date_format: '%Q'", "date_format '%Q' is not a date format with day, month and year"),
        ("date_format: '%Y'", "date_format '%Y' is not a date format with day, month and year"),
        ("date_format: 7", "date_format 7 is not a date format"),
        ("delimiter: ab", "delimiter 'ab' must be one character"),
        ("delimiter: '\"'", "must be one character (not a quote or a line break)"),
        ("encoding: cp1252", "encoding 'cp1252' cannot be read; use utf-8, latin-1 or utf-16"),
    ],
    ids=lambda value: value if len(value) < 20 else None,
)
def test_a_bad_option_fails_its_center_and_says_what_is_wrong(
    tmp_path: Path, options: str, message: str
) -> None:
    errors = _errors(tmp_path, options)
    assert message in errors["valencia"]
    assert errors["madrid"] is None


def test_good_overrides_are_accepted(tmp_path: Path) -> None:
    options = "delimiter: ',', date_format: '%m/%d/%Y', encoding: utf-8, renames: {A: NHC}"
    assert _errors(tmp_path, options) == {"valencia": None, "madrid": None}


def test_delimited_options_on_a_fhir_center_are_refused(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "delimiter: ','", dialect="fhir_ndjson")
    assert "option 'delimiter' applies to delimited dialects only" in errors["valencia"]


def test_two_centers_on_one_landing_folder_both_fail(tmp_path: Path) -> None:
    path = _centers(
        tmp_path,
        "{id: valencia, dialect: registry_csv, landing: shared}",
        "{id: sagunto, dialect: registry_csv, landing: ./shared/}",
        "{id: madrid, dialect: registry_csv, landing: m}",
    )
    errors = {c.id: c.config_error for c in load_centers(path).centers}
    assert "is also the landing of sagunto; each center needs a folder" in errors["valencia"]
    assert "is also the landing of valencia" in errors["sagunto"]
    assert errors["madrid"] is None


def test_an_unknown_top_level_key_is_a_typo_of_centers(tmp_path: Path) -> None:
    path = tmp_path / "centers.yaml"
    path.write_text("centres: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown option 'centres' \(did you mean 'centers'\?\)"):
        load_centers(path)


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        levels.append(f"a{level}: &a{level} [{refs}]")
    path = tmp_path / "centers.yaml"
    path.write_text("\n".join(levels) + "\ncenters: *a9\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(ConfigError, match="expands to more than 100000 values"):
        load_centers(path)
    assert time.monotonic() - started < 5


def test_a_huge_configuration_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text("# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="a configuration file may have at most"):
        Protocol.load(path)


def test_a_protocol_typo_gets_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "protocol.yaml"
    path.write_text("permisible_gap_days: 60\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'permissible_gap_days'"):
        Protocol.load(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("max_row_drop_share: lots\n", "quality.max_row_drop_share must be a number"),
        ("days_after_data_cut: 1.5\n", "quality.days_after_data_cut must be a whole number"),
        ("max_row_drop_shares: 0.2\n", "did you mean 'max_row_drop_share'"),
    ],
)
def test_a_bad_quality_file_names_the_threshold(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "quality.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        QualityThresholds.load(path)
