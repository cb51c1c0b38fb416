-- Stop reasons of one center extract classified (docs/protocol.md#stop-reasons), first match wins:
-- the normalised text is a term of vocab.stop_reasons ('vocabulary'); its redacted form is one
-- the center's data manager classified in the center's term overrides ('override'); a rule of
-- vocab.stop_reason_rules matches it, the rule with the lowest priority number winning ('rule',
-- macro stop_reason_rule_class made from the rules by tasks/extract/vocabulary.py); else
-- 'unknown' ('unmatched'). Rules are searched in ' ' || text || ' ', so a pattern's leading space
-- anchors it at the start of a word.
-- The redacted text (macro redact_free_text: digits, the row's own local id and name-like tokens
-- removed) is what the review list of unmatched texts shows and what overrides are keyed on; the
-- verbatim text stays in the center's in-memory staging database.
-- Each distinct text is normalised once; only texts the vocabulary does not hold are redacted,
-- per text and local id.
-- Grain: one row per distinct non-empty stop reason text x local id.
with center_prescriptions as (
    select * from staging.center_prescriptions
),

stop_reasons as (
    select * from vocab.stop_reasons
),

term_overrides as (
    select * from vocab.term_overrides where term_kind = 'stop_reason'
),

texts as (
    select
        stop_reason_source_value,
        local_id,
    from center_prescriptions
    where stop_reason_source_value is not null
    group by stop_reason_source_value, local_id
),

vocabulary_matches as (
    select
        distinct_texts.stop_reason_source_value,
        distinct_texts.stop_reason_term,
        stop_reasons.stop_reason_class,
    from (
        select
            stop_reason_source_value,
            normalise_term(stop_reason_source_value) as stop_reason_term,
        from (select distinct stop_reason_source_value from texts)
    ) as distinct_texts
    left join stop_reasons
        on distinct_texts.stop_reason_term = stop_reasons.term
),

rule_matches as (
    select
        stop_reason_source_value,
        stop_reason_rule_class(stop_reason_term) as stop_reason_class,
    from vocabulary_matches
    where stop_reason_class is null
),

redacted_texts as (
    select
        texts.stop_reason_source_value,
        texts.local_id,
        redact_free_text(
            texts.stop_reason_source_value,
            texts.local_id,
            free_text_keep_pattern()
        ) as redacted_text,
    from texts
    inner join vocabulary_matches
        on texts.stop_reason_source_value = vocabulary_matches.stop_reason_source_value
    where vocabulary_matches.stop_reason_class is null
),

classified as (
    select
        texts.stop_reason_source_value,
        texts.local_id,
        vocabulary_matches.stop_reason_term,
        redacted_texts.redacted_text,
        coalesce(
            vocabulary_matches.stop_reason_class,
            term_overrides.class,
            rule_matches.stop_reason_class,
            'unknown'
        ) as stop_reason_class,
        case
            when vocabulary_matches.stop_reason_class is not null then 'vocabulary'
            when term_overrides.class is not null then 'override'
            when rule_matches.stop_reason_class is not null then 'rule'
            else 'unmatched'
        end as classified_by,
    from texts
    inner join vocabulary_matches
        on texts.stop_reason_source_value = vocabulary_matches.stop_reason_source_value
    left join redacted_texts
        on texts.stop_reason_source_value = redacted_texts.stop_reason_source_value
        and texts.local_id is not distinct from redacted_texts.local_id
    left join term_overrides
        on normalise_term(redacted_texts.redacted_text) = term_overrides.term
    left join rule_matches
        on texts.stop_reason_source_value = rule_matches.stop_reason_source_value
)

select
    stop_reason_source_value,
    local_id,
    -- A text that normalises to nothing ('?', '-') says no more than an empty field.
    case when stop_reason_term = '' then 'blank' else classified_by end as classified_by,
    stop_reason_class,
    redacted_text,
from classified
