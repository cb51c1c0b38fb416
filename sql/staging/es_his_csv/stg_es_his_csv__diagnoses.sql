-- es_his_csv diagnoses (diagnosticos.csv) renamed and cast to the common staging shape.
-- Grain: one row per row of diagnosticos.csv.
with source as (
    select * from raw.diagnosticos
)

select
    trim(NHC) as local_id,
    trim(CIE10) as icd10_source_value,
    try_strptime(nullif(trim(FECHA_DIAGNOSTICO), ''), $date_format)::date as diagnosis_date,
    source_row,
from source
