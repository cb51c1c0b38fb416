-- omop_csv condition occurrences in the common staging shape: the ICD-10 code is
-- condition_source_value (condition_concept_id is not used).
-- Grain: one row per row of condition_occurrence.csv.
with condition_occurrence as (
    select * from raw.condition_occurrence
),

person_ids as (
    select * from staging.stg_omop_csv__person_ids
)

select
    person_ids.local_id,
    trim(condition_occurrence.condition_source_value) as icd10_source_value,
    try_strptime(nullif(trim(condition_occurrence.condition_start_date), ''), $date_format)::date
        as diagnosis_date,
    condition_occurrence.source_row,
from condition_occurrence
left join person_ids
    on trim(condition_occurrence.person_id) = person_ids.person_id
