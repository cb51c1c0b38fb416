"""fhir_ndjson: a FHIR R4 bulk export, one resource per line, and its manifest.json.

`Patient.ndjson` (the resource id is the local identifier), `Condition.ndjson` (ICD-10 codings),
`MedicationStatement.ndjson` (ATC codings, old or new codes, and/or text; an effectivePeriod
without end is open; statusReason text) and `manifest.json`, whose transactionTime is the data
cut. Dates are written as FHIR dates or, now and then, as dateTimes with a time zone, as EMRs do.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from jakreg.simulate.cohort import Patient, Prescription, SimCenter
from jakreg.simulate.naming import atc_code, drug_text, stop_reason_text
from jakreg.simulate.truth import iso

ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
ATC_SYSTEM = "http://www.whocc.no/atc"
RESOURCE_TYPES = ("Patient", "Condition", "MedicationStatement")
TIME_ZONES = ("Z", "+01:00", "+02:00")


class FhirNdjsonWriter:
    def __init__(self, folder: Path, center: SimCenter, seed: str) -> None:
        self.rng = random.Random(f"{seed}:fhir_ndjson:{center.id}")
        self.folder = folder
        self.center = center
        folder.mkdir(parents=True, exist_ok=True)
        self._handles = {
            kind: (folder / f"{kind}.ndjson").open("w", encoding="utf-8", newline="\n")
            for kind in RESOURCE_TYPES
        }
        self.counts = dict.fromkeys(RESOURCE_TYPES, 0)

    def write(self, patients: list[Patient]) -> None:
        statements = []
        for patient in patients:
            self._emit("Patient", self._patient(patient))
            for code, day in patient.diagnoses:
                self._emit("Condition", self._condition(patient.local_id, code, day))
            statements.extend(
                (self._statement(patient.local_id, p), p.copies) for p in patient.export_rows()
            )
        # Exports are not sorted by patient or date; neither must the pipeline assume it.
        self.rng.shuffle(statements)
        for statement, copies in statements:
            self._emit("MedicationStatement", statement, copies)

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        manifest = {
            "transactionTime": f"{iso(self.center.data_cut)}T23:00:00Z",
            "request": f"https://fhir.{self.center.id}.example/fhir/$export",
            "requiresAccessToken": False,
            "output": [
                {"type": kind, "url": f"{kind}.ndjson", "count": self.counts[kind]}
                for kind in RESOURCE_TYPES
            ],
            "error": [],
        }
        (self.folder / "manifest.json").write_text(
            json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
        )

    def _emit(self, kind: str, resource: dict[str, Any], copies: int = 1) -> None:
        """Writes the resource; a duplicate (copies > 1) repeats its line, id included."""
        self.counts[kind] += copies
        line = {"resourceType": kind, "id": str(self.counts[kind]), **resource}
        text = json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"
        self._handles[kind].write(text * copies)

    def _date_time(self, ordinal: int) -> str:
        """A FHIR date, or a dateTime on the same local day."""
        day = iso(ordinal)
        if self.rng.random() < 0.8:
            return day
        hour, minute = self.rng.randint(0, 23), self.rng.randint(0, 59)
        return f"{day}T{hour:02d}:{minute:02d}:00{self.rng.choice(TIME_ZONES)}"

    def _patient(self, patient: Patient) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "id": patient.local_id,
            "gender": "female" if patient.sex == "F" else "male",
            "birthDate": iso(patient.birth),
        }
        if patient.death is not None:
            resource["deceasedDateTime"] = self._date_time(patient.death)
        elif self.rng.random() < 0.3:
            resource["deceasedBoolean"] = False
        return resource

    def _condition(self, local_id: str, code: str, day: int) -> dict[str, Any]:
        when = "onsetDateTime" if self.rng.random() < 0.7 else "recordedDate"
        return {
            "subject": {"reference": f"Patient/{local_id}"},
            "code": {"coding": [{"system": ICD10_SYSTEM, "code": code}]},
            when: self._date_time(day),
        }

    def _statement(self, local_id: str, prescription: Prescription) -> dict[str, Any]:
        rng = self.rng
        ingredient = prescription.ingredient
        medication: dict[str, Any] = {}
        style = rng.random()
        if style < 0.7:
            medication["coding"] = [
                {"system": ATC_SYSTEM, "code": atc_code(rng, ingredient), "display": ingredient}
            ]
        if style >= 0.4:
            medication["text"] = drug_text(rng, ingredient, ("inn", "brand", "biosimilar"))
        period = {"start": self._date_time(prescription.start)}
        if prescription.end is not None:
            period["end"] = self._date_time(prescription.end)
        if prescription.end is None or prescription.end > self.center.data_cut:
            status = "active"
        elif prescription.stop_reason is not None:
            status = "stopped"
        else:
            status = "completed"
        resource: dict[str, Any] = {
            "status": status,
            "medicationCodeableConcept": medication,
            "subject": {"reference": f"Patient/{local_id}"},
            "effectivePeriod": period,
        }
        reason = stop_reason_text(rng, prescription)
        if reason:
            resource["statusReason"] = [{"text": reason}]
        return resource
