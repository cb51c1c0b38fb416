-- The advanced therapies that follow each patient's first JAK-inhibitor failure, as steps
-- (docs/protocol.md#treatment-sequences). The index is the patient's first failed JAK-inhibitor
-- course (earliest start); it is step 0. The courses that start after the index course's start are
-- taken in line order (start, longer-lasting first, ingredient). A course joins the step before
-- it as a combination when it overlaps the courses before it for at least
-- $combination_overlap_days: the earlier of its end and their latest end, minus its start, is
-- $combination_overlap_days or more; otherwise it starts a new step. As for the next treatment, the
-- first step must start no later than $next_treatment_window_days after the index course's end,
-- or the patient has no steps after the index.
-- Parameters: $combination_overlap_days, $next_treatment_window_days.
-- Grain: one row per patient's first JAK-inhibitor failure x step (step 0 is the failed course).
with failures as (
    select * from intermediate.int_jaki_courses
    where failure
),

courses as (
    select * from intermediate.int_treatment_courses
),

first_failures as (
    select
        course_id,
        center_id,
        patient_key,
        jaki,
        start_date,
        end_date,
    from failures
    qualify row_number() over (
        partition by center_id, patient_key
        order by start_date, course_id
    ) = 1
),

later_courses as (
    select
        first_failures.course_id as failure_course_id,
        first_failures.end_date as failure_end_date,
        courses.ingredient,
        courses.target_class,
        courses.start_date,
        courses.end_date,
    from first_failures
    inner join courses
        on first_failures.center_id = courses.center_id
        and first_failures.patient_key = courses.patient_key
        and courses.start_date > first_failures.start_date
),

step_boundaries as (
    select
        failure_course_id,
        failure_end_date,
        ingredient,
        target_class,
        start_date,
        end_date,
        -- The first course has no courses before it (null) and starts step 1.
        case
            when max(end_date) over earlier_courses is null then 1
            when least(max(end_date) over earlier_courses, end_date) - start_date
                >= $combination_overlap_days then 0
            else 1
        end as starts_step,
    from later_courses
    window earlier_courses as (
        partition by failure_course_id
        order by start_date, end_date desc, ingredient
        rows between unbounded preceding and 1 preceding
    )
),

numbered_courses as (
    select
        failure_course_id,
        failure_end_date,
        ingredient,
        target_class,
        start_date,
        end_date,
        sum(starts_step) over (
            partition by failure_course_id
            order by start_date, end_date desc, ingredient
            rows between unbounded preceding and current row
        ) as step,
    from step_boundaries
),

steps as (
    select
        failure_course_id,
        step,
        min(start_date) as start_date,
        max(end_date) as end_date,
        list_sort(list(target_class)) as target_classes,
        list_sort(list(ingredient)) as ingredients,
        any_value(failure_end_date) as failure_end_date,
    from numbered_courses
    group by failure_course_id, step
),

steps_after_a_timely_first_step as (
    select
        failure_course_id,
        step,
        start_date,
        end_date,
        target_classes,
        ingredients,
    from steps
    qualify min(start_date) over (partition by failure_course_id)
        <= failure_end_date + $next_treatment_window_days
),

index_steps as (
    select
        course_id as failure_course_id,
        0 as step,
        start_date,
        end_date,
        ['JAKi'] as target_classes,
        [jaki] as ingredients,
    from first_failures
),

all_steps as (
    select
        failure_course_id,
        step,
        start_date,
        end_date,
        target_classes,
        ingredients,
    from index_steps
    union all
    select
        failure_course_id,
        step,
        start_date,
        end_date,
        target_classes,
        ingredients,
    from steps_after_a_timely_first_step
)

select
    all_steps.failure_course_id,
    first_failures.center_id,
    first_failures.patient_key,
    all_steps.step,
    all_steps.start_date,
    all_steps.end_date,
    all_steps.target_classes,
    all_steps.ingredients,
from all_steps
inner join first_failures
    on all_steps.failure_course_id = first_failures.course_id
