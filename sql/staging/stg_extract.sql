-- The center extract loaded: which center, which extract (folder date) and its data cut.
-- Grain: one row.
with center_extract as (
    select * from staging.center_extract
)

select
    $center_id as center_id,
    $extract_date::date as extract_date,
    data_cut_date,
from center_extract
