-- Free text as a reviewer may see it (docs/protocol.md#stop-reasons): split on white space and |,
-- with every token removed that could identify someone: a token holding a digit (a record number,
-- a date, a phone number; ATC codes such as L04AF01 stay), the row's own local id, and a
-- name-like token (one with a capital letter) unless `keep_pattern` matches its normalised form
-- in ' ' || term || ' ': for stop reasons free_text_keep_pattern(), the words the vocabulary
-- classifies by (made by tasks/extract/vocabulary.py); for drug strings, whose brand names are
-- capitalised, '.'. Pass the pattern as a constant: DuckDB compiles it once, not per token.
-- Lower-case names cannot be told from words; the text never leaves the work area.
create or replace macro redact_free_text(text, local_id, keep_pattern) as
    array_to_string(
        list_filter(
            string_split_regex(trim(text), '[\s|]+'),
            lambda token: (
                not regexp_matches(token, '[0-9]')
                or regexp_full_match(
                    regexp_replace(token, '[^A-Za-z0-9]', '', 'g'),
                    '[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}'
                )
            )
            and normalise_term(token) is distinct from normalise_term(local_id)
            and (
                not regexp_matches(strip_accents(token), '[A-Z]')
                or regexp_matches(' ' || normalise_term(token) || ' ', keep_pattern)
            )
        ),
        ' '
    );
