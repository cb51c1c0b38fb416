-- Prescriptions of one center extract with the drug mapped to an ingredient and target class, and
-- the stop reason to a class, through the versioned vocabulary (vocabulary/README.md).
-- An ingredient the dialect found by concept (concept_ingredient: OMOP's concept ids) comes first,
-- and drug_mapping_route says how each row was mapped (concept_ancestor, concept_relationship,
-- source_concept_id, term_override, source_value; null when it was not). Otherwise a drug string
-- the center's term overrides classify (keyed on its redacted form, as the review list shows it)
-- takes the ingredient given there; otherwise it is tried whole, then up to its
-- first word holding a digit (dropping strength and dose form: "XELJANZ 5 MG COMPRIMIDOS" ->
-- "xeljanz"), then its first word ("L04AA29|tofacitinib" -> "l04aa29"). Stop reasons are
-- classified in stg_stop_reasons; an empty one is 'unknown', an unmatched one 'unknown' and
-- reported for review.
-- Each distinct drug string and stop reason is mapped once, then joined back to its rows: a center
-- sends millions of prescriptions but a few hundred distinct strings, and normalising text with
-- regular expressions per row was the most expensive step of staging.
-- center_prescriptions is read twice, not copied first (not materialized): copying every row
-- cost a tenth of the model's time.
-- Grain: one row per row of the center's prescription file.
with center_prescriptions as not materialized (
    select * from staging.center_prescriptions
),

drug_terms as (
    select * from vocab.drug_terms
),

ingredients as (
    select * from vocab.ingredients
),

stop_reason_classes as (
    select * from staging.stg_stop_reasons
),

drug_overrides as (
    select * from vocab.term_overrides where term_kind = 'drug'
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
        drug_review_term,
    from (
        select
            drug_source_value,
            normalise_term(drug_source_value) as drug_term,
            -- Drug strings are product names: brand names are kept, digits are not.
            normalise_term(redact_free_text(drug_source_value, null, '.')) as drug_review_term,
        from drug_source_values
    )
),

drug_mappings as (
    select
        drug_candidates.drug_source_value,
        drug_overrides.class is not null as by_override,
        coalesce(
            drug_overrides.class,
            whole_term.ingredient,
            before_strength.ingredient,
            first_word.ingredient
        ) as ingredient,
    from drug_candidates
    left join drug_overrides
        on drug_candidates.drug_review_term = drug_overrides.term
    left join drug_terms as whole_term
        on drug_candidates.drug_term = whole_term.term
    left join drug_terms as before_strength
        on drug_candidates.drug_term_before_strength = before_strength.term
    left join drug_terms as first_word
        on drug_candidates.drug_first_word = first_word.term
)

select
    $center_id as center_id,
    patient_keys.patient_key,
    center_prescriptions.drug_source_value,
    coalesce(center_prescriptions.concept_ingredient, drug_mappings.ingredient) as ingredient,
    case
        when center_prescriptions.concept_ingredient is not null
            then center_prescriptions.concept_route
        when drug_mappings.by_override then 'term_override'
        when drug_mappings.ingredient is not null then 'source_value'
    end as drug_mapping_route,
    ingredients.target_class,
    center_prescriptions.start_date,
    center_prescriptions.end_date,
    center_prescriptions.stop_reason_source_value,
    coalesce(stop_reason_classes.stop_reason_class, 'unknown') as stop_reason_class,
    coalesce(stop_reason_classes.classified_by, 'blank') as stop_reason_classified_by,
    coalesce(stop_reason_classes.classified_by = 'unmatched', false) as stop_reason_unmapped,
    center_prescriptions.source_row,
from center_prescriptions
left join drug_mappings
    on center_prescriptions.drug_source_value = drug_mappings.drug_source_value
left join ingredients
    on coalesce(center_prescriptions.concept_ingredient, drug_mappings.ingredient)
    = ingredients.ingredient
left join stop_reason_classes
    on center_prescriptions.stop_reason_source_value = stop_reason_classes.stop_reason_source_value
    and center_prescriptions.local_id is not distinct from stop_reason_classes.local_id
left join patient_keys
    on center_prescriptions.local_id = patient_keys.local_id
