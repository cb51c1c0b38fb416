-- Public contract: each JAK-inhibitor failure, the strategy that followed and the retention of the
-- next treatment (docs/protocol.md#strategy and #retention).
-- Strategy: retreatment (the same JAK inhibitor again), cycling (another JAK inhibitor),
-- switching (another class, kept in next_target_class), none (no advanced therapy within the
-- window). failure_date is the failed course's end; days_to_next is negative when bridging.
-- Retention: days from the next treatment's start to its end when it was discontinued for any
-- reason (event); else censored at death (censor_reason 'death', days to the death date) or at the
-- data cut (censor_reason 'data_cut', days to the data cut).
-- Grain: one row per JAK-inhibitor failure.
with failures as (
    select * from intermediate.int_jaki_courses
    where failure
),

next_links as (
    select * from intermediate.int_failure_next_courses
),

courses as (
    select * from intermediate.int_treatment_courses
),

failures_with_next as (
    select
        failures.course_id as failure_course_id,
        failures.center_id,
        failures.patient_key,
        failures.jaki,
        failures.end_date as failure_date,
        failures.stop_reason_class,
        next_courses.course_id as next_course_id,
        next_courses.ingredient as next_ingredient,
        next_courses.target_class as next_target_class,
        next_courses.start_date as next_start_date,
        next_courses.end_date as next_end_date,
        next_courses.status as next_status,
        next_courses.data_cut_date,
        next_courses.death_date,
    from failures
    inner join next_links
        on failures.course_id = next_links.failure_course_id
    left join courses as next_courses
        on next_links.next_course_id = next_courses.course_id
)

select
    failure_course_id,
    center_id,
    patient_key,
    jaki,
    failure_date,
    stop_reason_class,
    case
        when next_course_id is null then 'none'
        when next_ingredient = jaki then 'retreatment'
        when next_target_class = 'JAKi' then 'cycling'
        else 'switching'
    end as strategy,
    next_course_id,
    next_ingredient,
    next_target_class,
    next_start_date,
    next_start_date - failure_date as days_to_next,
    case next_status
        when 'discontinued' then next_end_date - next_start_date
        when 'censored_death' then death_date - next_start_date
        when 'ongoing' then data_cut_date - next_start_date
    end as retention_days,
    next_status = 'discontinued' as retention_event,
    case next_status
        when 'censored_death' then 'death'
        when 'ongoing' then 'data_cut'
    end as censor_reason,
from failures_with_next
