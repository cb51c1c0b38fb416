-- Drug strings, stop reasons and diagnosis codes the vocabulary did not map, with their counts, so
-- that nothing unmapped is dropped silently (it is listed in the run summary; fix it in
-- vocabulary/). A diagnosis is unmapped when nothing identifies it (stg_diagnoses).
-- Grain: one row per term kind x source value.
with prescriptions as (
    select * from staging.stg_prescriptions
),

diagnoses as (
    select * from staging.stg_diagnoses
),

unmapped_drugs as (
    select
        'drug' as term_kind,
        drug_source_value as source_value,
        count(*) as n_rows,
    from prescriptions
    where ingredient is null
    group by drug_source_value
),

unmapped_stop_reasons as (
    select
        'stop_reason' as term_kind,
        stop_reason_source_value as source_value,
        count(*) as n_rows,
    from prescriptions
    where stop_reason_unmapped
    group by stop_reason_source_value
),

unmapped_diagnoses as (
    select
        'diagnosis' as term_kind,
        icd10_code as source_value,
        count(*) as n_rows,
    from diagnoses
    where diagnosis_unmapped
    group by icd10_code
)

select
    $center_id as center_id,
    term_kind,
    source_value,
    n_rows,
from (
    select * from unmapped_drugs
    union all
    select * from unmapped_stop_reasons
    union all
    select * from unmapped_diagnoses
)
