-- fhir_ndjson Patient resources in the common staging shape: the resource id is the local
-- identifier, gender female/male becomes F/M (other, unknown or absent: null), and the local date
-- of deceasedDateTime is the death date.
-- Grain: one row per line of Patient.ndjson.
with source as (
    select * from raw.patient
)

select
    trim(id) as local_id,
    case lower(trim(gender)) when 'female' then 'F' when 'male' then 'M' end as sex,
    fhir_date(birthDate) as birth_date,
    fhir_date(deceasedDateTime) as death_date,
    source_row,
from source
