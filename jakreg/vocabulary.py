"""Where the versioned vocabulary lives and how its terms are normalised.

The same normalisation runs in SQL (`sql/staging/stg_prescriptions.sql` via the `normalise_term`
macro in `tasks/extract/macros.py`); `normalise_term` here is its Python twin for the simulator and
for checking the vocabulary files, and a unit test keeps the two equal.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

VOCABULARY_DIR = Path(__file__).resolve().parents[1] / "vocabulary"


def normalise_term(text: str) -> str:
    """Lower case, accents stripped, every non-alphanumeric run collapsed to one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", stripped.lower()).strip()


@dataclass(frozen=True)
class Ingredient:
    name: str
    target_class: str
    atc_code: str
    atc_code_previous: str
    eu_approval_date: date
    # The OMOP standard concept of the ingredient (RxNorm), or None where none is verified yet.
    rxnorm_concept_id: int | None


def version() -> str:
    return (VOCABULARY_DIR / "VERSION").read_text(encoding="utf-8").strip()


@cache
def ingredients() -> dict[str, Ingredient]:
    with (VOCABULARY_DIR / "ingredients.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["ingredient"]: Ingredient(
                row["ingredient"],
                row["target_class"],
                row["atc_code"],
                row["atc_code_previous"],
                date.fromisoformat(row["eu_approval_date"]),
                int(row["rxnorm_concept_id"]) if row["rxnorm_concept_id"] else None,
            )
            for row in csv.DictReader(handle)
        }


@cache
def drug_terms() -> dict[str, list[tuple[str, str]]]:
    """ingredient -> [(term, term_type), ...]"""
    terms: dict[str, list[tuple[str, str]]] = {}
    with (VOCABULARY_DIR / "drug_terms.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            terms.setdefault(row["ingredient"], []).append((row["term"], row["term_type"]))
    return terms


@cache
def indication_concepts() -> dict[str, list[int]]:
    """indication -> its SNOMED concept ids (vocabulary/condition_concepts.csv), in file order."""
    concepts: dict[str, list[int]] = {}
    with (VOCABULARY_DIR / "condition_concepts.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            concepts.setdefault(row["indication"], []).append(int(row["concept_id"]))
    return concepts


@cache
def concept_relationships() -> tuple[tuple[str, str], ...]:
    """(relationship_id, domain) pairs of vocabulary/concept_relationships.csv."""
    path = VOCABULARY_DIR / "concept_relationships.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple((row["relationship_id"], row["domain"]) for row in csv.DictReader(handle))


def concept_targets() -> list[int]:
    """Every OMOP concept a drug or condition may map to: the ingredients' RxNorm concepts and the
    indications' SNOMED concepts."""
    drugs = [i.rxnorm_concept_id for i in ingredients().values() if i.rxnorm_concept_id]
    return drugs + [c for concepts in indication_concepts().values() for c in concepts]
