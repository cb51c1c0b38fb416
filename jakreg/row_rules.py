"""Row rules: what makes one row of a center's export unusable, and how many such rows an extract
may carry before it is quarantined (docs/quality.md#row-rules).

A row that breaks a rule is set aside in staging with the rule, its file and line: it never
reaches the models. The extract is still published while each rule's share of its file's rows is
at or under the rule's error share (reported above its warning share); above it, the extract is
quarantined. Extract rules (a file that cannot be read, a missing column, no data cut, a collapsed
row count) are not here: they quarantine the extract whatever the share.

To add a rule, add a `RowRule` to `ROW_RULES`: its table, the condition in SQL and the wrong values
with their labels (see `RowRule`). Its thresholds can then be overridden by name in the quality
file (`row_rules:`), and every run counts it per center and file.
"""

from __future__ import annotations

from dataclasses import dataclass

# Tables a rule applies to: `raw` is every delimited file as read (before any value is parsed);
# the others are the common staging tables, after the dialect's staging models.
RAW, PATIENTS, PRESCRIPTIONS, DIAGNOSES = "raw", "patients", "prescriptions", "diagnoses"
STAGED_RULE_TABLES = (PATIENTS, PRESCRIPTIONS, DIAGNOSES)


@dataclass(frozen=True)
class RowRule:
    """One rule.

    `condition` and `detail` are SQL over one row. For a staged table the row is `row` (the columns
    of `staging.stg_<table>`), with `patient.birth_date` (the row's patient, from the accepted
    patient rows), `extract.data_cut_date`, `set_aside.patient_key` (not null when every row of
    the row's patient in the patient file was set aside) and the thresholds bound as
    `$earliest_treatment_date`, `$earliest_birth_date`, `$latest_date` (data cut plus
    `days_after_data_cut`) and `$latest_end_date`. `detail` labels the wrong values
    (`'start ' || row.start_date`); it must never hold an identifier or free text. Raw rules are
    written in Python (tasks/extract/row_rejects.py) as they depend on each file's columns.
    A row breaking several rules is set aside by the first in `ROW_RULES`.
    """

    name: str
    table: str
    # What is wrong with the rows, completing "N of M rows of <file> ...".
    description: str
    # What the data manager should do about them.
    hint: str
    error_share: float
    warning_share: float = 0.0
    condition: str = ""
    detail: str = ""


def _patient_rules(row_kind: str, table: str) -> tuple[RowRule, RowRule]:
    """The rules a prescription or diagnosis row breaks through its patient: the patient's rows
    were all set aside, or the row names no patient."""
    return (
        RowRule(
            f"{row_kind}_patient_set_aside",
            table,
            "belong to a patient whose every row in the patient file was set aside",
            "correct the patient's row in the patient file",
            # Counted under the patient's own rule; this only follows it.
            error_share=1.0,
            condition="set_aside.patient_key is not null",
            detail="'patient set aside'",
        ),
        RowRule(
            f"{row_kind}_patient_id_missing",
            table,
            "have no patient identifier",
            "fill in the patient identifier at the source",
            error_share=0.01,
            condition="row.patient_key is null",
            detail="'patient identifier empty'",
        ),
    )


ROW_RULES: tuple[RowRule, ...] = (
    RowRule(
        "control_characters",
        RAW,
        "hold control characters (such as NUL bytes) in a field",
        "the file was damaged in export or transfer: export it again",
        # A control byte in a field means the file was damaged: no row of it can be trusted.
        error_share=0.0,
    ),
    RowRule(
        "field_too_long",
        RAW,
        "have a field longer than 4,000 characters",
        "a field swallowed the rest of the file (an unclosed quote?): export it again",
        error_share=0.0,
    ),
    RowRule(
        "date_not_parseable",
        RAW,
        "have a date that is not a date in the center's date format (FHIR: a date or dateTime)",
        "correct the date in the EMR, or set date_format for this center in centers.yaml "
        "(FHIR: send full dates, YYYY-MM-DD)",
        error_share=0.01,
    ),
    RowRule(
        "duplicate_row",
        RAW,
        "repeat an earlier row of the file exactly",
        "remove the repeated rows at the source (the first copy is used)",
        # A repeated row changes no course (its first copy is kept): tolerated longer.
        error_share=0.05,
    ),
    RowRule(
        "patient_id_missing",
        PATIENTS,
        "have no patient identifier",
        "fill in the patient identifier at the source",
        error_share=0.01,
        condition="row.patient_key is null",
        detail="'patient identifier empty'",
    ),
    RowRule(
        "patient_listed_twice",
        PATIENTS,
        "list a patient more than once with different sex, birth or death dates",
        "keep one row per patient, with the right demographics, at the source",
        error_share=0.01,
        condition="min(hash(row.sex, row.birth_date, row.death_date)) over same_patient"
        " <> max(hash(row.sex, row.birth_date, row.death_date)) over same_patient",
        detail="'sex ' || coalesce(row.sex, 'empty')"
        " || ', birth ' || coalesce(row.birth_date::varchar, 'empty')",
    ),
    RowRule(
        "birth_outside_window",
        PATIENTS,
        "have a birth date before the earliest birth date or after the data cut",
        "correct the birth date in the EMR",
        error_share=0.01,
        condition="row.birth_date < $earliest_birth_date or row.birth_date > $latest_date",
        detail="'birth ' || row.birth_date",
    ),
    RowRule(
        "death_before_birth",
        PATIENTS,
        "have a death date before the birth date or before the earliest birth date",
        "correct the death or birth date in the EMR",
        error_share=0.01,
        condition="row.death_date < row.birth_date or row.death_date < $earliest_birth_date",
        detail="'birth ' || coalesce(row.birth_date::varchar, 'empty')"
        " || ', death ' || row.death_date",
    ),
    *_patient_rules("prescription", PRESCRIPTIONS),
    RowRule(
        "start_missing",
        PRESCRIPTIONS,
        "have no start date",
        "fill in the start date in the EMR",
        error_share=0.01,
        condition="row.start_date is null",
        detail="'start empty'",
    ),
    RowRule(
        "end_before_start",
        PRESCRIPTIONS,
        "end before they start",
        "correct the start or end date in the EMR",
        # OHDSI DQD's plausibleStartBeforeEnd threshold for DRUG_EXPOSURE.
        error_share=0.01,
        condition="row.end_date < row.start_date",
        detail="'start ' || row.start_date || ', end ' || row.end_date",
    ),
    RowRule(
        "before_study_window",
        PRESCRIPTIONS,
        "are of a drug in the vocabulary and start or end before the earliest treatment date",
        "correct the date in the EMR (a year such as 1900 is a placeholder)",
        error_share=0.01,
        # Only drugs the registry reads: a CDM's decades of other medication (Eunomia's history
        # goes back to 1908) say nothing about the study drugs' dates.
        condition="row.ingredient is not null and (row.start_date < $earliest_treatment_date"
        " or row.end_date < $earliest_treatment_date)",
        detail="'start ' || row.start_date || ', end ' || coalesce(row.end_date::varchar, 'empty')",
    ),
    RowRule(
        "after_data_cut",
        PRESCRIPTIONS,
        "start after the data cut, or end later than the planned ends allowed after it",
        "check the extract's data cut; correct the date in the EMR",
        error_share=0.01,
        condition="row.start_date > $latest_date or row.end_date > $latest_end_date",
        detail="'start ' || row.start_date || ', end ' || coalesce(row.end_date::varchar, 'empty')"
        " || ', data cut ' || extract.data_cut_date",
    ),
    RowRule(
        "start_before_birth",
        PRESCRIPTIONS,
        "start before the patient's birth",
        "correct the start date, or the patient's birth date, in the EMR",
        error_share=0.01,
        condition="row.start_date < patient.birth_date",
        detail="'birth ' || patient.birth_date || ', start ' || row.start_date",
    ),
    *_patient_rules("diagnosis", DIAGNOSES),
    RowRule(
        "diagnosis_outside_window",
        DIAGNOSES,
        "have a diagnosis date before the earliest birth date or after the data cut",
        "correct the diagnosis date in the EMR",
        error_share=0.01,
        condition="row.diagnosis_date < $earliest_birth_date or row.diagnosis_date > $latest_date",
        detail="'diagnosis ' || row.diagnosis_date || ', data cut ' || extract.data_cut_date",
    ),
)

RULES_BY_NAME = {rule.name: rule for rule in ROW_RULES}
