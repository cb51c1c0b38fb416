"""es_his_csv: latin-1, semicolon, dd/mm/yyyy, Spanish headers, values and product descriptions."""

from __future__ import annotations

import csv
import json
import random
from datetime import date
from pathlib import Path

from jakreg.simulate.cohort import Patient, SimCenter, written_rows
from jakreg.simulate.naming import STOP_REASON_TEXT_ES, spanish_product_text, stop_reason_text
from jakreg.simulate.truth import iso

SEXO = {"F": "Mujer", "M": "Hombre"}


def fecha(ordinal: int | None) -> str:
    return "" if ordinal is None else date.fromordinal(ordinal).strftime("%d/%m/%Y")


class EsHisCsvWriter:
    def __init__(self, folder: Path, center: SimCenter, seed: str) -> None:
        self.rng = random.Random(f"{seed}:es_his_csv:{center.id}")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "extract.json").write_text(
            json.dumps({"center": center.id, "data_cut_date": iso(center.data_cut)}, indent=2)
            + "\n",
            encoding="utf-8",
        )
        self._handles = {
            name: (folder / f"{name}.csv").open("w", encoding="latin-1", newline="")
            for name in ("pacientes", "diagnosticos", "tratamientos")
        }
        self.pacientes = csv.writer(self._handles["pacientes"], delimiter=";")
        self.diagnosticos = csv.writer(self._handles["diagnosticos"], delimiter=";")
        self.tratamientos = csv.writer(self._handles["tratamientos"], delimiter=";")
        self.pacientes.writerow(("NHC", "SEXO", "FECHA_NACIMIENTO", "FECHA_EXITUS"))
        self.diagnosticos.writerow(("NHC", "CIE10", "FECHA_DIAGNOSTICO"))
        self.tratamientos.writerow(
            ("NHC", "MEDICAMENTO", "FECHA_INICIO", "FECHA_FIN", "MOTIVO_SUSPENSION")
        )

    def write(self, patients: list[Patient]) -> None:
        rng = self.rng
        rows = []
        for patient in patients:
            nhc = patient.local_id
            self.pacientes.writerow(
                (nhc, SEXO[patient.sex], fecha(patient.birth), fecha(patient.death))
            )
            self.diagnosticos.writerows((nhc, code, fecha(day)) for code, day in patient.diagnoses)
            rows.extend(
                written_rows(
                    patient.export_rows(),
                    lambda p, nhc=nhc: (
                        nhc,
                        spanish_product_text(rng, p.ingredient),
                        fecha(p.start),
                        fecha(p.end),
                        stop_reason_text(rng, p, STOP_REASON_TEXT_ES),
                    ),
                )
            )
        # Exports are not sorted by patient or date; neither must the pipeline assume it.
        rng.shuffle(rows)
        self.tratamientos.writerows(rows)

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
