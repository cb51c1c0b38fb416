"""OMOP drugs and diagnoses mapped by concept: through concept_ancestor, else concept_relationship,
else the source concept, else the source value; each mapped row says which route found it. Concept
ids are real (vocabulary/README.md says where each was checked)."""

from __future__ import annotations

from pathlib import Path

from tests.unit.extracts import omop_extract, staged_rows

TOFACITINIB, TOFACITINIB_5MG = "42904205", "42901964"
BARICITINIB, BARICITINIB_2MG, BARICITINIB_2MG_COMPONENT = "1510627", "1510632", "1510628"
METHOTREXATE, METHOTREXATE_2_5MG = "1305058", "19007332"
RA, SEROPOSITIVE_RA, OSTEOARTHRITIS = "80809", "4035611", "80180"
PERSON = {"person_id": "1", "gender_concept_id": "8532", "year_of_birth": "1960"}


def _exposure(concept: str, source_concept: str = "0", source_value: str = "") -> dict:
    return {
        "person_id": "1",
        "drug_concept_id": concept,
        "drug_exposure_start_date": "2024-01-01",
        "drug_exposure_end_date": "2024-03-31",
        "drug_source_value": source_value,
        "drug_source_concept_id": source_concept,
    }


def _condition(concept: str, source_value: str = "", source_concept: str = "0") -> dict:
    return {
        "person_id": "1",
        "condition_concept_id": concept,
        "condition_start_date": "2023-01-01",
        "condition_source_value": source_value,
        "condition_source_concept_id": source_concept,
    }


def _ancestor(ancestor: str, descendant: str) -> dict:
    return {"ancestor_concept_id": ancestor, "descendant_concept_id": descendant}


def _relationship(concept_1: str, concept_2: str, relationship: str) -> dict:
    return {"concept_id_1": concept_1, "concept_id_2": concept_2, "relationship_id": relationship}


def _prescriptions(tmp_path: Path, tables: dict) -> list[tuple]:
    center, _ = omop_extract(tmp_path, {"person": [PERSON], **tables})
    return staged_rows(
        tmp_path,
        center,
        "select ingredient, drug_mapping_route from 'stg_prescriptions.parquet' "
        "order by source_row",
    )


def test_a_drug_concept_maps_through_concept_ancestor_before_its_source_value(
    tmp_path: Path,
) -> None:
    rows = _prescriptions(
        tmp_path,
        {
            "drug_exposure": [_exposure(TOFACITINIB_5MG, source_value="Humira")],
            "concept_ancestor": [_ancestor(TOFACITINIB, TOFACITINIB_5MG)],
        },
    )
    assert rows == [("tofacitinib", "concept_ancestor")]


def test_without_an_ancestor_a_drug_reaches_its_ingredient_through_concept_relationship(
    tmp_path: Path,
) -> None:
    rows = _prescriptions(
        tmp_path,
        {
            "drug_exposure": [_exposure(BARICITINIB_2MG), _exposure("36787572")],
            "concept_relationship": [
                # As Synthea27Nj's vocabulary links them: drug -> component -> ingredient.
                _relationship(BARICITINIB_2MG, BARICITINIB_2MG_COMPONENT, "Consists of"),
                _relationship(BARICITINIB_2MG_COMPONENT, BARICITINIB, "RxNorm has ing"),
                # A marketed form leads to its drug, but not the other way round.
                _relationship(BARICITINIB_2MG, "36787572", "Has marketed form"),
            ],
        },
    )
    assert rows == [("baricitinib", "concept_relationship"), (None, None)]


def test_a_drug_concept_of_zero_falls_back_to_the_source_concept_then_the_source_value(
    tmp_path: Path,
) -> None:
    rows = _prescriptions(
        tmp_path,
        {
            "drug_exposure": [
                _exposure("0", METHOTREXATE_2_5MG, "105585"),
                _exposure("0", "0", "Olumiant 4 mg"),
                _exposure("0", "0", "ibuprofen 400"),
            ],
            "concept_ancestor": [_ancestor(METHOTREXATE, METHOTREXATE_2_5MG)],
        },
    )
    assert rows == [
        ("methotrexate", "source_concept_id"),
        ("baricitinib", "source_value"),
        (None, None),
    ]


def test_a_concept_leading_to_two_study_ingredients_keeps_the_nearest(tmp_path: Path) -> None:
    rows = _prescriptions(
        tmp_path,
        {
            "drug_exposure": [_exposure(BARICITINIB_2MG)],
            "concept_relationship": [
                _relationship(BARICITINIB_2MG, BARICITINIB, "RxNorm has ing"),
                _relationship(BARICITINIB_2MG, "1", "Consists of"),
                _relationship("1", TOFACITINIB, "RxNorm has ing"),
            ],
        },
    )
    assert rows == [("baricitinib", "concept_relationship")]


def test_diagnoses_map_by_snomed_concept_then_icd10_source_concept_then_source_value(
    tmp_path: Path,
) -> None:
    center, _ = omop_extract(
        tmp_path,
        {
            "person": [PERSON],
            "condition_occurrence": [
                _condition(SEROPOSITIVE_RA, "239792003"),
                _condition("0", "", "45576876"),
                _condition("0", "M45.9"),
                _condition(OSTEOARTHRITIS, "396275006"),
                _condition("0", "not a code"),
            ],
            "concept_ancestor": [_ancestor(RA, SEROPOSITIVE_RA)],
            "concept": [
                # ICD-10-CM M05.79 as the vocabulary holds it (its concept id is made up here).
                {"concept_id": "45576876", "vocabulary_id": "ICD10CM", "concept_code": "M05.79"}
            ],
            "drug_exposure": [_exposure("0", "0", "Olumiant")],
        },
    )
    diagnoses = staged_rows(
        tmp_path,
        center,
        "select indication, mapping_route, diagnosis_unmapped from 'stg_diagnoses.parquet' "
        "order by source_row",
    )
    assert diagnoses == [
        ("RA", "concept_ancestor", False),
        ("RA", "source_concept_id", False),
        ("axSpA", "source_value", False),
        ("other", None, False),
        ("other", None, True),
    ]
    unmapped = staged_rows(
        tmp_path,
        center,
        "select term_kind, text, n_rows from 'stg_unmapped_terms.parquet' "
        "where term_kind = 'diagnosis'",
    )
    # Text that is not shaped like a code is never kept: it may be a patient number.
    assert unmapped == [("diagnosis", None, 1)]


def test_an_end_explained_by_the_source_is_kept_on_an_observation_period_end(
    tmp_path: Path,
) -> None:
    period_end = "2025-06-30"
    ending = {
        "person_id": "1",
        "drug_concept_id": "0",
        "drug_exposure_end_date": period_end,
        "drug_source_value": "Olumiant",
    }
    center, _ = omop_extract(
        tmp_path,
        {
            "person": [PERSON],
            "observation_period": [
                {
                    "person_id": "1",
                    "observation_period_start_date": "2020-01-01",
                    "observation_period_end_date": period_end,
                }
            ],
            "drug_exposure": [
                # A single day, a verbatim end, an end days_supply after the start: all ended.
                {**ending, "drug_exposure_start_date": period_end, "days_supply": "0"},
                {
                    **ending,
                    "drug_exposure_start_date": "2025-06-01",
                    "verbatim_end_date": period_end,
                },
                {**ending, "drug_exposure_start_date": "2025-05-31", "days_supply": "30"},
                # Nothing explains this end: it is the ETL's way of writing "still running".
                {**ending, "drug_exposure_start_date": "2025-05-31", "days_supply": "90"},
            ],
        },
    )
    ends = staged_rows(
        tmp_path,
        center,
        "select end_date::varchar from 'stg_prescriptions.parquet' order by source_row",
    )
    assert ends == [(period_end,), (period_end,), (period_end,), (None,)]
