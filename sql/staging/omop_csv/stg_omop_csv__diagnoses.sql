-- omop_csv condition occurrences in the common staging shape. The indication is found by concept
-- (stg_omop_csv__concept_targets): condition_concept_id, a SNOMED concept under rheumatoid
-- arthritis, psoriatic arthritis or axial spondyloarthritis, else condition_source_concept_id.
-- Otherwise stg_diagnoses reads the ICD-10 code: the code of condition_source_concept_id when it is
-- an ICD-10 (or ICD-10-CM) concept, else condition_source_value.
-- Grain: one row per row of condition_occurrence.
with condition_occurrence as (
    select * from raw.condition_occurrence
),

concept as (
    select * from raw.concept
),

person_ids as (
    select * from staging.stg_omop_csv__person_ids
),

concept_targets as (
    select * from staging.stg_omop_csv__concept_targets
    where domain = 'condition'
),

icd10_concepts as (
    select
        trim(concept_id) as concept_id,
        trim(concept_code) as icd10_code,
    from concept
),

conditions as (
    select
        trim(person_id) as person_id,
        nullif(trim(condition_concept_id), '0') as condition_concept_id,
        trim(condition_source_concept_id) as condition_source_concept_id,
        trim(condition_source_value) as condition_source_value,
        try_strptime(nullif(trim(condition_start_date), ''), $date_format)::date
            as diagnosis_date,
        source_row,
    from condition_occurrence
)

select
    person_ids.local_id,
    coalesce(icd10_concepts.icd10_code, conditions.condition_source_value) as icd10_source_value,
    conditions.condition_concept_id as concept_id,
    coalesce(by_condition_concept.target, by_source_concept.target) as concept_indication,
    case
        when by_condition_concept.target is not null then by_condition_concept.route
        when by_source_concept.target is not null then 'source_concept_id'
        when icd10_concepts.icd10_code is not null then 'source_concept_id'
    end as concept_route,
    conditions.diagnosis_date,
    conditions.source_row,
from conditions
left join person_ids
    on conditions.person_id = person_ids.person_id
left join concept_targets as by_condition_concept
    on conditions.condition_concept_id = by_condition_concept.concept_id
left join concept_targets as by_source_concept
    on conditions.condition_source_concept_id = by_source_concept.concept_id
    and by_condition_concept.concept_id is null
left join icd10_concepts
    on conditions.condition_source_concept_id = icd10_concepts.concept_id
