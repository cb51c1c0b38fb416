-- Prescriptions of one center extract with the drug mapped to an ingredient and target class, and
-- the stop reason to a class, through the versioned vocabulary (vocabulary/README.md).
-- A drug string is tried whole, then up to its first word holding a digit (dropping strength and
-- dose form: "XELJANZ 5 MG COMPRIMIDOS" -> "xeljanz"), then its first word ("L04AA29|tofacitinib"
-- -> "l04aa29"). An empty stop reason is 'unknown'; an unmapped one is 'unknown' and reported.
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

normalised as (
    select
        *,
        normalise_term(drug_source_value) as drug_term,
        normalise_term(stop_reason_source_value) as stop_reason_term,
    from center_prescriptions
),

drug_candidates as (
    select
        *,
        trim(regexp_replace(drug_term, '(^| )[a-z]*[0-9].*$', '')) as drug_term_before_strength,
        split_part(drug_term, ' ', 1) as drug_first_word,
    from normalised
),

mapped as (
    select
        drug_candidates.*,
        coalesce(
            whole_term.ingredient,
            before_strength.ingredient,
            first_word.ingredient
        ) as ingredient,
        stop_reasons.stop_reason_class as mapped_stop_reason_class,
    from drug_candidates
    left join drug_terms as whole_term
        on drug_candidates.drug_term = whole_term.term
    left join drug_terms as before_strength
        on drug_candidates.drug_term_before_strength = before_strength.term
    left join drug_terms as first_word
        on drug_candidates.drug_first_word = first_word.term
    left join stop_reasons
        on drug_candidates.stop_reason_term = stop_reasons.term
)

select
    $center_id as center_id,
    patient_keys.patient_key,
    mapped.drug_source_value,
    mapped.ingredient,
    ingredients.target_class,
    mapped.start_date,
    mapped.end_date,
    mapped.stop_reason_source_value,
    coalesce(mapped.mapped_stop_reason_class, 'unknown') as stop_reason_class,
    mapped.stop_reason_term <> '' and mapped.mapped_stop_reason_class is null
        as stop_reason_unmapped,
    mapped.source_row,
from mapped
left join ingredients
    on mapped.ingredient = ingredients.ingredient
left join patient_keys
    on mapped.local_id = patient_keys.local_id
