"""How a simulated export spells drugs and stop reasons: the variety real exports show."""

from __future__ import annotations

import random

from jakreg import vocabulary

STRENGTH_MG = {
    "tofacitinib": 5,
    "baricitinib": 4,
    "upadacitinib": 15,
    "filgotinib": 200,
    "adalimumab": 40,
    "etanercept": 50,
    "golimumab": 50,
    "certolizumab pegol": 200,
    "tocilizumab": 162,
    "sarilumab": 200,
    "abatacept": 125,
    "secukinumab": 150,
    "methotrexate": 15,
    "prednisone": 5,
}
STOP_REASON_TEXT_EN = {
    "inefficacy_primary": ("Primary inefficacy", "primary non-response"),
    "inefficacy_secondary": ("Secondary inefficacy", "Loss of efficacy", "lack of efficacy"),
    "adverse_event": ("Adverse event", "ADVERSE EVENT"),
    "remission": ("Remission",),
    "pregnancy": ("Pregnancy", "pregnancy planning"),
    "patient_relocation": ("Relocation",),
    "other": ("Other", "other reason"),
    "unknown": ("", "Unknown", "not recorded"),
}


def drug_text(rng: random.Random, ingredient: str, term_types: tuple[str, ...]) -> str:
    """A drug as a prescriber might have typed it: generic or brand, any case, maybe a strength."""
    terms = [t for t, kind in vocabulary.drug_terms()[ingredient] if kind in term_types]
    text = rng.choice(terms)
    style = rng.random()
    if style < 0.3:
        text = text.upper()
    elif style < 0.7:
        text = text.title()
    if ingredient in STRENGTH_MG and rng.random() < 0.3:
        text += f" {STRENGTH_MG[ingredient]} mg"
    return text


def stop_reason_text(rng: random.Random, reason_class: str | None) -> str:
    if reason_class is None:
        return ""
    return rng.choice(STOP_REASON_TEXT_EN[reason_class])
