-- The Patient id in a FHIR reference (fhir_ndjson): 'Patient/00012' or
-- 'https://ehr.example/fhir/Patient/00012' -> '00012'; a reference to anything else is null.
create or replace macro fhir_patient_id(reference) as
    nullif(regexp_extract(trim(reference), '(^|/)Patient/([^/]+)$', 2), '');
