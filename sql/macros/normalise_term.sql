-- How free-text drug names and stop reasons are compared with the vocabulary
-- (vocabulary/README.md, "Term normalisation"): lower case, accents stripped, every run of
-- characters other than a-z and 0-9 collapsed to one space, trimmed.
create or replace macro normalise_term(text) as
    trim(regexp_replace(lower(strip_accents(text)), '[^a-z0-9]+', ' ', 'g'));
