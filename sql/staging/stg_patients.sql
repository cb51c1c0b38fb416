-- Patients of one center extract with a pseudonymous key; the local identifier stops here.
-- patient_key = HMAC-SHA256(secret, center_id || ':' || local_id) (docs/protocol.md#privacy).
-- Grain: one row per row of the center's patient file.
with center_patients as (
    select * from staging.center_patients
)

select
    $center_id as center_id,
    patient_key($center_id, local_id) as patient_key,
    case sex when 'F' then 'F' when 'M' then 'M' end as sex,
    birth_date,
    death_date,
    source_row,
from center_patients
