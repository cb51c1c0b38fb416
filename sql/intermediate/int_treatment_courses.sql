-- Treatment courses (docs/protocol.md#courses and #status).
-- Per patient and ingredient, prescriptions in start order; a prescription joins the running
-- course when it starts at most $permissible_gap_days after the latest end so far (overlaps join).
-- Course start is its first start, course end its latest end.
-- Status: censored_death when the patient died and the course ends within $permissible_gap_days
-- before death (or later); else ongoing when it has an open prescription or ends within
-- $permissible_gap_days of the data cut (or later); else discontinued, with the stop reason class
-- of its last prescription (latest end, then latest start).
-- Courses of a patient are ordered by start, then longer-lasting first, then ingredient name:
-- line_number 1 is the patient's first advanced therapy.
-- Grain: one row per patient x course.
with prescriptions as (
    select * from intermediate.int_advanced_prescriptions
),

latest_end_before as (
    select
        *,
        max(effective_end_date) over (
            partition by center_id, patient_key, ingredient
            order by start_date, effective_end_date, source_row
            rows between unbounded preceding and 1 preceding
        ) as latest_end_so_far,
    from prescriptions
),

course_boundaries as (
    select
        *,
        case
            when latest_end_so_far is null then 1
            when start_date > latest_end_so_far + $permissible_gap_days then 1
            else 0
        end as starts_course,
    from latest_end_before
),

numbered_prescriptions as (
    select
        *,
        sum(starts_course) over (
            partition by center_id, patient_key, ingredient
            order by start_date, effective_end_date, source_row
            rows between unbounded preceding and current row
        ) as course_number,
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
        first(stop_reason_class order by effective_end_date desc, start_date desc, source_row desc)
            as last_stop_reason_class,
        any_value(data_cut_date) as data_cut_date,
        any_value(death_date) as death_date,
    from numbered_prescriptions
    group by center_id, patient_key, ingredient, course_number
),

course_status as (
    select
        *,
        case
            when death_date is not null
                and end_date >= death_date - $permissible_gap_days then 'censored_death'
            when has_open_prescription
                or end_date >= data_cut_date - $permissible_gap_days then 'ongoing'
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
    data_cut_date,
    death_date,
from course_status
