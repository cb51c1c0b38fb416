-- The local identifier of each OMOP person: person_source_value (the hospital's own number, as
-- text, leading zeros kept), or person_id when the extract leaves person_source_value empty.
-- The other OMOP tables name patients by person_id; this is where they get their local id.
-- Grain: one row per row of person.csv.
with person as (
    select * from raw.person
)

select
    trim(person_id) as person_id,
    coalesce(nullif(trim(person_source_value), ''), trim(person_id)) as local_id,
from person
