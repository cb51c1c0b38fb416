"""`jakreg simulate --dirty` writes what real exports carry and leaves the truth as it is."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from jakreg import vocabulary
from jakreg.cli import main
from jakreg.config import Protocol
from jakreg.simulate import dirt, simulate, simulation_centers
from jakreg.simulate.cohort import PatientGenerator
from jakreg.simulate.naming import NON_STUDY_DRUGS
from jakreg.simulate.phrasing import PHRASES

DIALECTS = ("registry_csv", "es_his_csv", "omop_csv", "fhir_ndjson")
# file, delimiter, encoding, date format, columns (patient, drug, start, end, stop reason)
PRESCRIPTIONS = {
    "registry_csv": (
        "prescriptions.csv",
        ",",
        "utf-8",
        "%Y-%m-%d",
        ("patient_id", "drug", "start_date", "end_date", "stop_reason"),
    ),
    "es_his_csv": (
        "tratamientos.csv",
        ";",
        "latin-1",
        "%d/%m/%Y",
        ("NHC", "MEDICAMENTO", "FECHA_INICIO", "FECHA_FIN", "MOTIVO_SUSPENSION"),
    ),
    "omop_csv": (
        "drug_exposure.csv",
        "\t",
        "utf-8",
        "%Y-%m-%d",
        (
            "person_id",
            "drug_source_value",
            "drug_exposure_start_date",
            "drug_exposure_end_date",
            "stop_reason",
        ),
    ),
}


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dirty")
    simulate(out, patients=1200, centers=4, seed=3, dialects=DIALECTS, dirty=True)
    return out


def _extract(root: Path, center: str) -> Path:
    [folder] = (root / "landing" / center).iterdir()
    return folder


def _dirt(root: Path) -> dict[tuple[str, str], int]:
    with (root / "truth" / "dirt.csv").open(encoding="utf-8") as handle:
        return {(r["dialect"], r["kind"]): int(r["rows"]) for r in csv.DictReader(handle)}


def _lines(path: Path, encoding: str) -> list[str]:
    """The data lines of a file (a CSV file's header left out)."""
    lines = path.read_text(encoding=encoding).splitlines()
    return lines if path.suffix == ".ndjson" else lines[1:]


def _rows(root: Path, center: str, dialect: str) -> list[tuple[str, str, date, date | None, str]]:
    """(patient, drug, start, end, stop reason) of every prescription row of the center."""
    name, delimiter, encoding, date_format, columns = PRESCRIPTIONS[dialect]
    path = _extract(root, center) / name
    with path.open(encoding=encoding, newline="") as handle:
        rows = [[r[c] for c in columns] for r in csv.DictReader(handle, delimiter=delimiter)]

    def day(text: str) -> date | None:
        return datetime.strptime(text, date_format).date() if text else None

    return [(p, drug, day(start), day(end), reason) for p, drug, start, end, reason in rows]


def test_dirt_leaves_the_truth_of_every_center_that_records_deaths_as_it_is(
    dirty: Path, tmp_path: Path
) -> None:
    dialects = ("registry_csv", "es_his_csv", "fhir_ndjson")
    simulate(tmp_path / "clean", patients=600, centers=3, seed=4, dialects=dialects)
    simulate(tmp_path / "dirty", patients=600, centers=3, seed=4, dialects=dialects, dirty=True)
    for name in ("advanced_therapy_courses", "jaki_courses", "jaki_failures"):
        clean = (tmp_path / "clean" / "truth" / f"{name}.csv").read_bytes()
        assert (tmp_path / "dirty" / "truth" / f"{name}.csv").read_bytes() == clean, name
    clean = _lines(_extract(tmp_path / "clean", "valencia") / "prescriptions.csv", "utf-8")
    soiled = _lines(_extract(tmp_path / "dirty", "valencia") / "prescriptions.csv", "utf-8")
    assert len(soiled) > len(clean)


@pytest.mark.parametrize(
    ("center", "dialect"),
    [("valencia", "registry_csv"), ("sagunto", "es_his_csv"), ("madrid", "omop_csv")],
)
def test_each_kind_of_dirt_is_in_the_file_as_often_as_dirt_csv_says(
    dirty: Path, center: str, dialect: str
) -> None:
    dirt = _dirt(dirty)
    name, _, encoding, _, _ = PRESCRIPTIONS[dialect]
    lines = _lines(_extract(dirty, center) / name, encoding)
    rows = _rows(dirty, center, dialect)
    # Extracts are sent the day after their data cut.
    data_cut = date.fromisoformat(_extract(dirty, center).name) - timedelta(days=1)
    typos = [r for r in rows if r[3] is not None and r[3] < r[2]]
    assert len(typos) == dirt[dialect, "end_before_start"] > 0
    assert len(typos) / len(rows) < 0.01  # under DQD's threshold for start after end
    assert sum(n - 1 for n in Counter(lines).values()) == dirt[dialect, "exact_duplicate"] > 0
    assert len([r for r in rows if r[2] > data_cut]) == dirt[dialect, "after_data_cut"] > 0
    # About one prescription row in ten is a drug outside rheumatology.
    assert 0.07 < dirt[dialect, "non_study_drug"] / len(rows) < 0.13


def test_dirt_adds_rows_outside_every_course_and_never_changes_a_course() -> None:
    centers = simulation_centers(1, ("registry_csv",), dirty=True)
    generator = PatientGenerator(random.Random(1), centers, Protocol())
    rng, cut = random.Random(2), centers[0].data_cut
    kinds: Counter[str] = Counter()
    for index in range(3000):
        patient = generator.patient(index)
        courses = [(c.start, c.end, len(c.prescriptions)) for c in patient.courses]
        kinds.update(dirt.soil(patient, rng, "en", cut))
        assert [(c.start, c.end, len(c.prescriptions)) for c in patient.courses] == courses
        rows = patient.prescriptions()
        for extra in patient.extra_prescriptions:
            if extra.end < extra.start:  # a typo: both dates inside a row of the same drug
                assert any(
                    r.ingredient == extra.ingredient
                    and r.end is not None
                    and r.start <= extra.end < extra.start <= r.end
                    for r in rows
                )
            elif extra.ingredient not in NON_STUDY_DRUGS:
                assert extra.start > cut
    assert min(kinds[k] for k in dirt.DIRT_KINDS) > 0


def test_drugs_outside_rheumatology_are_written_the_dialects_way(dirty: Path) -> None:
    spanish = {product for _, _, product in NON_STUDY_DRUGS.values()}
    assert spanish & {r[1] for r in _rows(dirty, "sagunto", "es_his_csv")}
    atc = {code for code, _, _ in NON_STUDY_DRUGS.values()}
    omop_drugs = {r[1].split("|")[0] for r in _rows(dirty, "madrid", "omop_csv")}
    assert atc & omop_drugs
    known = {t for pairs in vocabulary.drug_terms().values() for t, _ in pairs}
    names = {
        vocabulary.normalise_term(n) for _, names, _ in NON_STUDY_DRUGS.values() for n in names
    }
    assert not names & known
    assert not {vocabulary.normalise_term(c) for c in atc} & known


def test_the_omop_center_sends_an_empty_death_table_and_its_truth_has_no_deaths(
    dirty: Path,
) -> None:
    assert (_extract(dirty, "madrid") / "death.csv").read_text().count("\n") == 1
    with (dirty / "truth" / "advanced_therapy_courses.csv").open(encoding="utf-8") as handle:
        statuses = Counter((r["center_id"], r["status"]) for r in csv.DictReader(handle))
    assert statuses["madrid", "censored_death"] == 0
    assert statuses["valencia", "censored_death"] > 0


def test_stop_reasons_are_written_in_each_centers_language(dirty: Path) -> None:
    def reasons(center: str, dialect: str) -> set[str]:
        return {r[4] for r in _rows(dirty, center, dialect)}

    assert {"Loss of efficacy", "Patient transferred"} <= reasons("valencia", "registry_csv")
    spanish = reasons("sagunto", "es_his_csv")
    assert {"Pérdida de eficacia", "Pèrdua d'eficàcia"} & spanish  # Spanish and Catalan
    assert "Traslado a otro centro" in spanish
    portuguese = reasons("madrid", "omop_csv")
    assert {"Perda de eficácia", "Mudança de residência"} <= portuguese
    statements = (_extract(dirty, "barcelona") / "MedicationStatement.ndjson").read_text()
    dutch = [p for phrases in PHRASES["nl"].values() for p in phrases if p]
    assert sum(f'"text":"{p}"' in statements for p in dutch) > len(dutch) / 2


def test_some_stop_reasons_carry_the_patients_own_number_and_a_name(dirty: Path) -> None:
    noted = [r for r in _rows(dirty, "valencia", "registry_csv") if "MRN" in r[4]]
    assert noted and all(f"MRN {r[0]} (" in r[4] for r in noted)
    assert _dirt(dirty)["registry_csv", "stop_reason_with_note"] == len(noted)


def test_a_fhir_duplicate_repeats_the_resource_line_with_its_id(dirty: Path) -> None:
    lines = _lines(_extract(dirty, "barcelona") / "MedicationStatement.ndjson", "utf-8")
    repeated = [line for line, n in Counter(lines).items() if n > 1]
    assert len(repeated) == _dirt(dirty)["fhir_ndjson", "exact_duplicate"] > 0
    manifest = json.loads((_extract(dirty, "barcelona") / "manifest.json").read_text())
    counts = {o["type"]: o["count"] for o in manifest["output"]}
    assert counts["MedicationStatement"] == len(lines)


def test_cli_simulate_dirty_writes_the_dirt_file(tmp_path: Path) -> None:
    argv = ["simulate", "--out", str(tmp_path), "--patients", "60", "--centers", "2", "--dirty"]
    assert main(argv) == 0
    assert (tmp_path / "truth" / "dirt.csv").is_file()
