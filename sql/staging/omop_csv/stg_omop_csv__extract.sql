-- omop_csv extract metadata: the data cut is cdm_source.source_release_date, or, when the CDM has
-- no release date, the latest observation_period_end_date (the reader refuses several release
-- dates, and neither).
-- Grain: one row.
with cdm_source as (
    select * from raw.cdm_source
),

observation_period as (
    select * from raw.observation_period
),

release_dates as (
    select
        max(try_strptime(nullif(trim(source_release_date), ''), $date_format))::date
            as release_date,
    from cdm_source
),

observation_ends as (
    select
        max(try_strptime(nullif(trim(observation_period_end_date), ''), $date_format))::date
            as latest_period_end_date,
    from observation_period
)

select
    coalesce(release_dates.release_date, observation_ends.latest_period_end_date)
        as data_cut_date,
from release_dates
cross join observation_ends
