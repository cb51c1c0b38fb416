-- JAK-inhibitor courses with failure, demographics and treatment history
-- (docs/protocol.md#failure). A failure is a discontinued JAKi course whose stop reason class is
-- one of $failure_reasons. prior_advanced_lines counts the advanced courses before it.
-- Grain: one row per JAK-inhibitor course.
with courses as (
    select * from intermediate.int_treatment_courses
),

patients as (
    select * from staging.stg_patients
),

indications as (
    select * from intermediate.int_patient_indications
)

select
    courses.course_id,
    courses.center_id,
    courses.patient_key,
    courses.ingredient as jaki,
    courses.start_date,
    courses.end_date,
    courses.status,
    courses.stop_reason_class,
    courses.status = 'discontinued'
        and list_contains($failure_reasons, courses.stop_reason_class) as failure,
    coalesce(indications.indication, 'unknown') as indication,
    patients.sex,
    date_part('year', age(courses.start_date, patients.birth_date))::integer as age_at_start,
    courses.line_number - 1 as prior_advanced_lines,
    courses.data_cut_date,
    courses.death_date,
from courses
left join patients
    on courses.center_id = patients.center_id
    and courses.patient_key = patients.patient_key
left join indications
    on courses.center_id = indications.center_id
    and courses.patient_key = indications.patient_key
where courses.target_class = 'JAKi'
