"""How long each kind of task may run before Prefect fails it.

Every task of the nightly run has a limit, so a hung share or a runaway query cannot hold the
registry lock all night; the limits are generous multiples of what 1M patients take (seconds, on
2 cores: benchmarks/results/). The task decorators and the flows' retry policy
(flows/run_policy.py) read them from here.
"""

CENTER_SECONDS = 2 * 60 * 60  # hash, stage and pseudonymise one center's extract
VALIDATE_SECONDS = 60 * 60  # one expectation suite run over a center or the registry
BUILD_SECONDS = 2 * 60 * 60  # one center's models, or the registry's assembly
ANALYSIS_SECONDS = 30 * 60  # reading the registry, the survival tables, the report
PUBLISH_SECONDS = 30 * 60  # copying and renaming the registry into place
BOOKKEEPING_SECONDS = 5 * 60  # run folders, links, summaries: small files only
