-- A view for the suite next to it (not a model): the prescription rows in the study's scope, each
-- recognised (its drug mapped to an ingredient) or a suspected study drug the vocabulary did not
-- recognise, with the reason it is suspected. Unmapped drugs outside the study (analgesics,
-- statins…) are not here: they never count against a center (docs/quality.md#scope).
-- Grain: one row per prescription row with a mapped drug or a suspected study drug.
with prescriptions as (
    select * from staging.stg_prescriptions
),

drug_scope as (
    select * from staging.stg_drug_scope
)

select
    drug_scope.suspected_study_drug as unrecognised_study_drug,
from prescriptions
left join drug_scope
    on prescriptions.drug_source_value = drug_scope.drug_source_value
where prescriptions.ingredient is not null
    or drug_scope.suspected_study_drug is not null
