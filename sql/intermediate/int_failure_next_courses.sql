-- The next treatment after each JAK-inhibitor failure (docs/protocol.md#next-treatment): the
-- first advanced-therapy course of the same patient, other than the failed course, that starts
-- after the failed course's start and no later than $next_treatment_window_days after its end
-- (day $next_treatment_window_days itself included). Bridging (starting before the failed course
-- ends), a same-day switch and a restart of the same JAK inhibitor all qualify.
-- Same-day ties: of candidates starting on the same day, the longer-lasting course, then the
-- ingredient first in alphabetical order.
-- Parameters: $next_treatment_window_days.
-- Grain: one row per JAK-inhibitor failure; next_course_id null when there is none.
with failures as (
    select * from intermediate.int_jaki_courses
    where failure
),

courses as (
    select * from intermediate.int_treatment_courses
),

candidates as (
    select
        failures.course_id as failure_course_id,
        courses.course_id as next_course_id,
        courses.start_date,
        courses.end_date,
        courses.ingredient,
    from failures
    inner join courses
        on failures.center_id = courses.center_id
        and failures.patient_key = courses.patient_key
        and courses.course_id <> failures.course_id
        and courses.start_date > failures.start_date
        and courses.start_date <= failures.end_date + $next_treatment_window_days
),

first_candidates as (
    select
        failure_course_id,
        first(next_course_id order by start_date, end_date desc, ingredient) as next_course_id,
    from candidates
    group by failure_course_id
)

select
    failures.course_id as failure_course_id,
    first_candidates.next_course_id,
from failures
left join first_candidates
    on failures.course_id = first_candidates.failure_course_id
