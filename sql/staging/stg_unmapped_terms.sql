-- The review list: drug strings the vocabulary and the center's overrides did not map, stop
-- reasons nothing classified and diagnosis codes nothing identifies (stg_diagnoses), with their row
-- counts, so that nothing unmapped is dropped silently.
-- Texts are redacted (macro redact_free_text: digits, the row's own local id and, in stop
-- reasons, name-like tokens removed; a diagnosis shows only a code, stg_diagnoses keeps no other
-- text) and the list stays in the work area: `jakreg terms export`
-- hands it to the center's data manager, whose classes come back as the center's term overrides
-- (docs/protocol.md#stop-reasons).
-- Texts equal once normalised are one row, shown in their commonest spelling: overrides match
-- the normalised text.
-- Grain: one row per term kind x normalised redacted text.
with prescriptions as (
    select * from staging.stg_prescriptions
),

stop_reason_classes as (
    select * from staging.stg_stop_reasons
),

patient_keys as (
    select * from staging.stg_patient_keys
),

diagnoses as (
    select * from staging.stg_diagnoses
),

unmapped_drug_strings as (
    select
        drug_source_value,
        count(*) as n_rows,
    from prescriptions
    where ingredient is null
    group by drug_source_value
),

redacted_drugs as (
    select
        redact_free_text(drug_source_value, null, '.') as text,
        n_rows,
    from unmapped_drug_strings
),

unmapped_drugs as (
    select
        'drug' as term_kind,
        arg_max(text, n_rows) as text,
        sum(n_rows) as n_rows,
    from redacted_drugs
    group by normalise_term(text)
),

redacted_stop_reasons as (
    select
        stop_reason_classes.redacted_text as text,
        count(*) as n_rows,
    from prescriptions
    inner join patient_keys
        on prescriptions.patient_key = patient_keys.patient_key
    inner join stop_reason_classes
        on prescriptions.stop_reason_source_value = stop_reason_classes.stop_reason_source_value
        and patient_keys.local_id = stop_reason_classes.local_id
    where stop_reason_classes.classified_by = 'unmatched'
    group by stop_reason_classes.redacted_text
),

unmatched_stop_reasons as (
    select
        'stop_reason' as term_kind,
        arg_max(text, n_rows) as text,
        sum(n_rows) as n_rows,
    from redacted_stop_reasons
    group by normalise_term(text)
),

unmapped_diagnoses as (
    select
        'diagnosis' as term_kind,
        icd10_code as text,
        count(*) as n_rows,
    from diagnoses
    where diagnosis_unmapped
    group by all
)

select
    $center_id as center_id,
    term_kind,
    text,
    n_rows,
from (
    select * from unmapped_drugs
    union all
    select * from unmatched_stop_reasons
    union all
    select * from unmapped_diagnoses
)
