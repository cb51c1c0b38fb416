-- A view for the suite next to it (not a model): each patient of one staged extract with a
-- JAK-inhibitor prescription, and the rheumatic indication recorded for them, 'unknown' when
-- none is (docs/quality.md#staging).
-- Grain: one row per patient with a JAK-inhibitor prescription.
with prescriptions as (
    select * from staging.stg_prescriptions
),

diagnoses as (
    select * from staging.stg_diagnoses
),

jaki_patients as (
    select distinct patient_key
    from prescriptions
    where target_class = 'JAKi'
),

known_indications as (
    select
        patient_key,
        min(indication) as indication,
    from diagnoses
    where indication in ('RA', 'PsA', 'axSpA')
    group by patient_key
)

select
    jaki_patients.patient_key,
    coalesce(known_indications.indication, 'unknown') as indication,
from jaki_patients
left join known_indications
    on jaki_patients.patient_key = known_indications.patient_key
