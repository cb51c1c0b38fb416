-- Where each drug and condition concept of the extract leads: the study ingredient (an RxNorm
-- ingredient in vocabulary/ingredients.csv) or indication (a SNOMED concept in
-- vocabulary/condition_concepts.csv) it falls under, and the route that found it.
-- 'concept_ancestor': the CDM's concept_ancestor lists the target as an ancestor of the concept.
-- 'concept_relationship': otherwise (Synthea27Nj ships an empty concept_ancestor), a walk of up to
-- 5 steps along concept_relationship, following only the relationships in
-- vocabulary/concept_relationships.csv, which lead from a drug product to its ingredient
-- ('Consists of', 'RxNorm has ing', ...) or from a concept to its parent ('Is a', 'Maps to').
-- A concept reaching two targets keeps the one found by the ancestor table, then the nearest,
-- then the first by name, so the mapping does not depend on row order.
-- Grain: one row per domain (drug or condition) x concept id used in drug_exposure or
-- condition_occurrence (standard or source concept) that reaches a target.
with recursive drug_exposure as (
    select * from raw.drug_exposure
),

condition_occurrence as (
    select * from raw.condition_occurrence
),

concept_ancestor as (
    select * from raw.concept_ancestor
),

concept_relationship as (
    select * from raw.concept_relationship
),

ingredients as (
    select * from vocab.ingredients
),

condition_concepts as (
    select * from vocab.condition_concepts
),

concept_relationships as (
    select * from vocab.concept_relationships
),

targets as (
    select
        'drug' as domain,
        rxnorm_concept_id as concept_id,
        ingredient as target,
    from ingredients
    where rxnorm_concept_id <> ''
    union all
    select
        'condition' as domain,
        concept_id,
        indication as target,
    from condition_concepts
),

extract_concepts as (
    select distinct
        domain,
        trim(concept_id) as concept_id,
    from (
        select 'drug' as domain, drug_concept_id as concept_id from drug_exposure
        union all
        select 'drug' as domain, drug_source_concept_id as concept_id from drug_exposure
        union all
        select 'condition' as domain, condition_concept_id as concept_id from condition_occurrence
        union all
        select 'condition' as domain, condition_source_concept_id as concept_id
        from condition_occurrence
    )
    where trim(concept_id) not in ('', '0')
),

relationships as (
    select
        concept_relationships.domain,
        trim(concept_relationship.concept_id_1) as from_concept_id,
        trim(concept_relationship.concept_id_2) as to_concept_id,
    from concept_relationship
    inner join concept_relationships
        on concept_relationship.relationship_id = concept_relationships.relationship_id
),

walk as (
    select
        domain,
        concept_id as start_concept_id,
        concept_id,
        0 as steps,
    from extract_concepts
    union
    select
        walk.domain,
        walk.start_concept_id,
        relationships.to_concept_id as concept_id,
        walk.steps + 1 as steps,
    from walk
    inner join relationships
        on walk.domain = relationships.domain
        and walk.concept_id = relationships.from_concept_id
    where walk.steps < 5
),

by_ancestor as (
    select
        extract_concepts.domain,
        extract_concepts.concept_id,
        targets.target,
        'concept_ancestor' as route,
        1 as preference,
        coalesce(try_cast(concept_ancestor.min_levels_of_separation as integer), 0) as steps,
    from extract_concepts
    inner join concept_ancestor
        on extract_concepts.concept_id = trim(concept_ancestor.descendant_concept_id)
    inner join targets
        on extract_concepts.domain = targets.domain
        and trim(concept_ancestor.ancestor_concept_id) = targets.concept_id
),

by_relationship as (
    select
        walk.domain,
        walk.start_concept_id as concept_id,
        targets.target,
        'concept_relationship' as route,
        2 as preference,
        walk.steps,
    from walk
    inner join targets
        on walk.domain = targets.domain
        and walk.concept_id = targets.concept_id
),

candidates as (
    select * from by_ancestor
    union all
    select * from by_relationship
)

select
    domain,
    concept_id,
    target,
    route,
from candidates
qualify row_number() over (
    partition by domain, concept_id order by preference, steps, target
) = 1
