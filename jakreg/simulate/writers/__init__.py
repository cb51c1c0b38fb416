"""One writer per export dialect; each streams chunks of patients into a center's extract folder."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol as Interface

from jakreg.simulate.cohort import Patient, SimCenter
from jakreg.simulate.writers.es_his_csv import EsHisCsvWriter
from jakreg.simulate.writers.fhir_ndjson import FhirNdjsonWriter
from jakreg.simulate.writers.omop_csv import OmopCsvWriter
from jakreg.simulate.writers.registry_csv import RegistryCsvWriter


class DialectWriter(Interface):
    def __init__(self, folder: Path, center: SimCenter, seed: str) -> None: ...

    def write(self, patients: list[Patient]) -> None: ...

    def close(self) -> None: ...


WRITERS: dict[str, type[DialectWriter]] = {
    "registry_csv": RegistryCsvWriter,
    "es_his_csv": EsHisCsvWriter,
    "omop_csv": OmopCsvWriter,
    "fhir_ndjson": FhirNdjsonWriter,
}
