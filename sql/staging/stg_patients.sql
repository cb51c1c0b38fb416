-- Patients of one center extract with a pseudonymous key; the local identifier stops here.
-- patient_key = HMAC-SHA256(secret, center_id || ':' || local_id) (docs/protocol.md#privacy),
-- from stg_patient_keys.
-- Grain: one row per row of the center's patient file.
with center_patients as (
    select * from staging.center_patients
),

patient_keys as (
    select * from staging.stg_patient_keys
)

select
    $center_id as center_id,
    patient_keys.patient_key,
    case center_patients.sex when 'F' then 'F' when 'M' then 'M' end as sex,
    center_patients.birth_date,
    center_patients.death_date,
    center_patients.source_row,
from center_patients
left join patient_keys
    on center_patients.local_id = patient_keys.local_id
