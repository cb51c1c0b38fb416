-- es_his_csv prescriptions (tratamientos.csv) renamed and cast to the common staging shape.
-- MEDICAMENTO is a product description ("XELJANZ 5 MG COMPRIMIDOS RECUBIERTOS CON PELICULA"),
-- mapped to an ingredient in stg_prescriptions. An empty FECHA_FIN is an open prescription.
-- Grain: one row per row of tratamientos.csv.
with source as (
    select * from raw.tratamientos
)

select
    trim(NHC) as local_id,
    trim(MEDICAMENTO) as drug_source_value,
    try_strptime(nullif(trim(FECHA_INICIO), ''), $date_format)::date as start_date,
    try_strptime(nullif(trim(FECHA_FIN), ''), $date_format)::date as end_date,
    nullif(trim(MOTIVO_SUSPENSION), '') as stop_reason_source_value,
    source_row,
from source
