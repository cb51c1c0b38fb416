-- es_his_csv patients (pacientes.csv) renamed and cast to the common staging shape.
-- SEXO is Mujer/Hombre (Varón is also read as male); anything else is left null.
-- Grain: one row per row of pacientes.csv.
with source as (
    select * from raw.pacientes
)

select
    trim(NHC) as local_id,
    case upper(strip_accents(trim(SEXO)))
        when 'MUJER' then 'F'
        when 'HOMBRE' then 'M'
        when 'VARON' then 'M'
    end as sex,
    try_strptime(nullif(trim(FECHA_NACIMIENTO), ''), $date_format)::date as birth_date,
    try_strptime(nullif(trim(FECHA_EXITUS), ''), $date_format)::date as death_date,
    source_row,
from source
