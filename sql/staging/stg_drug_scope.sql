-- Whether each drug string the vocabulary did not map may be a study drug that went unrecognised
-- (docs/quality.md#scope). A pharmacy export holds every drug a patient took; analgesics or
-- statins are out of scope and never count against the center. A string is a suspected study
-- drug when one of its words
--   1. is an ATC code in a study class (the first five characters of a current or previous ATC
--      code of an advanced-therapy ingredient: L04AF JAK inhibitors, L04AB TNF inhibitors, ...),
--   2. ends in an INN stem of the study's drug families (-tinib kinase inhibitors, JAK
--      inhibitors among them; -mab monoclonal antibodies; -cept fusion proteins; -kinra), or
--   3. is a near-miss of a known name of an advanced therapy (at most two letters added, missing,
--      changed or swapped, for words of six letters or more: a misspelt brand),
-- and no word of it is on the reviewed list of non-study terms (vocabulary/non_study_terms.csv,
-- e.g. denosumab). The reason is kept in words; null means out of scope.
-- Parameters: $advanced_classes.
-- Grain: one row per distinct drug string of the center's prescriptions without an ingredient.
with prescriptions as (
    select * from staging.stg_prescriptions
),

drug_terms as (
    select * from vocab.drug_terms
),

ingredients as (
    select * from vocab.ingredients
),

non_study_terms as (
    select * from vocab.non_study_terms
),

unmapped_drugs as (
    select
        drug_source_value,
        count(*) as n_rows,
    from prescriptions
    where ingredient is null
        and drug_source_value is not null
    group by drug_source_value
),

words as (
    select distinct
        drug_source_value,
        unnest(string_split(normalise_term(drug_source_value), ' ')) as word,
    from unmapped_drugs
),

advanced_ingredients as (
    select * from ingredients
    where list_contains($advanced_classes, target_class)
),

study_atc_classes as (
    select distinct upper(left(atc_code, 5)) as atc_class from advanced_ingredients
    union
    select distinct upper(left(atc_code_previous, 5)) as atc_class from advanced_ingredients
    where coalesce(atc_code_previous, '') <> ''
),

advanced_names as (
    select drug_terms.term
    from drug_terms
    inner join advanced_ingredients
        on drug_terms.ingredient = advanced_ingredients.ingredient
    where drug_terms.term_type not in ('atc', 'atc_previous')
        and length(drug_terms.term) >= 6
),

word_signs as (
    select
        words.drug_source_value,
        case
            when study_atc_classes.atc_class is not null
                then 'ATC code ' || upper(words.word) || ' of a study class'
            when regexp_matches(words.word, '^[a-z]{3,}(tinib|mab|cept|kinra)$')
                then 'name ' || words.word || ' with a study drug-family stem'
        end as sign,
    from words
    left join study_atc_classes
        on regexp_matches(words.word, '^[a-z][0-9]{2}[a-z]{2}[0-9]{2}$')
        and upper(left(words.word, 5)) = study_atc_classes.atc_class
),

near_misses as (
    select
        words.drug_source_value,
        'name ' || words.word || ' close to ' || min(advanced_names.term) as sign,
    from words
    inner join advanced_names
        on length(words.word) >= 6
        and words.word <> advanced_names.term
        and damerau_levenshtein(words.word, advanced_names.term) <= 2
    group by words.drug_source_value, words.word
),

signs as (
    select drug_source_value, sign from word_signs where sign is not null
    union all
    select drug_source_value, sign from near_misses
),

first_signs as (
    select
        drug_source_value,
        min(sign) as sign,
    from signs
    group by drug_source_value
),

reviewed_non_study as (
    select distinct words.drug_source_value
    from words
    inner join non_study_terms
        on words.word = non_study_terms.term
)

select
    $center_id as center_id,
    unmapped_drugs.drug_source_value,
    unmapped_drugs.n_rows,
    case
        when reviewed_non_study.drug_source_value is null then first_signs.sign
    end as suspected_study_drug,
from unmapped_drugs
left join first_signs
    on unmapped_drugs.drug_source_value = first_signs.drug_source_value
left join reviewed_non_study
    on unmapped_drugs.drug_source_value = reviewed_non_study.drug_source_value
