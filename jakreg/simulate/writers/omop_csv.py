"""omop_csv: an OMOP CDM v5.4 extract, tab-delimited UTF-8 files with every CDM column.

OMOP has no open prescriptions: an exposure still running at the data cut is written ending on
the source release date or on the end of the person's observation period (death, else the data
cut), which is how the reader recognises it. person_id is a number private to the extract; the
hospital's local identifier is person_source_value.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from jakreg.omop_cdm import COLUMNS
from jakreg.simulate.cohort import Patient, Prescription, SimCenter
from jakreg.simulate.naming import atc_code, drug_text, stop_reason_text
from jakreg.simulate.truth import iso

GENDER_CONCEPT = {"F": 8532, "M": 8507}
EHR = 32817
EHR_PRESCRIPTION = 32838
CDM_V54 = 756265


class OmopCsvWriter:
    def __init__(self, folder: Path, center: SimCenter, seed: str) -> None:
        self.rng = random.Random(f"{seed}:omop_csv:{center.id}")
        self.release = center.data_cut
        folder.mkdir(parents=True, exist_ok=True)
        self._handles = {
            name: (folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
            for name in COLUMNS
        }
        self._tables = {
            name: csv.writer(handle, delimiter="\t", lineterminator="\n")
            for name, handle in self._handles.items()
        }
        for name, columns in COLUMNS.items():
            self._tables[name].writerow(columns)
        self._row(
            "cdm_source",
            cdm_source_name=f"{center.id} hospital EHR",
            cdm_source_abbreviation=center.id.upper(),
            source_release_date=iso(center.data_cut),
            cdm_release_date=iso(center.data_cut + 1),
            cdm_version="v5.4",
            cdm_version_concept_id=CDM_V54,
        )
        self.next_id = {"person": 1, "condition_occurrence": 1, "drug_exposure": 1}

    def _row(self, table: str, **values: object) -> None:
        self._tables[table].writerow(
            "" if values.get(c) is None else values[c] for c in COLUMNS[table]
        )

    def _id(self, table: str) -> int:
        self.next_id[table] += 1
        return self.next_id[table] - 1

    def write(self, patients: list[Patient]) -> None:
        exposures = []
        for patient in patients:
            person_id = self._id("person")
            birth = date.fromordinal(patient.birth)
            self._row(
                "person",
                person_id=person_id,
                gender_concept_id=GENDER_CONCEPT[patient.sex],
                year_of_birth=birth.year,
                month_of_birth=birth.month,
                day_of_birth=birth.day,
                birth_datetime=f"{birth.isoformat()} 00:00:00",
                race_concept_id=0,
                ethnicity_concept_id=0,
                person_source_value=patient.local_id,
                gender_source_value=patient.sex,
            )
            if patient.death is not None:
                self._row(
                    "death",
                    person_id=person_id,
                    death_date=iso(patient.death),
                    death_type_concept_id=EHR,
                )
            prescriptions = patient.export_rows()
            period_end = patient.death or self.release
            period_start = min(
                [day for _, day in patient.diagnoses] + [p.start for p in prescriptions]
            )
            self._row(
                "observation_period",
                observation_period_id=person_id,
                person_id=person_id,
                observation_period_start_date=iso(period_start),
                observation_period_end_date=iso(period_end),
                period_type_concept_id=EHR,
            )
            for code, day in patient.diagnoses:
                self._row(
                    "condition_occurrence",
                    condition_occurrence_id=self._id("condition_occurrence"),
                    person_id=person_id,
                    condition_concept_id=0,
                    condition_start_date=iso(day),
                    condition_type_concept_id=EHR,
                    condition_source_value=code,
                )
            exposures.extend((person_id, p, period_end) for p in prescriptions)
        # Exports are not sorted by patient or date; neither must the pipeline assume it.
        self.rng.shuffle(exposures)
        for person_id, prescription, period_end in exposures:
            self._exposure(person_id, prescription, period_end)

    def _exposure(self, person_id: int, prescription: Prescription, period_end: int) -> None:
        end = prescription.end
        if end is None:
            running_until = [self.release]
            if period_end >= prescription.start:
                running_until.append(period_end)
            end = self.rng.choice(running_until)
        values = {
            "drug_exposure_id": self._id("drug_exposure"),
            "person_id": person_id,
            "drug_concept_id": 0,
            "drug_exposure_start_date": iso(prescription.start),
            "drug_exposure_end_date": iso(end),
            "drug_type_concept_id": EHR_PRESCRIPTION,
            "stop_reason": stop_reason_text(self.rng, prescription) or None,
            "drug_source_value": self._drug_source_value(prescription.ingredient),
        }
        for _ in range(prescription.copies):
            self._row("drug_exposure", **values)

    def _drug_source_value(self, ingredient: str) -> str:
        """An ATC code (current or pre-2024), a name, or both as `ATC|name`."""
        rng = self.rng
        atc = atc_code(rng, ingredient)
        style = rng.random()
        if style < 0.35:
            return atc
        name = drug_text(rng, ingredient, ("inn", "brand", "biosimilar"))
        return name if style < 0.7 else f"{atc}|{name}"

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
