-- omop_csv persons in the common staging shape, with their death from death.csv.
-- Sex from gender_concept_id (8532 female, 8507 male), else gender_source_value (F/M).
-- Birth date from year/month/day_of_birth (a missing month or day is taken as 1).
-- Grain: one row per row of person.csv.
with person as (
    select * from raw.person
),

person_ids as (
    select * from staging.stg_omop_csv__person_ids
),

death as (
    select * from raw.death
),

deaths as (
    select
        trim(person_id) as person_id,
        min(try_strptime(nullif(trim(death_date), ''), $date_format)::date) as death_date,
    from death
    group by trim(person_id)
)

select
    person_ids.local_id,
    case
        when trim(person.gender_concept_id) = '8532' then 'F'
        when trim(person.gender_concept_id) = '8507' then 'M'
        when upper(trim(person.gender_source_value)) in ('F', 'FEMALE') then 'F'
        when upper(trim(person.gender_source_value)) in ('M', 'MALE') then 'M'
    end as sex,
    try(make_date(
        try_cast(person.year_of_birth as integer),
        coalesce(try_cast(person.month_of_birth as integer), 1),
        coalesce(try_cast(person.day_of_birth as integer), 1)
    )) as birth_date,
    deaths.death_date,
    person.source_row,
from person
inner join person_ids
    on trim(person.person_id) = person_ids.person_id
left join deaths
    on person_ids.person_id = deaths.person_id
