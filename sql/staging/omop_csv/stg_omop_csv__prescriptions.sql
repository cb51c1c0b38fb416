-- omop_csv drug exposures in the common staging shape. The ingredient is found by concept
-- (stg_omop_csv__concept_targets): drug_concept_id, else drug_source_concept_id; stg_prescriptions
-- falls back to drug_source_value (an ATC code, a name or `ATC|name`) when neither leads to one.
-- OMOP always has an end date. An exposure ending on the data cut, or on the end date of one of
-- the person's observation periods, is still running (end_date null) unless its end is explained
-- by what the source recorded: it lasts one day, it has a verbatim_end_date, or it ends
-- days_supply days after its start (docs/protocol.md#open-prescriptions-in-omop). One with no
-- end date is running too.
-- Grain: one row per row of drug_exposure.
with drug_exposure as (
    select * from raw.drug_exposure
),

observation_period as (
    select * from raw.observation_period
),

extract as (
    select * from staging.stg_omop_csv__extract
),

person_ids as (
    select * from staging.stg_omop_csv__person_ids
),

concept_targets as (
    select * from staging.stg_omop_csv__concept_targets
    where domain = 'drug'
),

exposures as (
    select
        trim(person_id) as person_id,
        trim(drug_concept_id) as drug_concept_id,
        trim(drug_source_concept_id) as drug_source_concept_id,
        trim(drug_source_value) as drug_source_value,
        try_strptime(nullif(trim(drug_exposure_start_date), ''), $date_format)::date
            as start_date,
        try_strptime(nullif(trim(drug_exposure_end_date), ''), $date_format)::date as end_date,
        nullif(trim(verbatim_end_date), '') is not null as has_verbatim_end_date,
        try_cast(trim(days_supply) as integer) as days_supply,
        nullif(trim(stop_reason), '') as stop_reason_source_value,
        source_row,
    from drug_exposure
),

observation_period_ends as (
    select distinct
        trim(person_id) as person_id,
        try_strptime(nullif(trim(observation_period_end_date), ''), $date_format)::date
            as period_end_date,
    from observation_period
),

ends_explained as (
    select
        exposures.*,
        exposures.end_date = exposures.start_date
        or exposures.has_verbatim_end_date
        or exposures.end_date - exposures.start_date
        in (exposures.days_supply, exposures.days_supply - 1) as end_is_recorded,
    from exposures
)

select
    person_ids.local_id,
    ends_explained.drug_source_value,
    coalesce(by_drug_concept.target, by_source_concept.target) as concept_ingredient,
    case
        when by_drug_concept.target is not null then by_drug_concept.route
        when by_source_concept.target is not null then 'source_concept_id'
    end as concept_route,
    ends_explained.start_date,
    case
        when ends_explained.end_is_recorded then ends_explained.end_date
        when ends_explained.end_date = extract.data_cut_date then null
        when observation_period_ends.person_id is not null then null
        else ends_explained.end_date
    end as end_date,
    ends_explained.stop_reason_source_value,
    ends_explained.source_row,
from ends_explained
cross join extract
left join person_ids
    on ends_explained.person_id = person_ids.person_id
left join observation_period_ends
    on ends_explained.person_id = observation_period_ends.person_id
    and ends_explained.end_date = observation_period_ends.period_end_date
left join concept_targets as by_drug_concept
    on ends_explained.drug_concept_id = by_drug_concept.concept_id
left join concept_targets as by_source_concept
    on ends_explained.drug_source_concept_id = by_source_concept.concept_id
    and by_drug_concept.concept_id is null
