"""How many patients and courses are left after each step of the study, pooled and per center.

The CONSORT-style attrition of OHDSI TreatmentPatterns and DARWIN EU: patients with a JAK
inhibitor → JAK-inhibitor courses → failures → failures with a next treatment within the window
→ rows in the Kaplan–Meier retention → rows in the Cox model (cycling or switching, every
covariate recorded). `excluded` is the number lost since the step before, for the steps that
select from the one before (courses are not a subset of patients, so step 2 has none).
"""

from __future__ import annotations

import polars as pl

from tasks.analysis.comparison import cox_rows
from tasks.analysis.descriptive import scope_filters
from tasks.analysis.inputs import AnalysisInputs

STEPS = (
    ("patients", "Patients with a JAK-inhibitor course"),
    ("jaki_courses", "JAK-inhibitor courses"),
    ("failures", "Failures of a JAK-inhibitor course"),
    ("next_treatments", "Failures followed by an advanced therapy within the window"),
    ("kaplan_meier", "Next treatments in the Kaplan–Meier retention"),
    ("cox", "Next treatments in the Cox model (cycling or switching, covariates recorded)"),
)
SUBSET_OF_PREVIOUS = {"failures", "next_treatments", "kaplan_meier", "cox"}
SCHEMA = {
    "scope": pl.Utf8,
    "step": pl.Int64,
    "name": pl.Utf8,
    "label": pl.Utf8,
    "n": pl.Int64,
    "excluded": pl.Int64,
}


def attrition_table(inputs: AnalysisInputs) -> pl.DataFrame:
    """Exact counts per scope and step (internal; `tasks.analysis.tables` protects them)."""
    records = []
    for scope, where in scope_filters(inputs):
        courses = inputs.jaki_courses.filter(where)
        failures = inputs.failures.filter(where)
        next_treatments = failures.filter(pl.col("has_next"))
        counts = {
            "patients": int(courses["first_of_patient"].sum()),
            "jaki_courses": len(courses),
            "failures": len(failures),
            "next_treatments": len(next_treatments),
            "kaplan_meier": next_treatments["retention_days"].drop_nulls().len(),
            "cox": len(cox_rows(next_treatments)),
        }
        previous = None
        for step, (name, label) in enumerate(STEPS, start=1):
            excluded = previous - counts[name] if name in SUBSET_OF_PREVIOUS else None
            records.append(
                {
                    "scope": scope,
                    "step": step,
                    "name": name,
                    "label": label,
                    "n": counts[name],
                    "excluded": excluded,
                }
            )
            previous = counts[name]
    return pl.DataFrame(records, schema=SCHEMA)
