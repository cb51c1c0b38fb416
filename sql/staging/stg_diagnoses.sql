-- Diagnoses of one center extract mapped to an indication: the indication the dialect found by
-- concept (concept_indication: OMOP's SNOMED concepts) first, else the ICD-10 code by the longest
-- matching prefix in vocabulary/icd10_indications.csv; codes matching none are 'other'. Each
-- distinct code is matched once and joined back to its rows (a center sends far fewer codes than
-- diagnoses). mapping_route says how an indication was found (concept_ancestor,
-- concept_relationship, source_concept_id, source_value). A row is unmapped when nothing
-- identifies the diagnosis: no standard concept, and no code of ICD-10's shape (a letter, two
-- digits); stg_unmapped_terms lists it. Only text of ICD-10's shape is kept as the code: anything
-- else in the column (a patient number typed in the wrong field) is not published.
-- Grain: one row per row of the center's diagnosis file.
with center_diagnoses as (
    select * from staging.center_diagnoses
),

icd10_indications as (
    select * from vocab.icd10_indications
),

patient_keys as (
    select * from staging.stg_patient_keys
),

codes as (
    select
        *,
        nullif(
            regexp_extract(
                upper(replace(trim(icd10_source_value), '.', '')),
                '^[A-Z][0-9]{2}[0-9A-Z]{0,4}$'
            ),
            ''
        ) as icd10_code,
    from center_diagnoses
),

distinct_codes as (
    select distinct icd10_code from codes
),

matched_prefixes as (
    select
        distinct_codes.icd10_code,
        arg_max(icd10_indications.indication, length(icd10_indications.icd10_prefix)) as indication,
    from distinct_codes
    inner join icd10_indications
        on starts_with(distinct_codes.icd10_code, icd10_indications.icd10_prefix)
    group by distinct_codes.icd10_code
)

select
    $center_id as center_id,
    patient_keys.patient_key,
    codes.icd10_code,
    codes.diagnosis_date,
    coalesce(codes.concept_indication, matched_prefixes.indication, 'other') as indication,
    case
        when codes.concept_indication is not null then codes.concept_route
        when matched_prefixes.indication is not null
            then coalesce(codes.concept_route, 'source_value')
    end as mapping_route,
    codes.concept_indication is null
    and codes.concept_id is null
    and not coalesce(regexp_matches(codes.icd10_code, '^[A-Z][0-9]{2}'), false)
        as diagnosis_unmapped,
    codes.source_row,
from codes
left join matched_prefixes
    on codes.icd10_code = matched_prefixes.icd10_code
left join patient_keys
    on codes.local_id = patient_keys.local_id
