-- Prescriptions of one center extract with the drug mapped to an ingredient and target class, and
-- the stop reason to a class, through the versioned vocabulary (vocabulary/README.md).
-- An ingredient the dialect found by concept (concept_ingredient: OMOP's concept ids) comes first,
-- and drug_mapping_route says how each row was mapped (concept_ancestor, concept_relationship,
-- source_concept_id, source_value; null when it was not). Otherwise a drug string is tried whole, then up to its first word holding a digit (dropping strength and
-- dose form: "XELJANZ 5 MG COMPRIMIDOS" -> "xeljanz"), then its first word ("L04AA29|tofacitinib"
-- -> "l04aa29"). An empty stop reason is 'unknown'; an unmapped one is 'unknown' and reported.
-- Each distinct drug string and stop reason is mapped once, then joined back to its rows: a center
-- sends millions of prescriptions but a few hundred distinct strings, and normalising text with
-- regular expressions per row was the most expensive step of staging.
-- Grain: one row per row of the center's prescription file.
with center_prescriptions as (
    select * from staging.center_prescriptions
),

drug_terms as (
    select * from vocab.drug_terms
),

ingredients as (
    select * from vocab.ingredients
),

stop_reasons as (
    select * from vocab.stop_reasons
),

patient_keys as (
    select * from staging.stg_patient_keys
),

drug_source_values as (
    select distinct drug_source_value from center_prescriptions
),

drug_candidates as (
    select
        drug_source_value,
        drug_term,
        trim(regexp_replace(drug_term, '(^| )[a-z]*[0-9].*$', '')) as drug_term_before_strength,
        split_part(drug_term, ' ', 1) as drug_first_word,
    from (
        select
            drug_source_value,
            normalise_term(drug_source_value) as drug_term,
        from drug_source_values
    )
),

drug_mappings as (
    select
        drug_candidates.drug_source_value,
        coalesce(
            whole_term.ingredient,
            before_strength.ingredient,
            first_word.ingredient
        ) as ingredient,
    from drug_candidates
    left join drug_terms as whole_term
        on drug_candidates.drug_term = whole_term.term
    left join drug_terms as before_strength
        on drug_candidates.drug_term_before_strength = before_strength.term
    left join drug_terms as first_word
        on drug_candidates.drug_first_word = first_word.term
),

stop_reason_mappings as (
    select
        stop_reason_source_values.stop_reason_source_value,
        stop_reason_source_values.stop_reason_term,
        stop_reasons.stop_reason_class,
    from (
        select
            stop_reason_source_value,
            normalise_term(stop_reason_source_value) as stop_reason_term,
        from (select distinct stop_reason_source_value from center_prescriptions)
    ) as stop_reason_source_values
    left join stop_reasons
        on stop_reason_source_values.stop_reason_term = stop_reasons.term
)

select
    $center_id as center_id,
    patient_keys.patient_key,
    center_prescriptions.drug_source_value,
    coalesce(center_prescriptions.concept_ingredient, drug_mappings.ingredient) as ingredient,
    case
        when center_prescriptions.concept_ingredient is not null
            then center_prescriptions.concept_route
        when drug_mappings.ingredient is not null then 'source_value'
    end as drug_mapping_route,
    ingredients.target_class,
    center_prescriptions.start_date,
    center_prescriptions.end_date,
    center_prescriptions.stop_reason_source_value,
    coalesce(stop_reason_mappings.stop_reason_class, 'unknown') as stop_reason_class,
    stop_reason_mappings.stop_reason_term <> '' and stop_reason_mappings.stop_reason_class is null
        as stop_reason_unmapped,
    center_prescriptions.source_row,
from center_prescriptions
left join drug_mappings
    on center_prescriptions.drug_source_value = drug_mappings.drug_source_value
left join ingredients
    on coalesce(center_prescriptions.concept_ingredient, drug_mappings.ingredient)
    = ingredients.ingredient
left join stop_reason_mappings
    on center_prescriptions.stop_reason_source_value = stop_reason_mappings.stop_reason_source_value
left join patient_keys
    on center_prescriptions.local_id = patient_keys.local_id
