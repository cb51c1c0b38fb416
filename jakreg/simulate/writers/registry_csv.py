"""registry_csv: UTF-8, comma, ISO dates, English headers; an empty end_date is open."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from jakreg.simulate.cohort import Patient, SimCenter, written_rows
from jakreg.simulate.naming import drug_text, stop_reason_text
from jakreg.simulate.truth import iso


class RegistryCsvWriter:
    def __init__(self, folder: Path, center: SimCenter, seed: str) -> None:
        self.rng = random.Random(f"{seed}:registry_csv:{center.id}")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "extract.json").write_text(
            json.dumps({"center": center.id, "data_cut_date": iso(center.data_cut)}, indent=2)
            + "\n",
            encoding="utf-8",
        )
        self._handles = {
            name: (folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
            for name in ("patients", "diagnoses", "prescriptions")
        }
        self.patients = csv.writer(self._handles["patients"])
        self.diagnoses = csv.writer(self._handles["diagnoses"])
        self.prescriptions = csv.writer(self._handles["prescriptions"])
        self.patients.writerow(("patient_id", "sex", "birth_date", "death_date"))
        self.diagnoses.writerow(("patient_id", "icd10", "diagnosis_date"))
        self.prescriptions.writerow(("patient_id", "drug", "start_date", "end_date", "stop_reason"))

    def write(self, patients: list[Patient]) -> None:
        rng = self.rng
        prescription_rows = []
        for patient in patients:
            pid = patient.local_id
            self.patients.writerow((pid, patient.sex, iso(patient.birth), iso(patient.death)))
            self.diagnoses.writerows((pid, code, iso(day)) for code, day in patient.diagnoses)
            prescription_rows.extend(
                written_rows(
                    patient.export_rows(),
                    lambda p, pid=pid: (
                        pid,
                        drug_text(rng, p.ingredient, ("inn", "brand", "biosimilar")),
                        iso(p.start),
                        iso(p.end),
                        stop_reason_text(rng, p),
                    ),
                )
            )
        # Exports are not sorted by patient or date; neither must the pipeline assume it.
        rng.shuffle(prescription_rows)
        self.prescriptions.writerows(prescription_rows)

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
