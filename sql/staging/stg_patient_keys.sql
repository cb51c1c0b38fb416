-- The pseudonymous key of each local patient identifier of one center extract, computed once per
-- identifier rather than once per row: HMAC-SHA256 is two SHA-256 passes, and a center sends ten
-- prescriptions per patient. patient_key = HMAC-SHA256(secret, center_id || ':' || local_id)
-- (docs/protocol.md#privacy). It holds local identifiers, so it stays in the center's in-memory
-- database and is never staged.
-- Grain: one row per distinct local identifier in the center's patient, diagnosis and
-- prescription files.
with local_ids as (
    select local_id from staging.center_patients
    union
    select local_id from staging.center_diagnoses
    union
    select local_id from staging.center_prescriptions
)

select
    local_id,
    patient_key($center_id, local_id) as patient_key,
from local_ids
