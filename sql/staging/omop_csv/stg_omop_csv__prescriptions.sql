-- omop_csv drug exposures in the common staging shape. drug_source_value (ATC code, name or
-- `ATC|name`) is mapped to an ingredient in stg_prescriptions; drug_concept_id is not used.
-- OMOP always has an end date: an exposure ending on cdm_source.source_release_date, or on the
-- end date of one of the person's observation periods, is still running (end_date null), as is
-- one with no end date at all.
-- Grain: one row per row of drug_exposure.csv.
with drug_exposure as (
    select * from raw.drug_exposure
),

observation_period as (
    select * from raw.observation_period
),

cdm_source as (
    select * from raw.cdm_source
),

person_ids as (
    select * from staging.stg_omop_csv__person_ids
),

exposures as (
    select
        trim(person_id) as person_id,
        trim(drug_source_value) as drug_source_value,
        try_strptime(nullif(trim(drug_exposure_start_date), ''), $date_format)::date
            as start_date,
        try_strptime(nullif(trim(drug_exposure_end_date), ''), $date_format)::date as end_date,
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

release as (
    select
        try_strptime(trim(source_release_date), $date_format)::date as release_date,
    from cdm_source
)

select
    person_ids.local_id,
    exposures.drug_source_value,
    exposures.start_date,
    case
        when exposures.end_date = release.release_date then null
        when observation_period_ends.person_id is not null then null
        else exposures.end_date
    end as end_date,
    exposures.stop_reason_source_value,
    exposures.source_row,
from exposures
cross join release
left join person_ids
    on exposures.person_id = person_ids.person_id
left join observation_period_ends
    on exposures.person_id = observation_period_ends.person_id
    and exposures.end_date = observation_period_ends.period_end_date
