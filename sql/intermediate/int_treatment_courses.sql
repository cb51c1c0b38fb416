-- Treatment courses (docs/protocol.md#courses, #status, #line-number).
-- Per patient and ingredient, prescriptions in start order; a prescription joins the running
-- course when it starts at most $permissible_gap_days after the latest end so far (overlaps join),
-- otherwise it starts a new course. Course start is its first start, course end its latest end.
-- Status, first match wins: censored_death when the patient died and the course ends no more than
-- $permissible_gap_days before death; ongoing when it has an open prescription or ends no more
-- than $permissible_gap_days before the data cut; else discontinued. Death comes first because
-- the patient is not observed after it: an open course of a patient who died is censored at death,
-- not at the data cut.
-- A discontinued course keeps the stop reason class of its last prescription: the one ending
-- last; on the same end day one with a recorded reason over 'unknown', then the one started last.
-- line_number orders a patient's courses by start, then longer-lasting first, then ingredient;
-- prior_advanced_lines counts the patient's courses started on an earlier day
-- (docs/protocol.md#age-and-prior-lines).
-- Parameters: $permissible_gap_days.
-- Grain: one row per patient x course.
with prescriptions as (
    select * from intermediate.int_advanced_prescriptions
),

course_boundaries as (
    select
        center_id,
        patient_key,
        ingredient,
        target_class,
        start_date,
        effective_end_date,
        is_open,
        stop_reason_class,
        data_cut_date,
        death_date,
        source_row,
        -- The first prescription has no end so far (null) and starts a course too.
        case
            when start_date - max(effective_end_date) over latest_end_so_far
                <= $permissible_gap_days then 0
            else 1
        end as starts_course,
    from prescriptions
    window latest_end_so_far as (
        partition by center_id, patient_key, ingredient
        order by start_date, effective_end_date, source_row
        rows between unbounded preceding and 1 preceding
    )
),

numbered_prescriptions as (
    select
        center_id,
        patient_key,
        ingredient,
        target_class,
        start_date,
        effective_end_date,
        is_open,
        stop_reason_class,
        data_cut_date,
        death_date,
        sum(starts_course) over (
            partition by center_id, patient_key, ingredient
            order by start_date, effective_end_date, source_row
            rows between unbounded preceding and current row
        ) as course_number,
        source_row,
    from course_boundaries
),

courses as (
    select
        center_id,
        patient_key,
        ingredient,
        any_value(target_class) as target_class,
        min(start_date) as start_date,
        max(effective_end_date) as end_date,
        bool_or(is_open) as has_open_prescription,
        count(*) as n_prescriptions,
        first(
            stop_reason_class
            order by
                effective_end_date desc,
                stop_reason_class = 'unknown',
                start_date desc,
                source_row desc
        ) as last_stop_reason_class,
        any_value(data_cut_date) as data_cut_date,
        any_value(death_date) as death_date,
    from numbered_prescriptions
    group by center_id, patient_key, ingredient, course_number
),

course_status as (
    select
        center_id,
        patient_key,
        ingredient,
        target_class,
        start_date,
        end_date,
        n_prescriptions,
        last_stop_reason_class,
        data_cut_date,
        death_date,
        case
            when death_date - end_date <= $permissible_gap_days then 'censored_death'
            when has_open_prescription
                or data_cut_date - end_date <= $permissible_gap_days then 'ongoing'
            else 'discontinued'
        end as status,
    from courses
)

select
    substr(sha256(concat_ws(':', center_id, patient_key, ingredient, start_date)), 1, 20)
        as course_id,
    center_id,
    patient_key,
    ingredient,
    target_class,
    start_date,
    end_date,
    status,
    case when status = 'discontinued' then last_stop_reason_class end as stop_reason_class,
    n_prescriptions,
    row_number() over (
        partition by center_id, patient_key
        order by start_date, end_date desc, ingredient
    ) as line_number,
    rank() over (
        partition by center_id, patient_key
        order by start_date
    ) - 1 as prior_advanced_lines,
    data_cut_date,
    death_date,
from course_status
