-- fhir_ndjson extract metadata: the data cut, the local date of manifest.json's transactionTime.
-- Grain: one row.
with source as (
    select * from raw.extract
)

select
    strptime(data_cut_date, '%Y-%m-%d')::date as data_cut_date,
from source
