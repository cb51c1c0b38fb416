-- Public contract: the sequence of advanced therapies after each patient's first JAK-inhibitor
-- failure, up to $sequence_depth steps (docs/protocol.md#treatment-sequences). A step is named by
-- the target classes of its courses, sorted and joined by ' + ' when the step is a combination
-- (courses overlapping for at least combination_overlap_days, int_failure_sequence_steps);
-- `path` is empty when no advanced therapy started within the next-treatment window.
-- Parameters: $sequence_depth.
-- Grain: one row per patient's first JAK-inhibitor failure.
with sequence_steps as (
    select * from intermediate.int_failure_sequence_steps
)

select
    failure_course_id,
    center_id,
    patient_key,
    first(ingredients[1] order by step) as jaki,
    count(*) - 1 as n_steps,
    coalesce(
        list(array_to_string(target_classes, ' + ') order by step)
            filter (where step between 1 and $sequence_depth),
        []
    ) as path,
    count(*) filter (where step between 1 and $sequence_depth and len(target_classes) > 1)
        as combination_steps,
from sequence_steps
group by failure_course_id, center_id, patient_key
