"""The `jakreg` command line. Exit codes: 0 ok, 1 unexpected error, 2 configuration error,
3 data error (no center could be loaded, the registry failed its quality gate, or `validate`
found an error), 4 the run completed but some centers failed or were quarantined,
5 another run holds the registry lock (nothing was done)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from jakreg.alerts import add_alerts_command
from jakreg.config import DIALECTS, Protocol
from jakreg.diff_cli import add_diff_command
from jakreg.errors import JakregError
from jakreg.federated_cli import add_federated_commands
from jakreg.logs import configure_console
from jakreg.ops_cli import add_ops_commands
from jakreg.quality import QualityThresholds
from jakreg.settings import TASK_RUNNERS, DuckDBSettings, RunnerSettings
from jakreg.terms_cli import add_terms_commands

EXIT_DATA_ERROR = 3
EXIT_PARTIAL = 4


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    console = configure_console()
    try:
        return args.command(args)
    except JakregError as err:
        print(f"jakreg: {err}", file=sys.stderr)
        return err.exit_code
    finally:
        logging.getLogger().removeHandler(console)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jakreg",
        description="A nightly multicenter registry of JAK-inhibitor courses, failures and what "
        "follows them.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    simulate = commands.add_parser(
        "simulate",
        help="generate a synthetic multicenter cohort: center dumps, centers.yaml and truth files",
        description="Write a deterministic synthetic cohort into OUT: landing/<center>/<date>/ "
        "dumps, a centers.yaml that points at them, and truth/*.csv with the expected marts.",
    )
    simulate.add_argument("--out", type=Path, required=True, help="folder to write into")
    simulate.add_argument("--patients", type=int, default=3000, help="patients (default 3000)")
    simulate.add_argument("--centers", type=int, default=4, help="centers (default 4)")
    simulate.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    simulate.add_argument(
        "--dialects",
        default="registry_csv",
        help="comma-separated export dialects, assigned to centers in turn "
        f"({', '.join(DIALECTS)})",
    )
    simulate.add_argument(
        "--dirty",
        action="store_true",
        help="write what real exports carry: end-before-start typos, exact duplicate rows, "
        "records after the data cut, drugs outside rheumatology, stop reasons phrased in each "
        "center's language, an empty OMOP death table (truth/dirt.csv counts them)",
    )
    simulate.set_defaults(command=_simulate)

    run = commands.add_parser(
        "run",
        help="refresh the registry from the centers' newest extracts; write tables and report",
        description="Run the registry-refresh flow: stage each center, build and publish the "
        "registry database, write the run's tables and report into OUT/<time>-<run id>/ and "
        "point OUT/latest at it. Needs JAKREG_PSEUDONYM_KEY.",
    )
    run.add_argument("--centers", type=Path, required=True, help="centers.yaml")
    run.add_argument("--db", type=Path, required=True, help="registry database to publish")
    run.add_argument("--out", type=Path, required=True, help="folder for the outputs")
    run.add_argument("--protocol", type=Path, help="YAML overriding protocol parameters")
    run.add_argument(
        "--task-runner",
        choices=TASK_RUNNERS,
        help="where centers are staged: threads in this process, or a Dask cluster "
        "(default: JAKREG_TASK_RUNNER, else threads)",
    )
    run.add_argument(
        "--dask-address",
        help="Dask scheduler for --task-runner dask, e.g. tcp://scheduler:8786 (default: "
        "JAKREG_DASK_ADDRESS, else a local cluster)",
    )
    run.add_argument("--quality", type=Path, help="YAML overriding quality thresholds")
    run.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait this long for another run to release the registry (default 0: exit with 5)",
    )
    run.add_argument(
        "--keep-versions",
        type=_at_least_one,
        default=3,
        help="published versions kept for rollback besides the new one (1 or more; default 3)",
    )
    run.add_argument(
        "--rebuild",
        action="store_true",
        help="build and publish even when nothing changed since the published run (default: "
        "a run with nothing new publishes nothing)",
    )
    run.add_argument(
        "--rotate-key",
        action="store_true",
        help="re-key the registry: accept a JAKREG_PSEUDONYM_KEY other than the published "
        "registry's and stage every center again with it (default: a changed key stops the run)",
    )
    run.set_defaults(command=_run)

    validate = commands.add_parser(
        "validate",
        help="check the centers' newest extracts against the quality gate; publish nothing",
        description="Stage each center's newest extract into a work folder and run the raw and "
        "staging expectation suites, as a run would; print a pass/warn/fail table with the "
        "failing expectations and write Data Docs to OUT. Exits 3 when a center fails.",
    )
    validate.add_argument("--centers", type=Path, required=True, help="centers.yaml")
    validate.add_argument("--center", help="check only this center id")
    validate.add_argument(
        "--out", type=Path, default=Path("jakreg-validation"), help="Data Docs folder"
    )
    validate.add_argument(
        "--work",
        type=Path,
        help="the registry's work folder, to compare row counts with the last accepted extracts "
        "(read only; default: no comparison)",
    )
    validate.add_argument("--quality", type=Path, help="YAML overriding quality thresholds")
    validate.add_argument(
        "--rejected",
        action="store_true",
        help="also list every row set aside by a row rule: center, file, line, rule and the "
        "wrong values (no identifiers), to correct at the source",
    )
    validate.set_defaults(command=_validate)
    add_ops_commands(commands)
    add_diff_command(commands)
    add_alerts_command(commands)
    add_federated_commands(commands)
    add_terms_commands(commands)
    return parser


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return int(text)


def _simulate(args: argparse.Namespace) -> int:
    from jakreg.simulate import simulate

    dialects = tuple(d.strip() for d in args.dialects.split(",") if d.strip())
    try:
        summary = simulate(
            args.out, args.patients, args.centers, args.seed, dialects, dirty=args.dirty
        )
    except ValueError as err:
        print(f"jakreg simulate: {err}", file=sys.stderr)
        return 2
    print(
        f"wrote {summary.patients} patients in {len(summary.centers)} centers to {args.out} "
        f"({summary.jaki_courses} JAK-inhibitor courses, {summary.jaki_failures} failures); "
        f"centers file: {summary.centers_file}"
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    # A bad protocol file stops here, before a flow run starts; the flow loads it again.
    Protocol.load(args.protocol)
    QualityThresholds.load(args.quality)
    from flows.task_runners import configured_registry_refresh
    from jakreg.night_summary import night_lines, problem_lines
    from jakreg.prefect_server import prefect_api

    runner = RunnerSettings.from_environment(args.task_runner, args.dask_address)
    registry_refresh = configured_registry_refresh(runner, DuckDBSettings.from_environment())
    with prefect_api():
        state = registry_refresh(
            args.centers,
            args.db,
            args.out,
            args.protocol,
            quality_file=args.quality,
            keep_versions=args.keep_versions,
            lock_wait_seconds=args.wait,
            rebuild=args.rebuild,
            rotate_key=args.rotate_key,
            return_state=True,
        )
        result = state.result()  # a night that published nothing raises its error's one line
    print("\n".join(night_lines(result, args.out)))
    for line in problem_lines(result.failed_centers):
        print(f"NOT REFRESHED: {line}", file=sys.stderr)
    return EXIT_PARTIAL if result.failed_centers else 0


def _validate(args: argparse.Namespace) -> int:
    from tasks.quality.check_landing import check_landing
    from tasks.quality.report import rejected_table, text_table, what_to_do

    thresholds = QualityThresholds.load(args.quality)
    check = check_landing(args.centers, args.out, args.center, args.work, thresholds)
    print(text_table(check.verdicts))
    print(f"Data Docs: {check.data_docs}")
    if args.rejected:
        print(rejected_table(check.rejected))
    print(what_to_do(check.verdicts))
    failed = [c for c, v in check.verdicts.items() if isinstance(v, str) or v.failed]
    return EXIT_DATA_ERROR if failed else 0


if __name__ == "__main__":
    sys.exit(main())
