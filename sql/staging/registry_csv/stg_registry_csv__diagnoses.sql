-- registry_csv diagnoses renamed and cast to the common staging shape.
-- Grain: one row per row of diagnoses.csv.
with source as (
    select * from raw.diagnoses
)

select
    trim(patient_id) as local_id,
    trim(icd10) as icd10_source_value,
    try_strptime(nullif(trim(diagnosis_date), ''), $date_format)::date as diagnosis_date,
    source_row,
from source
