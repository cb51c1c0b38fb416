"""How long a night may run before Prefect fails it.

The limit is on the `registry-refresh` flow, whose run executes in the main thread of its process
(`jakreg run`, or the process worker's flow-run process). There Prefect enforces it with SIGALRM,
which interrupts the run wherever it is waiting, even on a hung share: measured with a flow whose
task sleeps in a worker thread, a 2 s limit raised in the run at 2.1 s. A limit on a task or
subflow that runs in a worker thread cannot interrupt it (Prefect can only raise into the thread
after its blocking call returns, and warns at every run of such a task), so they have none.

When the limit strikes, the lock is released and the run is recorded as failed; Prefect reports
the run TimedOut once its running tasks return, and `jakreg run` exits without waiting for them
(jakreg/cli.py). The limit is a generous multiple of what 1M patients take (44 s on 2 cores:
benchmarks/results/).
"""

NIGHT_SECONDS = 6 * 60 * 60  # the whole run: load, gate, build, analyse, publish
