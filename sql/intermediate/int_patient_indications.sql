-- Each patient's indication (docs/protocol.md#indication): the rheumatic indication (RA, PsA,
-- axSpA) of the patient's first recorded such diagnosis; on the same day RA before PsA before
-- axSpA; diagnoses without a date come last. Patients with none get no row here and 'unknown'
-- downstream.
-- Parameters: none.
-- Grain: one row per patient with an RA, PsA or axSpA diagnosis.
with diagnoses as (
    select * from staging.stg_diagnoses
)

select
    center_id,
    patient_key,
    first(
        indication
        order by diagnosis_date nulls last, list_position(['RA', 'PsA', 'axSpA'], indication)
    ) as indication,
from diagnoses
where indication in ('RA', 'PsA', 'axSpA')
group by center_id, patient_key
