-- Advanced-therapy prescriptions with the end the protocol reads (docs/protocol.md#prescriptions).
-- Only drugs of an advanced class count ($advanced_classes); csDMARDs, glucocorticoids and
-- unmapped drugs are co-medication and never form courses. A prescription that starts after the
-- center's data cut, or after the patient's death, is left out (it cannot have been taken within
-- the observed period); one without a start date is left out too. An open prescription (no end)
-- runs to the data cut; no prescription runs past the data cut or past death; an end before its
-- own start is read as the start day. A death recorded after the data cut is not known at the
-- data cut and is ignored.
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

observed_prescriptions as (
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
        case
            when patients.death_date <= extracts.data_cut_date then patients.death_date
        end as death_date,
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
    greatest(
        start_date,
        least(
            coalesce(end_date, data_cut_date),
            data_cut_date,
            coalesce(death_date, data_cut_date)
        )
    ) as effective_end_date,
    end_date is null as is_open,
    stop_reason_class,
    data_cut_date,
    death_date,
    source_row,
from observed_prescriptions
where death_date is null
    or start_date <= death_date
