-- omop_csv extract metadata: the data cut is cdm_source.source_release_date.
-- Grain: one row (the reader refuses a cdm_source without exactly one).
with cdm_source as (
    select * from raw.cdm_source
)

select
    strptime(trim(source_release_date), $date_format)::date as data_cut_date,
from cdm_source
