"""How a simulated export spells drugs and stop reasons: the variety real exports show."""

from __future__ import annotations

import random

from jakreg import vocabulary
from jakreg.simulate.cohort import Prescription

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
STOP_REASON_TEXT_ES = {
    "inefficacy_primary": ("Ineficacia primaria", "Fallo primario", "No respuesta primaria"),
    "inefficacy_secondary": ("Ineficacia secundaria", "Pérdida de eficacia", "Fallo secundario"),
    "adverse_event": ("Efecto adverso", "Reacción adversa", "Infección grave", "Intolerancia"),
    "remission": ("Remisión", "Remisión clínica"),
    "pregnancy": ("Deseo gestacional", "Embarazo"),
    "patient_relocation": ("Traslado a otro centro", "Cambio de domicilio"),
    "other": ("Otros motivos", "Decisión del paciente"),
    "unknown": ("", "No consta", "Desconocido"),
}
ORAL = ("COMPRIMIDOS RECUBIERTOS CON PELÍCULA", "COMPRIMIDOS")
SUBCUTANEOUS = (
    "SOLUCIÓN INYECTABLE EN PLUMA PRECARGADA",
    "SOLUCIÓN INYECTABLE EN JERINGA PRECARGADA",
)
INFUSION = ("POLVO PARA CONCENTRADO PARA SOLUCIÓN PARA PERFUSIÓN",)
# A Spanish product description: strength in mg and the dose forms it is sold in.
SPANISH_PRODUCTS = {
    "tofacitinib": (5, ORAL),
    "baricitinib": (4, ORAL),
    "upadacitinib": (15, ("COMPRIMIDOS DE LIBERACIÓN PROLONGADA",)),
    "filgotinib": (200, ORAL),
    "apremilast": (30, ORAL),
    "methotrexate": (2.5, ("COMPRIMIDOS",)),
    "sulfasalazine": (500, ("COMPRIMIDOS GASTRORRESISTENTES",)),
    "prednisone": (5, ("COMPRIMIDOS",)),
    "infliximab": (100, INFUSION),
    "rituximab": (500, ("CONCENTRADO PARA SOLUCIÓN PARA PERFUSIÓN",)),
    "adalimumab": (40, SUBCUTANEOUS),
    "etanercept": (50, SUBCUTANEOUS),
    "golimumab": (50, SUBCUTANEOUS),
    "certolizumab pegol": (200, SUBCUTANEOUS),
    "tocilizumab": (162, SUBCUTANEOUS),
    "sarilumab": (200, SUBCUTANEOUS),
    "abatacept": (125, SUBCUTANEOUS),
    "ustekinumab": (45, SUBCUTANEOUS),
    "secukinumab": (150, SUBCUTANEOUS),
    "ixekizumab": (80, SUBCUTANEOUS),
    "bimekizumab": (160, SUBCUTANEOUS),
    "guselkumab": (100, SUBCUTANEOUS),
    "risankizumab": (150, SUBCUTANEOUS),
    "tildrakizumab": (100, SUBCUTANEOUS),
    "anakinra": (100, SUBCUTANEOUS),
}


# Drugs outside rheumatology that a pharmacy export holds (--dirty): ATC code, names a prescriber
# types, a Spanish product description. None of them is in the vocabulary.
NON_STUDY_DRUGS = {
    "paracetamol": ("N02BE01", ("paracetamol", "acetaminophen"), "PARACETAMOL 1 G COMPRIMIDOS"),
    "ibuprofen": (
        "M01AE01",
        ("ibuprofen", "ibuprofeno"),
        "IBUPROFENO 600 MG COMPRIMIDOS RECUBIERTOS CON PELÍCULA",
    ),
    "metamizole": ("N02BB02", ("metamizole", "nolotil"), "METAMIZOL MAGNÉSICO 575 MG CÁPSULAS"),
    "tramadol": ("N02AX02", ("tramadol",), "TRAMADOL 50 MG CÁPSULAS DURAS"),
    "pantoprazole": (
        "A02BC02",
        ("pantoprazole", "pantoprazol"),
        "PANTOPRAZOL 40 MG COMPRIMIDOS GASTRORRESISTENTES",
    ),
    "esomeprazole": ("A02BC05", ("esomeprazole", "nexium"), "ESOMEPRAZOL 20 MG CÁPSULAS"),
    "atorvastatin": (
        "C10AA05",
        ("atorvastatin", "atorvastatina"),
        "ATORVASTATINA 20 MG COMPRIMIDOS RECUBIERTOS CON PELÍCULA",
    ),
    "simvastatin": ("C10AA01", ("simvastatin", "zocor"), "SIMVASTATINA 20 MG COMPRIMIDOS"),
    "rosuvastatin": ("C10AA07", ("rosuvastatin", "crestor"), "ROSUVASTATINA 10 MG COMPRIMIDOS"),
}


def drug_text(rng: random.Random, ingredient: str, term_types: tuple[str, ...]) -> str:
    """A drug as a prescriber might have typed it: generic or brand, any case, maybe a strength."""
    if ingredient in NON_STUDY_DRUGS:
        terms = list(NON_STUDY_DRUGS[ingredient][1])
    else:
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


def spanish_product_text(rng: random.Random, ingredient: str) -> str:
    """A hospital pharmacy's product description: brand or Spanish generic name, strength and
    dose form, upper case ("XELJANZ 5 MG COMPRIMIDOS RECUBIERTOS CON PELÍCULA")."""
    if ingredient in NON_STUDY_DRUGS:
        return NON_STUDY_DRUGS[ingredient][2]
    terms = [
        t
        for t, kind in vocabulary.drug_terms()[ingredient]
        if kind in ("brand", "biosimilar", "inn_es", "inn")
    ]
    strength, forms = SPANISH_PRODUCTS[ingredient]
    milligrams = str(strength).replace(".", ",")
    return f"{rng.choice(terms)} {milligrams} MG {rng.choice(forms)}".upper()


def atc_code(rng: random.Random, ingredient: str) -> str:
    """The ingredient's ATC code, before or after the 2024 revision when it changed: centers send
    both (tofacitinib L04AA29 or L04AF01)."""
    if ingredient in NON_STUDY_DRUGS:
        return NON_STUDY_DRUGS[ingredient][0]
    ingredient_record = vocabulary.ingredients()[ingredient]
    if ingredient_record.atc_code_previous and rng.random() < 0.5:
        return ingredient_record.atc_code_previous
    return ingredient_record.atc_code


def stop_reason_text(
    rng: random.Random,
    prescription: Prescription,
    texts: dict[str, tuple[str, ...]] | None = None,
) -> str:
    """The row's written stop reason: as the cohort phrased it, else one of the class's texts,
    in English unless another table of texts is given."""
    if prescription.stop_reason_text is not None:
        return prescription.stop_reason_text
    if prescription.stop_reason is None:
        return ""
    return rng.choice((texts or STOP_REASON_TEXT_EN)[prescription.stop_reason])
