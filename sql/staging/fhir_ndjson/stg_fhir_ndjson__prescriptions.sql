-- fhir_ndjson MedicationStatement resources in the common staging shape.
-- The drug is the code of the ATC coding (system http://www.whocc.no/atc; old or new codes) joined
-- to the text as 'ATC|text' when both are sent, so that the vocabulary tries the whole string and
-- then its first word, the ATC code (stg_prescriptions); the text alone when there is no ATC code.
-- An effectivePeriod without end is an open prescription; the first statusReason's text (else
-- its first coding's display) is the stop reason. Statements entered in error or not taken record
-- no exposure and are left out.
-- Grain: one row per line of MedicationStatement.ndjson, less those left out.
with source as (
    select * from raw.medication_statement
),

atc_codings as (
    select
        *,
        list_filter(
            medicationCodeableConcept.coding,
            lambda coding: coding.system = 'http://www.whocc.no/atc'
        )[1].code as atc_code,
    from source
),

exposures as (
    select * from atc_codings
    where coalesce(lower(trim(status)), '') not in ('entered-in-error', 'not-taken')
)

select
    fhir_patient_id(subject.reference) as local_id,
    nullif(
        concat_ws('|', nullif(trim(atc_code), ''), nullif(trim(medicationCodeableConcept.text), '')),
        ''
    ) as drug_source_value,
    fhir_date(effectivePeriod.start) as start_date,
    fhir_date(effectivePeriod."end") as end_date,
    coalesce(
        nullif(trim(statusReason[1].text), ''),
        nullif(trim(statusReason[1].coding[1].display), '')
    ) as stop_reason_source_value,
    source_row,
from exposures
