"""The vocabulary files are consistent and SQL normalises terms exactly as Python does."""

from __future__ import annotations

import duckdb
import pytest

from jakreg import vocabulary
from jakreg.config import ADVANCED_CLASSES
from jakreg.simulate.naming import STOP_REASON_TEXT_EN, STOP_REASON_TEXT_ES
from tasks import sql_models
from tasks.extract.vocabulary import load_vocabulary
from tasks.registry import database

SAMPLES = ["XELJANZ 5 MG COMPRIMIDOS", "Remisión", "  Solu-Moderin ", "L04AA29|tofacitinib", "Ña"]


def test_every_drug_term_maps_to_a_known_ingredient_and_is_already_normalised() -> None:
    ingredients = vocabulary.ingredients()
    for ingredient, terms in vocabulary.drug_terms().items():
        assert ingredient in ingredients
        for term, _ in terms:
            assert vocabulary.normalise_term(term) == term


def test_every_advanced_class_has_an_ingredient() -> None:
    classes = {i.target_class for i in vocabulary.ingredients().values()}
    assert set(ADVANCED_CLASSES) <= classes


@pytest.mark.parametrize("text", SAMPLES)
def test_sql_normalisation_equals_python(text: str) -> None:
    con = duckdb.connect()
    sql_models.create_macros(con)
    assert database.fetch_value(con, "select normalise_term($t)", {"t": text}) == (
        vocabulary.normalise_term(text)
    )


@pytest.mark.parametrize("written", [STOP_REASON_TEXT_EN, STOP_REASON_TEXT_ES])
def test_every_stop_reason_the_simulator_writes_maps_to_its_class(
    written: dict[str, tuple[str, ...]],
) -> None:
    con = duckdb.connect()
    load_vocabulary(con)
    mapping = dict(
        database.fetch_all(con, "select term, stop_reason_class from vocab.stop_reasons")
    )
    for reason_class, texts in written.items():
        for text in texts:
            if text:
                assert mapping[vocabulary.normalise_term(text)] == reason_class, text
