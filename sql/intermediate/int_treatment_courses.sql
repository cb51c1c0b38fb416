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
-- The windows and groups work on an integer number per patient, not on the 64-character
-- patient_key: sorting and grouping on the keys took the model from 2.0 to 2.5 CPU s at 100k
-- patients; course_id, a hash, is computed once the courses are known (issue 16).
-- Parameters: $permissible_gap_days.
-- Grain: one row per patient x course.
with prescriptions as (
    select * from intermediate.int_advanced_prescriptions
),

-- One number per patient of the center, for the windows below.
patient_numbers as (
    select
        center_id,
        patient_key,
        row_number() over () as patient_number,
    from (select distinct center_id, patient_key from prescriptions)
),

course_boundaries as (
    select
        patient_numbers.patient_number,
        prescriptions.ingredient,
        prescriptions.target_class,
        prescriptions.start_date,
        prescriptions.effective_end_date,
        prescriptions.is_open,
        prescriptions.stop_reason_class,
        prescriptions.data_cut_date,
        prescriptions.death_date,
        prescriptions.source_row,
        -- The first prescription has no end so far (null) and starts a course too.
        case
            when prescriptions.start_date
                - max(prescriptions.effective_end_date) over latest_end_so_far
                <= $permissible_gap_days then 0
            else 1
        end as starts_course,
    from prescriptions
    inner join patient_numbers
        on prescriptions.center_id = patient_numbers.center_id
        and prescriptions.patient_key = patient_numbers.patient_key
    window latest_end_so_far as (
        partition by patient_numbers.patient_number, prescriptions.ingredient
        order by
            prescriptions.start_date,
            prescriptions.effective_end_date,
            prescriptions.source_row
        rows between unbounded preceding and 1 preceding
    )
),

numbered_prescriptions as (
    select
        patient_number,
        ingredient,
        target_class,
        start_date,
        effective_end_date,
        is_open,
        stop_reason_class,
        data_cut_date,
        death_date,
        sum(starts_course) over (
            partition by patient_number, ingredient
            order by start_date, effective_end_date, source_row
            rows between unbounded preceding and current row
        ) as course_number,
        source_row,
    from course_boundaries
),

courses as (
    select
        patient_number,
        ingredient,
        any_value(target_class) as target_class,
        min(start_date) as start_date,
        max(effective_end_date) as end_date,
        bool_or(is_open) as has_open_prescription,
        count(*) as n_prescriptions,
        -- The last prescription: latest end, a recorded reason over 'unknown', latest start.
        arg_max(
            stop_reason_class,
            (effective_end_date, stop_reason_class <> 'unknown', start_date, source_row)
        ) as last_stop_reason_class,
        any_value(data_cut_date) as data_cut_date,
        any_value(death_date) as death_date,
    from numbered_prescriptions
    group by patient_number, ingredient, course_number
),

course_status as (
    select
        patient_number,
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
        row_number() over (
            partition by patient_number
            order by start_date, end_date desc, ingredient
        ) as line_number,
        rank() over (
            partition by patient_number
            order by start_date
        ) - 1 as prior_advanced_lines,
    from courses
)

select
    substr(
        sha256(
            concat_ws(
                ':',
                patient_numbers.center_id,
                patient_numbers.patient_key,
                course_status.ingredient,
                course_status.start_date
            )
        ),
        1,
        20
    ) as course_id,
    patient_numbers.center_id,
    patient_numbers.patient_key,
    course_status.ingredient,
    course_status.target_class,
    course_status.start_date,
    course_status.end_date,
    course_status.status,
    case
        when course_status.status = 'discontinued' then course_status.last_stop_reason_class
    end as stop_reason_class,
    course_status.n_prescriptions,
    course_status.line_number,
    course_status.prior_advanced_lines,
    course_status.data_cut_date,
    course_status.death_date,
from course_status
inner join patient_numbers
    on course_status.patient_number = patient_numbers.patient_number
