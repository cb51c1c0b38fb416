-- fhir_ndjson Condition resources in the common staging shape: the code of the ICD-10 coding
-- (system http://hl7.org/fhir/sid/icd-10, or its -cm variant), dated by onsetDateTime, else by
-- recordedDate. A Condition without an ICD-10 coding keeps a null code (indication 'other').
-- Grain: one row per line of Condition.ndjson.
with source as (
    select * from raw.condition
),

icd10_codings as (
    select
        *,
        list_filter(
            code.coding,
            lambda coding: starts_with(coding.system, 'http://hl7.org/fhir/sid/icd-10')
        )[1].code as icd10_code,
    from source
)

select
    fhir_patient_id(subject.reference) as local_id,
    nullif(trim(icd10_code), '') as icd10_source_value,
    coalesce(fhir_date(onsetDateTime), fhir_date(recordedDate)) as diagnosis_date,
    source_row,
from icd10_codings
