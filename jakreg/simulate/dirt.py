"""What real exports carry, added to a generated patient for `jakreg simulate --dirty`.

The dirt never changes the truth, provided the pipeline rejects the rows a correct one rejects:
- an *end before start* typo is an extra row of a drug the patient was on, whose dates (either
  way round) lie inside one of that drug's prescriptions: dropped or corrected, no course moves
  (corrected, it would count as one more prescription of the course);
- an *exact duplicate* repeats a prescription row character for character (the writers render
  it once and write it twice): it must count once;
- a *record after the data cut* is a prescription of one of the patient's drugs that starts after
  the cut (a scheduled dispensing): kept, it would add or extend a course;
- *drugs outside rheumatology* (analgesics, proton-pump inhibitors, statins; about one row in
  ten, as a pharmacy export holds) are outside the study and change no course;
- stop reasons are phrased in the center's language (`phrasing`), several ways per class;
- OMOP centers send an empty death table: their patients are generated without deaths
  (`SimCenter.records_deaths`), so the truth has none to miss.
Dirt is drawn from a random stream of its own, so the clean part of each row stays as generated.
"""

from __future__ import annotations

import random
from collections import Counter

from jakreg.simulate.cohort import Patient, Prescription
from jakreg.simulate.naming import NON_STUDY_DRUGS
from jakreg.simulate.phrasing import LANGUAGES, stop_reason_phrase

TYPO_SHARE = 0.003
DUPLICATE_SHARE = 0.005
AFTER_CUT_SHARE = 0.01  # of patients
NON_STUDY_PER_ROW = 0.11  # one extra row per nine: about 10% of all rows
DIRT_KINDS = (
    "end_before_start",
    "exact_duplicate",
    "after_data_cut",
    "non_study_drug",
    "stop_reason_with_note",
)


def center_language(index: int, dialect: str) -> str:
    """The language a center writes in: a Spanish HIS export is Spanish (and Catalan), other
    centers take English, Spanish, Portuguese and Dutch in turn."""
    return "es" if dialect == "es_his_csv" else LANGUAGES[index % len(LANGUAGES)]


def soil(patient: Patient, rng: random.Random, language: str, cut: int) -> Counter[str]:
    """Adds the dirt to the patient's rows in place; returns how many rows of each kind."""
    counts: Counter[str] = Counter()
    rows = patient.prescriptions()
    for row in rows:
        if row.stop_reason is not None:
            row.stop_reason_text = stop_reason_phrase(
                rng, row.stop_reason, language, patient.local_id
            )
            counts["stop_reason_with_note"] += patient.local_id in row.stop_reason_text
        if rng.random() < DUPLICATE_SHARE:
            row.copies = 2
            counts["exact_duplicate"] += 1
        if row.end is not None and row.end - row.start >= 2 and rng.random() < TYPO_SHARE:
            typo_end = rng.randint(row.start, row.end - 1)
            typo_start = rng.randint(typo_end + 1, min(row.end, typo_end + 30))
            patient.extra_prescriptions.append(
                Prescription(row.ingredient, typo_start, typo_end, None)
            )
            counts["end_before_start"] += 1
    if rows and patient.death is None and rng.random() < AFTER_CUT_SHARE:
        start = cut + rng.randint(1, 90)
        patient.extra_prescriptions.append(
            Prescription(rng.choice(rows).ingredient, start, start + rng.randint(28, 180), None)
        )
        counts["after_data_cut"] += 1
    first = min((row.start for row in rows), default=cut - 365)
    for _ in rows:
        if rng.random() < NON_STUDY_PER_ROW:
            start = rng.randint(min(first, cut - 2), cut - 1)
            end = min(cut - 1, start + rng.randint(5, 180))
            drug = rng.choice(tuple(NON_STUDY_DRUGS))
            patient.extra_prescriptions.append(Prescription(drug, start, end, None))
            counts["non_study_drug"] += 1
    return counts
