-- JAK-inhibitor courses with failure, demographics and treatment history
-- (docs/protocol.md#failure, #indication, #age-and-prior-lines). A failure is a discontinued JAKi
-- course whose stop reason class is one of $failure_reasons; remission, pregnancy and relocation
-- end a course without failing it. age_at_start is in completed years on the course start;
-- prior_advanced_lines counts the patient's advanced-therapy courses (any class, retreatments
-- included) that started before this course's start day; the indication is the patient's
-- (int_patient_indications), 'unknown' when none.
-- Parameters: $failure_reasons.
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
    courses.prior_advanced_lines,
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
