"""Stop reasons as clinicians write them in each center's language, for `jakreg simulate --dirty`.

Each class is phrased several ways per language: the vocabulary's own terms, other wordings,
abbreviations and now and then a note that carries the patient's number or a name, as free text
in an EMR does. Every phrase of a class other than `unknown` must be classified to that class by
the vocabulary (exact terms, then `vocabulary/stop_reason_rules.csv`); `unknown` phrases must
match neither. `tests/unit/test_stop_reason_rules.py` holds the vocabulary to that.
"""

from __future__ import annotations

import random

LANGUAGES = ("en", "es", "pt", "nl")
# Spanish hospitals in Catalonia and Valencia write Catalan/Valencian as often as Spanish.
CATALAN_SHARE_IN_SPANISH = 0.3
NOTE_SHARE = 0.03

PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "inefficacy_primary": (
            "Primary non-response",
            "primary failure",
            "Never responded",
            "No initial response",
        ),
        "inefficacy_secondary": (
            "Loss of efficacy",
            "Secondary loss of response",
            "Inadequate response",
            "lack of efficacy",
            "Disease flare",
            "Active disease despite treatment",
            "inefficacy",
        ),
        "adverse_event": (
            "Adverse event",
            "Side effects",
            "Serious infection",
            "Herpes zoster",
            "DVT",
            "Raised liver enzymes",
            "Pneumonia",
        ),
        "remission": ("Remission", "In remission - stopped", "Sustained remission"),
        "pregnancy": ("Pregnancy", "Planning a pregnancy", "Pregnant", "Breastfeeding"),
        "patient_relocation": (
            "Relocation",
            "Moved to another hospital",
            "Patient transferred",
            "Moved away",
            "Transferred care",
            "Patient moved abroad",
        ),
        "other": ("Patient choice", "Other", "Patient's decision", "Non-adherence", "Surgery"),
        "unknown": ("", "", "Unknown", "not recorded", "?", "see notes", "n/a"),
    },
    "es": {
        "inefficacy_primary": (
            "Ineficacia primaria",
            "Fallo primario",
            "No respuesta primaria",
            "Fallo 1º",
            "Sin respuesta desde el inicio",
            "no respondedor primario",
        ),
        "inefficacy_secondary": (
            "Ineficacia secundaria",
            "Pérdida de eficacia",
            "Fallo secundario",
            "ineficacia",
            "Pérdida de respuesta",
            "Fallo 2º",
            "Brote de la enfermedad",
            "Escape terapéutico",
        ),
        "adverse_event": (
            "Efecto adverso",
            "Reacción adversa",
            "Infección grave",
            "Intolerancia digestiva",
            "Toxicidad hepática",
            "Herpes zóster",
            "Neumonía",
            "Elevación de transaminasas",
        ),
        "remission": (
            "Remisión",
            "Remisión clínica",
            "Remisión mantenida",
            "En remisión, se retira",
        ),
        "pregnancy": ("Deseo gestacional", "Embarazo", "Deseo genésico", "Lactancia"),
        "patient_relocation": (
            "Traslado a otro centro",
            "Cambio de domicilio",
            "Trasladado a su hospital de referencia",
            "Se muda a otra ciudad",
            "Derivado a otro hospital",
        ),
        "other": (
            "Otros motivos",
            "Decisión del paciente",
            "Falta de adherencia",
            "Cirugía programada",
            "Rechazo del paciente",
        ),
        "unknown": ("", "", "No consta", "Desconocido", "?", "ver evolutivo", "s/d"),
    },
    "ca": {
        "inefficacy_primary": ("Ineficàcia primària", "Fracàs primari", "No resposta primària"),
        "inefficacy_secondary": (
            "Ineficàcia secundària",
            "Pèrdua d'eficàcia",
            "Fracàs terapèutic",
            "Manca d'eficàcia",
            "Pèrdua de resposta",
        ),
        "adverse_event": (
            "Efecte advers",
            "Reacció adversa",
            "Infecció greu",
            "Intolerància digestiva",
            "Toxicitat hepàtica",
        ),
        "remission": ("Remissió", "Remissió clínica", "Remissió mantinguda"),
        "pregnancy": ("Desig gestacional", "Embaràs", "Desig d'embaràs", "Lactància"),
        "patient_relocation": (
            "Trasllat a un altre centre",
            "Canvi de domicili",
            "Trasllat a un altre hospital",
        ),
        "other": ("Altres motius", "Decisió del pacient", "Voluntat del pacient"),
        "unknown": ("", "No consta", "Desconegut", "Sense dades"),
    },
    "pt": {
        "inefficacy_primary": (
            "Ineficácia primária",
            "Falência primária",
            "Sem resposta inicial",
            "Não respondedor primário",
        ),
        "inefficacy_secondary": (
            "Ineficácia secundária",
            "Perda de eficácia",
            "Falência secundária",
            "Perda de resposta",
            "Resposta insuficiente",
            "Agudização da doença",
        ),
        "adverse_event": (
            "Evento adverso",
            "Efeito adverso",
            "Reação adversa",
            "Infeção grave",
            "Infecção grave",
            "Intolerância",
            "Toxicidade hepática",
        ),
        "remission": ("Remissão", "Remissão clínica", "Remissão sustentada"),
        "pregnancy": ("Gravidez", "Desejo de engravidar", "Planeamento de gravidez", "Amamentação"),
        "patient_relocation": (
            "Mudança de hospital",
            "Mudança de residência",
            "Transferido para outro hospital",
            "Transferência para outro centro",
            "Mudou-se para o estrangeiro",
        ),
        "other": ("Outro motivo", "Decisão do doente", "Opção do doente", "Má adesão", "Cirurgia"),
        "unknown": ("", "", "Desconhecido", "Sem informação", "Não registado", "?"),
    },
    "nl": {
        "inefficacy_primary": (
            "Primair falen",
            "Primaire non-respons",
            "Geen respons vanaf start",
            "Nooit aangeslagen",
        ),
        "inefficacy_secondary": (
            "Secundair falen",
            "Verlies van effect",
            "Onvoldoende effect",
            "Onvoldoende werkzaam",
            "Afnemende werkzaamheid",
            "Opvlamming",
        ),
        "adverse_event": (
            "Bijwerkingen",
            "Bijwerking",
            "Ernstige infectie",
            "Gordelroos",
            "Trombose",
            "Leverfunctiestoornis",
            "Allergische reactie",
        ),
        "remission": ("Remissie", "Klinische remissie", "Langdurige remissie"),
        "pregnancy": ("Zwangerschap", "Zwangerschapswens", "Kinderwens", "Borstvoeding"),
        "patient_relocation": (
            "Verhuisd",
            "Verhuizing",
            "Overgeplaatst naar ander ziekenhuis",
            "Verwezen naar ander ziekenhuis",
            "Behandeling elders voortgezet",
        ),
        "other": ("Eigen keuze", "Wens van patiënt", "Overig", "Therapieontrouw", "Operatie"),
        "unknown": ("", "", "Onbekend", "Niet vermeld", "?", "zie brief"),
    },
}
# A note pointing at the chart: the patient's own number and a name, as clinicians write them.
NOTES = {
    "en": "{text} - see MRN {local_id} ({name})",
    "es": "{text} - ver NHC {local_id} {name}",
    "ca": "{text} - veure NHC {local_id} {name}",
    "pt": "{text} - ver processo {local_id} ({name})",
    "nl": "{text} - zie patiëntnummer {local_id} ({name})",
}
NAMES = ("Dr. Martínez", "Juan Pérez", "Dra. Ferreira", "Jansen", "García López")


def stop_reason_phrase(rng: random.Random, reason_class: str, language: str, local_id: str) -> str:
    """One way a clinician writing in `language` puts a stop reason of the class."""
    if language == "es" and rng.random() < CATALAN_SHARE_IN_SPANISH:
        language = "ca"
    text = rng.choice(PHRASES[language][reason_class])
    style = rng.random()
    if style < 0.15:
        text = text.upper()
    elif style < 0.25 and text:
        text += "."
    if text and rng.random() < NOTE_SHARE:
        text = NOTES[language].format(text=text, local_id=local_id, name=rng.choice(NAMES))
    return text
