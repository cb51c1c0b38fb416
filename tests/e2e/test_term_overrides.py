"""Stop reasons nothing classifies raise the gate's warning; the center's term overrides fix them.

A center writes "alta por mejoría" for its remissions and "vive ahora en Lisboa" for patients who
moved: nothing in the vocabulary classifies them, so those courses stop for an `unknown` reason
and count as failures. The run warns, naming the center and the texts; the data manager exports
the review list, fills in the classes and gives it back as the center's term overrides; the next
run re-stages the center, classifies the texts, and its failures equal the truth.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
import yaml

from flows.registry_refresh import registry_refresh
from jakreg.cli import main
from jakreg.quality import QualityThresholds
from jakreg.simulate import simulate
from jakreg.simulate.naming import STOP_REASON_TEXT_EN
from tests.e2e.truth_tables import MARTS, mart_rows, truth_rows

pytestmark = pytest.mark.e2e
LOCAL_PHRASES = {"remission": "alta por mejoría", "patient_relocation": "vive ahora en Lisboa"}


def _rewrite_stop_reasons(prescriptions: Path) -> int:
    """Writes the center's own phrases for remission and relocation; returns the rows changed."""
    local = {text: LOCAL_PHRASES[c] for c in LOCAL_PHRASES for text in STOP_REASON_TEXT_EN[c]}
    with prescriptions.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    changed = sum(row[4] in local for row in rows[1:])
    for row in rows[1:]:
        row[4] = local.get(row[4], row[4])
    with prescriptions.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return changed


def _failure_classes(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        return dict(
            con.sql(
                "select stop_reason_class, count(*) from marts.jaki_failures group by all"
            ).fetchall()
        )


def _gate_findings(run_folder: Path) -> list[str]:
    report = (run_folder / "quality_gate.md").read_text(encoding="utf-8")
    return [line for line in report.splitlines() if "stop reasons of" in line]


def test_unknown_stop_reasons_warn_and_the_centers_overrides_classify_them(
    tmp_path: Path, prefect_harness
) -> None:
    summary = simulate(tmp_path / "cohort", patients=700, centers=1, seed=21)
    [extract] = (tmp_path / "cohort" / "landing" / "valencia").iterdir()
    assert _rewrite_stop_reasons(extract / "prescriptions.csv") > 20
    db, out = tmp_path / "registry.duckdb", tmp_path / "out"

    first = registry_refresh(summary.centers_file, db, out)
    [warning] = _gate_findings(first.run_folder)
    threshold = QualityThresholds().unknown_stop_reason_warning_share
    assert f"[warning] stop reasons of valencia: at most {threshold:.0%}" in warning
    assert "'alta por mejoría' (" in warning and "'vive ahora en' (" in warning
    assert "Lisboa" not in warning  # a name-like token is redacted
    wrongly_failed = _failure_classes(db)["unknown"]

    overrides = tmp_path / "cohort" / "valencia_terms.csv"
    assert (
        main(["terms", "export", "--db", str(db), "--center", "valencia", "--out", str(overrides)])
        == 0
    )
    with overrides.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    classes = {"alta por mejoría": "remission", "vive ahora en": "patient_relocation"}
    assert classes.keys() <= {r["text"] for r in rows if r["term_kind"] == "stop_reason"}
    for row in rows:
        row["class"] = classes.get(row["text"], "")
    with overrides.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    config = yaml.safe_load(summary.centers_file.read_text())
    config["centers"][0]["term_overrides"] = overrides.name
    summary.centers_file.write_text(yaml.safe_dump(config))

    second = registry_refresh(summary.centers_file, db, out)
    assert not second.nothing_new
    assert _gate_findings(second.run_folder) == []
    assert _failure_classes(db)["unknown"] < wrongly_failed
    for mart, truth_file, columns in MARTS:
        expected = truth_rows(tmp_path / "cohort" / "truth" / truth_file, columns)
        assert mart_rows(db, mart, columns) == expected, mart
    with duckdb.connect(str(db), read_only=True) as con:
        [(version, digests)] = con.execute(
            "select vocabulary_version, term_overrides from meta.run"
        ).fetchall()
    assert version == (Path(__file__).parents[2] / "vocabulary" / "VERSION").read_text().strip()
    assert set(json.loads(digests)) == {"valencia"}
