-- registry_csv prescriptions renamed and cast to the common staging shape.
-- An empty end_date is an open prescription (end_date null).
-- Grain: one row per row of prescriptions.csv.
with source as (
    select * from raw.prescriptions
)

select
    trim(patient_id) as local_id,
    trim(drug) as drug_source_value,
    try_strptime(nullif(trim(start_date), ''), $date_format)::date as start_date,
    try_strptime(nullif(trim(end_date), ''), $date_format)::date as end_date,
    nullif(trim(stop_reason), '') as stop_reason_source_value,
    source_row,
from source
