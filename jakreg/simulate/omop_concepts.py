"""Real OMOP drug concepts the simulator writes into a CDM, with the vocabulary rows linking them.

One clinical drug (RxNorm) per ingredient where a verified one is known: the product a CDM's
drug_exposure.drug_concept_id would hold. Each was read from public OHDSI-network material and
checked against a vocabulary readable offline where one holds it (vocabulary/README.md says
where): OHDSI Synthea27Nj's CONCEPT.csv holds 1510632, 19007332, 1551192 and 40184084; the others
come from PEDSnet's published OMOP codesets (github.com/PEDSnet/Variable-Dictionary, drugs/).
An ingredient with a concept id but no clinical drug here is written at ingredient level (OMOP
allows it); one with no concept id (filgotinib, among others) is written with drug_concept_id 0,
so only its drug_source_value identifies it.
"""

from __future__ import annotations

from jakreg import vocabulary

CLINICAL_DRUGS: dict[str, tuple[int, str]] = {
    "tofacitinib": (42901964, "tofacitinib 5 MG Oral Tablet"),
    "baricitinib": (1510632, "baricitinib 2 MG Oral Tablet"),
    "adalimumab": (19127196, "0.8 ML adalimumab 50 MG/ML Prefilled Syringe"),
    "infliximab": (19078524, "infliximab 100 MG Injection"),
    "abatacept": (19123382, "abatacept 250 MG Injection"),
    "rituximab": (46275080, "rituximab 10 MG/ML Injection"),
    "tocilizumab": (44507566, "0.9 ML tocilizumab 180 MG/ML Prefilled Syringe"),
    "sarilumab": (1594611, "1.14 ML sarilumab 175 MG/ML Prefilled Syringe"),
    "anakinra": (1114379, "0.67 ML anakinra 149 MG/ML Prefilled Syringe"),
    "methotrexate": (19007332, "methotrexate 2.5 MG Oral Tablet"),
    "prednisone": (1551192, "prednisone 5 MG Oral Tablet"),
    "hydroxychloroquine": (40184084, "hydroxychloroquine sulfate 200 MG Oral Tablet"),
}


def drug_concept_id(ingredient: str) -> int:
    """The concept a CDM records an exposure to `ingredient` under: its clinical drug, else the
    ingredient itself, else 0 (no verified concept, or a drug outside the vocabulary)."""
    if ingredient in CLINICAL_DRUGS:
        return CLINICAL_DRUGS[ingredient][0]
    known = vocabulary.ingredients().get(ingredient)
    return (known.rxnorm_concept_id if known else None) or 0


def concept_rows() -> list[dict[str, object]]:
    """concept.csv rows: every ingredient with a concept id, and the clinical drugs above."""
    rows: list[dict[str, object]] = [
        _concept(item.rxnorm_concept_id, name, "Ingredient")
        for name, item in vocabulary.ingredients().items()
        if item.rxnorm_concept_id
    ]
    rows += [_concept(cid, name, "Clinical Drug") for cid, name in CLINICAL_DRUGS.values()]
    return rows


def concept_ancestor_rows() -> list[dict[str, object]]:
    """concept_ancestor.csv rows: each concept is its own ancestor (as in every CDM), and each
    clinical drug descends from its ingredient one level down."""
    ingredients = vocabulary.ingredients()
    rows = [_ancestor(row["concept_id"], row["concept_id"], 0) for row in concept_rows()]
    rows += [
        _ancestor(ingredients[name].rxnorm_concept_id, cid, 1)
        for name, (cid, _) in CLINICAL_DRUGS.items()
    ]
    return rows


def _concept(concept_id: int | None, name: str, concept_class: str) -> dict[str, object]:
    return {
        "concept_id": concept_id,
        "concept_name": name,
        "domain_id": "Drug",
        "vocabulary_id": "RxNorm",
        "concept_class_id": concept_class,
        "standard_concept": "S",
        "valid_start_date": "1970-01-01",
        "valid_end_date": "2099-12-31",
    }


def _ancestor(ancestor: object, descendant: object, levels: int) -> dict[str, object]:
    return {
        "ancestor_concept_id": ancestor,
        "descendant_concept_id": descendant,
        "min_levels_of_separation": levels,
        "max_levels_of_separation": levels,
    }
