"""Stop reasons as clinicians write them are classified: vocabulary, overrides, rules, unknown.

The model `stg_stop_reasons` runs alone on a hand-built `staging.center_prescriptions`, with
the real vocabulary (and the center's overrides when a test gives them).
"""

from __future__ import annotations

import csv

import duckdb
import pytest

from jakreg.simulate.phrasing import NOTES, PHRASES
from jakreg.vocabulary import VOCABULARY_DIR
from tasks import sql_models
from tasks.extract.vocabulary import load_vocabulary
from tasks.registry import database


def _classify(
    texts: list[tuple[str, str]], overrides: list[tuple[str, str, str]] = ()
) -> dict[tuple[str, str], tuple[str, str, str | None]]:
    """(text, local id) -> (class, classified_by, redacted text)."""
    with duckdb.connect() as con:
        sql_models.create_macros(con)
        load_vocabulary(con, overrides)
        database.run(con, "create schema staging")
        database.run(
            con,
            "create table staging.center_prescriptions "
            "(local_id varchar, stop_reason_source_value varchar)",
        )
        for text, local_id in texts:
            database.run(
                con,
                "insert into staging.center_prescriptions values ($id, $text)",
                {"id": local_id, "text": text},
            )
        [model] = [
            m
            for m in sql_models.discover([sql_models.SQL_DIR / "staging"])
            if m.name == "stg_stop_reasons"
        ]
        sql_models.run_models(con, [model], {})
        rows = database.fetch_all(
            con,
            "select stop_reason_source_value, local_id, stop_reason_class, classified_by, "
            "redacted_text from staging.stg_stop_reasons",
        )
    return {(text, local_id): (cls, by, redacted) for text, local_id, cls, by, redacted in rows}


def _phrases() -> list[tuple[str, str, str]]:
    return [
        (language, reason_class, phrase)
        for language, classes in PHRASES.items()
        for reason_class, phrases in classes.items()
        for phrase in phrases
        if phrase
    ]


def test_every_phrasing_of_every_language_gets_its_class_also_with_a_note_or_in_capitals() -> None:
    texts = []
    for language, reason_class, phrase in _phrases():
        noted = NOTES[language].format(text=phrase, local_id="00004711", name="Dr. Martínez")
        texts += [(reason_class, phrase), (reason_class, phrase.upper()), (reason_class, noted)]
    classes = _classify([(text, "00004711") for _, text in texts])
    wrong = [
        (text, expected, classes[text, "00004711"][0])
        for expected, text in texts
        if classes[text, "00004711"][0] != expected
    ]
    assert wrong == []


def test_a_rule_classifies_what_the_vocabulary_does_not_hold() -> None:
    classes = _classify(
        [("Moved to another hospital", "1"), ("Verhuisd", "1"), ("Mudou-se para o Porto", "1")]
    )
    assert classes["Moved to another hospital", "1"][:2] == ("patient_relocation", "rule")
    assert classes["Verhuisd", "1"][:2] == ("patient_relocation", "vocabulary")
    assert classes["Mudou-se para o Porto", "1"][:2] == ("patient_relocation", "rule")


def test_each_rule_classifies_its_own_example() -> None:
    with (VOCABULARY_DIR / "stop_reason_rules.csv").open(encoding="utf-8") as handle:
        rules = list(csv.DictReader(handle))
    assert {r["language"] for r in rules} == {"en", "es", "ca", "pt", "nl"}
    classes = _classify([(r["example"], "1") for r in rules])
    for rule in rules:
        assert classes[rule["example"], "1"][0] == rule["stop_reason_class"], rule["example"]


def test_a_more_specific_rule_wins_primary_over_plain_inefficacy() -> None:
    classes = _classify([("fallo 1º", "1"), ("fallo 2º", "1"), ("fallo hepático grave", "1")])
    assert classes["fallo 1º", "1"][0] == "inefficacy_primary"
    assert classes["fallo 2º", "1"][0] == "inefficacy_secondary"
    assert classes["fallo hepático grave", "1"][0] == "adverse_event"


def test_text_nothing_classifies_is_unknown_and_redacted_for_review() -> None:
    text = "traslado?? ver NHC QQLEAK7777 Juan Perez, llamar 612345678"
    classes = _classify([("ver evolutivo de Juan Perez 00000397", "00000397"), (text, "X9")])
    assert classes["ver evolutivo de Juan Perez 00000397", "00000397"] == (
        "unknown",
        "unmatched",
        "ver evolutivo de",
    )
    # A class word survives redaction; names, numbers and codes do not.
    cls, by, redacted = classes[text, "X9"]
    assert (cls, by) == ("patient_relocation", "rule")
    assert redacted == "traslado?? ver llamar"


def test_the_rows_own_local_id_is_redacted_even_without_digits() -> None:
    classes = _classify([("see notes abcdef", "ABCDEF")])
    assert classes["see notes abcdef", "ABCDEF"] == ("unknown", "unmatched", "see notes")


def test_an_override_keyed_on_the_redacted_text_classifies_before_the_rules() -> None:
    texts = [("zie brief 12-03 (Jansen)", "1"), ("zie brief", "2"), ("Other", "3")]
    assert _classify(texts)["zie brief", "2"][:2] == ("unknown", "unmatched")
    classes = _classify(texts, [("stop_reason", "zie brief", "other")])
    assert classes["zie brief 12-03 (Jansen)", "1"][:2] == ("other", "override")
    assert classes["zie brief", "2"][:2] == ("other", "override")
    assert classes["Other", "3"][:2] == ("other", "vocabulary")


@pytest.mark.parametrize("text", ["?", " - ", "..."])
def test_a_text_of_punctuation_only_counts_as_blank(text: str) -> None:
    assert _classify([(text, "1")])[text, "1"][:2] == ("unknown", "blank")
