-- Advanced-therapy prescriptions with the end the protocol reads (docs/protocol.md#courses):
-- an open prescription runs to the data cut, and no prescription runs past the center's data cut
-- or the patient's death. csDMARDs, glucocorticoids and unmapped drugs are not advanced therapy.
-- Parameters: $advanced_classes.
-- Grain: one row per advanced-therapy prescription.
with prescriptions as (
    select * from staging.stg_prescriptions
),

extracts as (
    select * from staging.stg_extract
),

patients as (
    select * from staging.stg_patients
),

advanced_prescriptions as (
    select
        prescriptions.center_id,
        prescriptions.patient_key,
        prescriptions.ingredient,
        prescriptions.target_class,
        prescriptions.start_date,
        prescriptions.end_date,
        prescriptions.stop_reason_class,
        prescriptions.source_row,
        extracts.data_cut_date,
        patients.death_date,
    from prescriptions
    inner join extracts
        on prescriptions.center_id = extracts.center_id
    left join patients
        on prescriptions.center_id = patients.center_id
        and prescriptions.patient_key = patients.patient_key
    where list_contains($advanced_classes, prescriptions.target_class)
        and prescriptions.start_date <= extracts.data_cut_date
)

select
    center_id,
    patient_key,
    ingredient,
    target_class,
    start_date,
    least(
        coalesce(end_date, data_cut_date),
        data_cut_date,
        coalesce(death_date, data_cut_date)
    ) as effective_end_date,
    end_date is null as is_open,
    stop_reason_class,
    data_cut_date,
    death_date,
    source_row,
from advanced_prescriptions
