"""The peer jakreg is measured against: what an expert would write in an afternoon instead.

One script of DuckDB SQL that reads one registry_csv center's newest extract (typed on read, no
row numbers beyond the one tie-break that needs file order), maps drugs and stop reasons with the
vocabulary (stop reasons by term, then by the free-text rules; it knows no center's term
overrides), derives courses (gaps and islands), JAK-inhibitor failures, next treatments and
retention, and writes the three marts jakreg publishes (same columns, same HMAC patient keys,
same course ids) into a DuckDB file. No orchestration, no quality gate, no staging files, no
handling of dirty rows: clean simulator data is what it is for.

It is a second, independent implementation of docs/protocol.md on purpose: `make bench` and
tests/e2e/test_reference_marts.py prove its marts equal jakreg's row by row, so a difference in
either is found. Only the keyed hash (`install_patient_key_macro`), the protocol's parameters and
the vocabulary files are shared.

    python -m benchmarks.reference --landing <extract folder> --center <id> --out marts.duckdb
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from jakreg.config import ADVANCED_CLASSES, Protocol
from jakreg.vocabulary import VOCABULARY_DIR
from tasks.extract.pseudonym import install_patient_key_macro, pseudonym_key

MARTS = ("advanced_therapy_courses", "jaki_courses", "jaki_failures")

# Each statement runs in order on one connection; `$name` values are bound.
STEPS = (
    # Inputs, typed as they are read.
    """
    create temp table patients as
    select
        patient_id,
        case sex when 'F' then 'F' when 'M' then 'M' end as sex,
        birth_date,
        death_date,
    from read_csv($dir || '/patients.csv', header = true, auto_detect = false,
        columns = {'patient_id': 'varchar', 'sex': 'varchar', 'birth_date': 'date',
                   'death_date': 'date'})
    """,
    """
    create temp table extract_info as
    select data_cut_date::date as data_cut_date from read_json($dir || '/extract.json')
    """,
    """
    create temp table drug_terms as
    select term, ingredient from read_csv($vocabulary || '/drug_terms.csv', all_varchar = true)
    """,
    """
    create temp table ingredients as
    select ingredient, target_class
    from read_csv($vocabulary || '/ingredients.csv', all_varchar = true)
    """,
    """
    create temp table prescription_rows as
    select
        *,
        row_number() over () as row_order,
    from read_csv($dir || '/prescriptions.csv', header = true, auto_detect = false,
        columns = {'patient_id': 'varchar', 'drug': 'varchar', 'start_date': 'date',
                   'end_date': 'date', 'stop_reason': 'varchar'})
    """,
    # Each distinct drug string mapped once: whole, before its strength, then its first word.
    """
    create temp table drug_map as
    with drugs as (
        select
            drug,
            trim(regexp_replace(lower(strip_accents(drug)), '[^a-z0-9]+', ' ', 'g')) as term,
        from (select distinct drug from prescription_rows)
    )
    select
        drugs.drug,
        coalesce(whole.ingredient, before_strength.ingredient, first_word.ingredient)
            as ingredient,
    from drugs
    left join drug_terms as whole on drugs.term = whole.term
    left join drug_terms as before_strength
        on trim(regexp_replace(drugs.term, '(^| )[a-z]*[0-9].*$', '')) = before_strength.term
    left join drug_terms as first_word on split_part(drugs.term, ' ', 1) = first_word.term
    """,
    # Each distinct stop reason classified once: a vocabulary term, else the first rule (by
    # priority) whose pattern matches the text, else unknown.
    """
    create temp table stop_map as
    with reasons as (
        select
            stop_reason,
            trim(regexp_replace(lower(strip_accents(stop_reason)), '[^a-z0-9]+', ' ', 'g'))
                as term,
        from (select distinct stop_reason from prescription_rows)
    ),
    terms as (
        select * from read_csv($vocabulary || '/stop_reasons.csv', all_varchar = true)
    ),
    rules as (
        select * from read_csv($vocabulary || '/stop_reason_rules.csv', all_varchar = true)
    ),
    rule_classes as (
        select
            reasons.stop_reason,
            arg_min(rules.stop_reason_class, rules.priority::integer) as stop_reason_class,
        from reasons
        inner join rules on regexp_matches(' ' || reasons.term || ' ', rules.pattern)
        group by reasons.stop_reason
    )
    select
        reasons.stop_reason,
        coalesce(terms.stop_reason_class, rule_classes.stop_reason_class) as stop_reason_class,
    from reasons
    left join terms on reasons.term = terms.term
    left join rule_classes on reasons.stop_reason = rule_classes.stop_reason
    """,
    # Advanced-therapy prescriptions with the end the protocol reads.
    """
    create temp table prescriptions as
    with advanced as (
        select
            rows.patient_id,
            drug_map.ingredient,
            ingredients.target_class,
            rows.start_date,
            rows.end_date,
            coalesce(stop_map.stop_reason_class, 'unknown') as stop_reason_class,
            rows.row_order,
            extract_info.data_cut_date,
            case
                when patients.death_date <= extract_info.data_cut_date then patients.death_date
            end as death_date,
        from prescription_rows as rows
        cross join extract_info
        inner join drug_map on rows.drug = drug_map.drug
        inner join ingredients on drug_map.ingredient = ingredients.ingredient
        left join stop_map on rows.stop_reason = stop_map.stop_reason
        left join patients on rows.patient_id = patients.patient_id
        where list_contains($advanced_classes, ingredients.target_class)
            and rows.start_date <= extract_info.data_cut_date
    )
    select
        * exclude (end_date),
        greatest(start_date, least(coalesce(end_date, data_cut_date), data_cut_date,
            coalesce(death_date, data_cut_date))) as end_date,
        end_date is null as is_open,
    from advanced
    where death_date is null or start_date <= death_date
    """,
    # Gaps and islands: a prescription starting more than the permissible gap after the latest
    # end so far starts a new course.
    """
    create temp table courses as
    with flagged as (
        select
            *,
            coalesce(start_date - max(end_date) over earlier > $permissible_gap_days, true)
                ::integer as starts_course,
        from prescriptions
        window earlier as (
            partition by patient_id, ingredient
            order by start_date, end_date, row_order
            rows between unbounded preceding and 1 preceding
        )
    ),
    numbered as (
        select
            *,
            sum(starts_course) over (
                partition by patient_id, ingredient
                order by start_date, end_date, row_order
                rows unbounded preceding
            ) as course_number,
        from flagged
    ),
    grouped as (
        select
            patient_id,
            ingredient,
            any_value(target_class) as target_class,
            min(start_date) as start_date,
            max(end_date) as end_date,
            bool_or(is_open) as has_open,
            count(*) as n_prescriptions,
            arg_max(stop_reason_class, (end_date, stop_reason_class <> 'unknown', start_date,
                row_order)) as last_stop_reason_class,
            any_value(data_cut_date) as data_cut_date,
            any_value(death_date) as death_date,
        from numbered
        group by patient_id, ingredient, course_number
    ),
    with_status as (
        select
            *,
            case
                when death_date - end_date <= $permissible_gap_days then 'censored_death'
                when has_open or data_cut_date - end_date <= $permissible_gap_days then 'ongoing'
                else 'discontinued'
            end as status,
        from grouped
    ),
    keys as (
        select patient_id, patient_key($center_id, patient_id) as patient_key,
        from (select distinct patient_id from with_status)
    )
    select
        substr(sha256(concat_ws(':', $center_id, keys.patient_key, ingredient, start_date)),
            1, 20) as course_id,
        with_status.patient_id,
        keys.patient_key,
        ingredient,
        target_class,
        start_date,
        end_date,
        status,
        case when status = 'discontinued' then last_stop_reason_class end as stop_reason_class,
        n_prescriptions,
        row_number() over (partition by with_status.patient_id
            order by start_date, end_date desc, ingredient) as line_number,
        rank() over (partition by with_status.patient_id order by start_date) - 1
            as prior_advanced_lines,
        data_cut_date,
        death_date,
    from with_status
    inner join keys on with_status.patient_id = keys.patient_id
    """,
    # Each patient's indication: the first RA, PsA or axSpA diagnosis by longest ICD-10 prefix.
    """
    create temp table indications as
    with diagnoses as (
        select
            patient_id,
            nullif(regexp_extract(upper(replace(trim(icd10), '.', '')),
                '^[A-Z][0-9]{2}[0-9A-Z]{0,4}$'), '') as code,
            diagnosis_date,
        from read_csv($dir || '/diagnoses.csv', header = true, auto_detect = false,
            columns = {'patient_id': 'varchar', 'icd10': 'varchar', 'diagnosis_date': 'date'})
    ),
    prefixes as (
        select * from read_csv($vocabulary || '/icd10_indications.csv', all_varchar = true)
    ),
    code_indications as (
        select code, arg_max(indication, length(icd10_prefix)) as indication,
        from (select distinct code from diagnoses) as codes
        inner join prefixes on starts_with(codes.code, prefixes.icd10_prefix)
        group by code
    )
    select
        patient_id,
        first(indication order by diagnosis_date nulls last,
            list_position(['RA', 'PsA', 'axSpA'], indication)) as indication,
    from diagnoses
    inner join code_indications using (code)
    where indication in ('RA', 'PsA', 'axSpA')
    group by patient_id
    """,
    """
    create table marts.advanced_therapy_courses as
    select
        course_id, $center_id as center_id, patient_key, ingredient, target_class, start_date,
        end_date, status, stop_reason_class, n_prescriptions, line_number,
    from courses
    """,
    """
    create table marts.jaki_courses as
    select
        course_id,
        $center_id as center_id,
        patient_key,
        ingredient as jaki,
        start_date,
        end_date,
        status,
        stop_reason_class,
        status = 'discontinued' and list_contains($failure_reasons, stop_reason_class)
            as failure,
        coalesce(indications.indication, 'unknown') as indication,
        patients.sex,
        date_part('year', age(start_date, patients.birth_date))::integer as age_at_start,
        prior_advanced_lines,
    from courses
    left join patients using (patient_id)
    left join indications using (patient_id)
    where target_class = 'JAKi'
    """,
    """
    create table marts.jaki_failures as
    with failures as (
        select courses.*
        from courses
        inner join marts.jaki_courses using (course_id)
        where jaki_courses.failure
    ),
    next_courses as (
        select
            failures.course_id as failure_course_id,
            arg_min(
                candidate,
                (candidate.start_date, -epoch(candidate.end_date), candidate.ingredient)
            ) as next_course,
        from failures
        inner join courses as candidate
            on failures.patient_id = candidate.patient_id
            and candidate.course_id <> failures.course_id
            and candidate.start_date > failures.start_date
            and candidate.start_date <= failures.end_date + $next_treatment_window_days
        group by failures.course_id
    )
    select
        failures.course_id as failure_course_id,
        $center_id as center_id,
        failures.patient_key,
        failures.ingredient as jaki,
        failures.end_date as failure_date,
        failures.stop_reason_class,
        case
            when next_course is null then 'none'
            when next_course.ingredient = failures.ingredient then 'retreatment'
            when next_course.target_class = 'JAKi' then 'cycling'
            else 'switching'
        end as strategy,
        next_course.course_id as next_course_id,
        next_course.ingredient as next_ingredient,
        next_course.target_class as next_target_class,
        next_course.start_date as next_start_date,
        next_course.start_date - failures.end_date as days_to_next,
        case next_course.status
            when 'discontinued' then next_course.end_date - next_course.start_date
            when 'censored_death' then next_course.death_date - next_course.start_date
            when 'ongoing' then next_course.data_cut_date - next_course.start_date
        end as retention_days,
        next_course.status = 'discontinued' as retention_event,
        case next_course.status
            when 'censored_death' then 'death'
            when 'ongoing' then 'data_cut'
        end as censor_reason,
    from failures
    left join next_courses on failures.course_id = next_courses.failure_course_id
    """,
)


def build_marts(
    extract_dir: Path,
    center_id: str,
    out: Path,
    key: bytes,
    protocol: Protocol | None = None,
) -> None:
    """Writes `marts.<mart>` for one registry_csv extract folder into the DuckDB file `out`."""
    protocol = protocol or Protocol()
    parameters = {
        "dir": str(extract_dir),
        "vocabulary": str(VOCABULARY_DIR),
        "center_id": center_id,
        "advanced_classes": list(ADVANCED_CLASSES),
        "permissible_gap_days": protocol.permissible_gap_days,
        "next_treatment_window_days": protocol.next_treatment_window_days,
        "failure_reasons": list(protocol.failure_reasons),
    }
    out.unlink(missing_ok=True)
    with duckdb.connect(str(out)) as con:
        install_patient_key_macro(con, key)
        con.execute("create schema marts")
        for step in STEPS:
            used = {name: value for name, value in parameters.items() if f"${name}" in step}
            con.execute(step, used).fetchall()


def mart_differences(registry: Path, reference: Path, center_id: str) -> dict[str, str]:
    """Per mart, how the registry's rows of `center_id` differ from the reference's: different
    columns (names, types, order), or rows in one and not the other (duplicates counted); a mart
    missing from the result is equal."""
    differences = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{registry}' as registry (read_only)")
        con.execute(f"attach '{reference}' as reference (read_only)")
        for mart in MARTS:
            shapes = [
                con.execute(
                    "select list((column_name, data_type) order by ordinal_position) "
                    "from information_schema.columns "
                    "where table_catalog = $db and table_schema = 'marts' and table_name = $mart",
                    {"db": db, "mart": mart},
                ).fetchone()[0]
                for db in ("registry", "reference")
            ]
            if shapes[0] != shapes[1]:
                differences[mart] = f"columns differ: {shapes[0]} vs {shapes[1]}"
                continue
            jakreg = f"select * from registry.marts.{mart} where center_id = $center"
            peer = f"select * from reference.marts.{mart}"
            only = [
                con.execute(
                    f"select count(*) from ({one} except all {other})",
                    {"center": center_id},
                ).fetchone()[0]
                for one, other in ((jakreg, peer), (peer, jakreg))
            ]
            if any(only):
                differences[mart] = (
                    f"{only[0]} rows only in jakreg's, {only[1]} only in the reference's"
                )
    return differences


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reference", description=__doc__)
    parser.add_argument("--landing", type=Path, required=True, help="the extract folder")
    parser.add_argument("--center", required=True, help="the center's id")
    parser.add_argument("--out", type=Path, required=True, help="the DuckDB file to write")
    args = parser.parse_args(argv)
    build_marts(args.landing, args.center, args.out, pseudonym_key())


if __name__ == "__main__":
    main()
