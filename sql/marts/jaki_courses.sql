-- Public contract: every JAK-inhibitor course, whether it failed, and who the patient was
-- (docs/protocol.md#failure).
-- Grain: one row per JAK-inhibitor course.
with jaki_courses as (
    select * from intermediate.int_jaki_courses
)

select
    course_id,
    center_id,
    patient_key,
    jaki,
    start_date,
    end_date,
    status,
    stop_reason_class,
    failure,
    indication,
    sex,
    age_at_start,
    prior_advanced_lines,
from jaki_courses
