-- es_his_csv extract metadata: the data cut from extract.json.
-- Grain: one row.
with source as (
    select * from raw.extract
)

select
    strptime(data_cut_date, '%Y-%m-%d')::date as data_cut_date,
from source
