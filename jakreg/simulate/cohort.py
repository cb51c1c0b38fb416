"""Patient histories for the synthetic cohort, generated so their truth is known by construction.

Each patient's advanced therapies form one sequence of courses with strictly increasing start
dates. The generator never writes a history whose reading under the protocol is ambiguous: a
discontinued course ends more than `permissible_gap_days` before the data cut and before death,
and an ingredient is only used again once more than `permissible_gap_days` have passed since its
last course ended. The truth (`jakreg.simulate.truth`) can therefore be read off the sequence
without re-implementing the SQL models.

Dates are day ordinals (`date.toordinal`) for speed: a million patients are generated in chunks.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from jakreg import vocabulary
from jakreg.config import Protocol

STUDY_START = date(2010, 1, 1).toordinal()
Row = TypeVar("Row")

INDICATIONS = (("RA", 0.70), ("PsA", 0.18), ("axSpA", 0.12))
ICD10_BY_INDICATION = {
    "RA": ("M05.79", "M06.9", "M06.09", "M05.9"),
    "PsA": ("L40.50", "L40.59", "M07.3"),
    "axSpA": ("M45.9", "M45.0", "M46.80"),
}
UNRELATED_ICD10 = ("E11.9", "I10", "E78.5", "K21.9")
FEMALE_SHARE = {"RA": 0.72, "PsA": 0.5, "axSpA": 0.35}
CLASS_WEIGHTS = {
    "RA": {
        "JAKi": 40,
        "anti-TNF": 34,
        "anti-IL6": 10,
        "CTLA4-Ig": 8,
        "anti-CD20": 6,
        "other advanced": 2,
    },
    "PsA": {
        "JAKi": 30,
        "anti-TNF": 35,
        "anti-IL17": 15,
        "anti-IL12/23": 7,
        "anti-IL23": 10,
        "other advanced": 3,
    },
    "axSpA": {"JAKi": 25, "anti-TNF": 50, "anti-IL17": 25},
}
INGREDIENT_WEIGHTS = {
    "tofacitinib": 45,
    "baricitinib": 30,
    "upadacitinib": 22,
    "filgotinib": 3,
    "adalimumab": 40,
    "etanercept": 30,
    "infliximab": 10,
    "golimumab": 12,
    "certolizumab pegol": 8,
    "tocilizumab": 70,
    "sarilumab": 30,
    "abatacept": 1,
    "ustekinumab": 1,
    "secukinumab": 60,
    "ixekizumab": 30,
    "bimekizumab": 10,
    "guselkumab": 50,
    "risankizumab": 40,
    "tildrakizumab": 10,
    "rituximab": 1,
    "anakinra": 1,
    "apremilast": 1,
}
# Mean days on drug before discontinuation; cycling to a second JAK inhibitor is kept shorter on
# purpose so that the demo shows a difference between strategies.
MEAN_DAYS_ON_DRUG = {"first": 650, "after_jaki_failure_jaki": 420, "after_jaki_failure_other": 600}
STOP_REASON_WEIGHTS = (
    ("inefficacy_secondary", 34),
    ("inefficacy_primary", 15),
    ("adverse_event", 24),
    ("remission", 7),
    ("pregnancy", 2),
    ("patient_relocation", 3),
    ("other", 7),
    ("unknown", 8),
)
DEATH_SHARE = 0.04
RETREATMENT_SHARE = 0.06


@dataclass(slots=True)
class Prescription:
    ingredient: str
    start: int
    end: int | None  # None: open prescription
    stop_reason: str | None  # class of the reason written on this row, if any
    stop_reason_text: str | None = None  # how it is written, when the cohort decides (--dirty)
    copies: int = 1  # how many times the export repeats the row exactly


@dataclass(slots=True)
class Course:
    ingredient: str
    target_class: str
    start: int
    end: int  # the course end the protocol derives
    status: str  # ongoing | censored_death | discontinued
    stop_reason: str | None
    prescriptions: list[Prescription]


@dataclass(slots=True)
class Patient:
    center_index: int
    local_id: str
    sex: str
    birth: int
    death: int | None
    indication: str
    diagnoses: list[tuple[str, int]]
    courses: list[Course] = field(default_factory=list)
    context_prescriptions: list[Prescription] = field(default_factory=list)
    # Rows a correct pipeline sets aside or ignores (jakreg.simulate.dirt): not in any course.
    extra_prescriptions: list[Prescription] = field(default_factory=list)

    def prescriptions(self) -> list[Prescription]:
        """The rows the patient's courses and context drugs are written as."""
        rows = [*self.context_prescriptions]
        for course in self.courses:
            rows.extend(course.prescriptions)
        return rows

    def export_rows(self) -> list[Prescription]:
        """Every prescription row an export of the patient holds, dirt included."""
        return [*self.prescriptions(), *self.extra_prescriptions]


def written_rows(
    prescriptions: list[Prescription], render: Callable[[Prescription], Row]
) -> list[Row]:
    """Each row rendered once and written as many times as the export repeats it: a duplicate
    is the same row character for character."""
    rows = []
    for prescription in prescriptions:
        rows.extend([render(prescription)] * prescription.copies)
    return rows


@dataclass(frozen=True)
class SimCenter:
    id: str
    dialect: str
    data_cut: int
    weight: float
    records_deaths: bool = True  # False: the export's death table is empty


class PatientGenerator:
    """Generates patients one at a time from a seeded random stream."""

    def __init__(self, rng: random.Random, centers: list[SimCenter], protocol: Protocol) -> None:
        self.rng = rng
        self.centers = centers
        self.center_weights = [c.weight for c in centers]
        self.gap = protocol.permissible_gap_days
        self.window = protocol.next_treatment_window_days
        self.failure_reasons = set(protocol.failure_reasons)
        ingredients = vocabulary.ingredients()
        self.target_class = {name: ing.target_class for name, ing in ingredients.items()}
        self.approval = {
            name: ing.eu_approval_date.toordinal() for name, ing in ingredients.items()
        }
        self.by_class: dict[str, list[str]] = {}
        for name in INGREDIENT_WEIGHTS:
            self.by_class.setdefault(self.target_class[name], []).append(name)

    def patient(self, global_index: int) -> Patient:
        rng = self.rng
        center_index = rng.choices(range(len(self.centers)), self.center_weights)[0]
        cut = self.centers[center_index].data_cut
        indication = rng.choices([i for i, _ in INDICATIONS], [w for _, w in INDICATIONS])[0]
        sex = "F" if rng.random() < FEMALE_SHARE[indication] else "M"
        diagnosed = rng.randint(date(2003, 1, 1).toordinal(), cut - 400)
        birth = diagnosed - rng.randint(20 * 365, 75 * 365)
        death = rng.randint(diagnosed + 365, cut) if rng.random() < DEATH_SHARE else None
        if not self.centers[center_index].records_deaths:
            death = None
        diagnoses = [(rng.choice(ICD10_BY_INDICATION[indication]), diagnosed)]
        if rng.random() < 0.3:
            diagnoses.append((rng.choice(UNRELATED_ICD10), rng.randint(birth + 6000, cut - 1)))
        patient = Patient(
            center_index, f"{global_index:08d}", sex, birth, death, indication, diagnoses
        )
        patient.context_prescriptions = self._context_prescriptions(indication, diagnosed, cut)
        first_start = max(diagnosed + rng.randint(60, 2500), STUDY_START + rng.randint(0, 900))
        if rng.random() < 0.6 and first_start < cut - 30:
            self._advanced_sequence(patient, first_start, cut)
        return patient

    def _context_prescriptions(
        self, indication: str, diagnosed: int, cut: int
    ) -> list[Prescription]:
        rng = self.rng
        drug = "methotrexate" if indication == "RA" or rng.random() < 0.5 else "sulfasalazine"
        rows = []
        start = diagnosed + rng.randint(0, 60)
        for _ in range(rng.randint(1, 4)):
            if start >= cut:
                break
            end = start + rng.randint(60, 400)
            rows.append(Prescription(drug, start, end if end < cut else None, None))
            start = end + rng.randint(1, 200)
        if rng.random() < 0.4:
            start = diagnosed + rng.randint(0, 30)
            rows.append(Prescription("prednisone", start, start + rng.randint(30, 180), None))
        return rows

    def _advanced_sequence(self, patient: Patient, start: int, cut: int) -> None:
        rng = self.rng
        last_end: dict[str, int] = {}
        failed: set[str] = set()
        forced: str | None = None
        previous_failed_jaki = False
        while start < cut and len(patient.courses) < 8:
            if patient.death is not None and patient.death <= start:
                return
            ingredient = forced or self._choose_ingredient(
                patient.indication, start, last_end, failed
            )
            if ingredient is None:
                return
            target_class = self.target_class[ingredient]
            mean = MEAN_DAYS_ON_DRUG["first"]
            if previous_failed_jaki:
                key = "jaki" if target_class == "JAKi" else "other"
                mean = MEAN_DAYS_ON_DRUG[f"after_jaki_failure_{key}"]
            planned_end = start + max(31, int(rng.expovariate(1 / mean)))
            death = patient.death
            if death is not None and death <= planned_end:
                patient.courses.append(self._course_until_death(ingredient, start, death))
                return
            if planned_end >= cut - self.gap:
                if death is not None:
                    # A death within the gap after this course would make it censored_death.
                    patient.death = None
                patient.courses.append(self._ongoing_course(ingredient, start, planned_end, cut))
                return
            reason = rng.choices(
                [r for r, _ in STOP_REASON_WEIGHTS], [w for _, w in STOP_REASON_WEIGHTS]
            )[0]
            if reason == "pregnancy" and patient.sex == "M":
                reason = "other"
            if death is not None and death <= planned_end + self.gap:
                moved = planned_end + self.gap + 1 + rng.randint(0, 30)
                patient.death = moved if moved <= cut else None
            prescriptions = self._split(ingredient, start, planned_end)
            prescriptions[-1].stop_reason = reason
            patient.courses.append(
                Course(
                    ingredient,
                    target_class,
                    start,
                    planned_end,
                    "discontinued",
                    reason,
                    prescriptions,
                )
            )
            last_end[ingredient] = planned_end
            failed_jaki = target_class == "JAKi" and reason in self.failure_reasons
            if reason in self.failure_reasons:
                failed.add(ingredient)
            forced = None
            if failed_jaki and rng.random() < RETREATMENT_SHARE:
                forced = ingredient
                # One day over the permissible gap is already a new course.
                start = planned_end + rng.choice(
                    (self.gap + 1, rng.randint(self.gap + 1, self.window))
                )
            else:
                start = self._next_start(start, planned_end)
            previous_failed_jaki = failed_jaki

    def _choose_ingredient(
        self, indication: str, start: int, last_end: dict[str, int], failed: set[str]
    ) -> str | None:
        """A drug approved by `start`, not failed before, and not used within the gap (which would
        merge the two courses into one)."""

        def usable(name: str) -> bool:
            reused_too_soon = name in last_end and start <= last_end[name] + self.gap
            return self.approval[name] <= start and name not in failed and not reused_too_soon

        options = [
            (name, weight * INGREDIENT_WEIGHTS[name])
            for target_class, weight in CLASS_WEIGHTS[indication].items()
            for name in self.by_class[target_class]
            if usable(name)
        ]
        if not options:
            return None
        return self.rng.choices([n for n, _ in options], [w for _, w in options])[0]

    def _next_start(self, start: int, end: int) -> int:
        rng = self.rng
        draw = rng.random()
        if draw < 0.10:  # bridging: the next drug starts before this one ends
            return end - rng.randint(1, min(30, end - start - 1))
        if draw < 0.20:  # same-day switch
            return end
        if draw < 0.85:
            return end + rng.randint(1, 150)
        return end + rng.randint(self.window + 1, 700)  # outside the next-treatment window

    def _course_until_death(self, ingredient: str, start: int, death: int) -> Course:
        if self.rng.random() < 0.3 or death - start < 2:
            prescriptions = self._split(ingredient, start, death)
            prescriptions[-1].end = None
        else:
            last = death - self.rng.randint(0, min(20, death - start - 1))
            prescriptions = self._split(ingredient, start, last)
        return Course(
            ingredient,
            self.target_class[ingredient],
            start,
            prescriptions[-1].end or death,
            "censored_death",
            None,
            prescriptions,
        )

    def _ongoing_course(self, ingredient: str, start: int, planned_end: int, cut: int) -> Course:
        rng = self.rng
        draw = rng.random()
        if draw < 0.6:  # open prescription
            prescriptions = self._split(
                ingredient, start, max(start + 1, min(planned_end, cut - 1))
            )
            prescriptions[-1].end = None
            end = cut
        elif draw < 0.8:  # the last prescription's planned end is after the data cut
            prescriptions = self._split(ingredient, start, max(start + 1, cut - 1))
            prescriptions[-1].end = cut + rng.randint(1, 365)
            end = cut
        else:  # ended recently, within the permissible gap of the data cut
            end = max(start + 1, min(planned_end, cut - rng.randint(0, self.gap)))
            prescriptions = self._split(ingredient, start, end)
        return Course(
            ingredient, self.target_class[ingredient], start, end, "ongoing", None, prescriptions
        )

    def _split(self, ingredient: str, start: int, end: int) -> list[Prescription]:
        """Writes a course as one to five prescriptions with short gaps or overlaps between them."""
        rng = self.rng
        pieces = rng.randint(1, max(1, min(5, (end - start) // (2 * self.gap + 2))))
        spacing = self.gap + 1  # room for a gap of the full permissible length
        bounds = (
            sorted(rng.sample(range(start + spacing, end - spacing + 1), pieces - 1))
            if pieces > 1
            else []
        )
        starts = [start, *bounds]
        rows = []
        for index, piece_start in enumerate(starts):
            if index + 1 < len(starts):
                next_start = starts[index + 1]
                draw = rng.random()
                if draw < 0.05:  # a gap of exactly the permissible gap still joins the course
                    piece_end = next_start - self.gap
                elif draw < 0.3:
                    piece_end = next_start - rng.randint(1, 45)
                elif draw < 0.5:
                    piece_end = min(end, next_start + rng.randint(1, 20))
                else:
                    piece_end = next_start - 1
                piece_end = max(piece_start, piece_end)
            else:
                piece_end = end
            rows.append(Prescription(ingredient, piece_start, piece_end, None))
        return rows
