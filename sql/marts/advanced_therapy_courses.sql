-- Public contract: every advanced-therapy course in the registry (docs/protocol.md#courses).
-- Grain: one row per patient x course.
with courses as (
    select * from intermediate.int_treatment_courses
)

select
    course_id,
    center_id,
    patient_key,
    ingredient,
    target_class,
    start_date,
    end_date,
    status,
    stop_reason_class,
    n_prescriptions,
    line_number,
from courses
