-- registry_csv patients renamed and cast to the common staging shape.
-- Grain: one row per row of patients.csv.
with source as (
    select * from raw.patients
)

select
    trim(patient_id) as local_id,
    upper(trim(sex)) as sex,
    try_strptime(nullif(trim(birth_date), ''), $date_format)::date as birth_date,
    try_strptime(nullif(trim(death_date), ''), $date_format)::date as death_date,
    source_row,
from source
