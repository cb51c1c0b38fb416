-- The local calendar date of a FHIR date or dateTime (fhir_ndjson): '2024-03-01' or
-- '2024-03-01T08:30:00+01:00' -> 2024-03-01, as written, without converting the time zone.
-- Partial dates ('2024', '2024-03') and anything else are null; the reader rejects them.
create or replace macro fhir_date(value) as
    case
        when regexp_full_match(
            trim(value),
            '\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?'
        )
            then try_strptime(left(trim(value), 10), '%Y-%m-%d')::date
    end;
