"""Runs the interpreter-exit snippet of test_interpreter_exit.py many times and counts how
the runs ended: the evidence that the rare abort at exit is gone (one run in a few
hundred aborted before). Run by hand (it takes minutes), after `make python-package`:

    .venv/bin/python tests/python/stress_interpreter_exit.py [RUNS] [PARALLEL]

Each run is a fresh interpreter started with `nice -n 10`, against one mock metadata
service with a 300 ms delay on credential requests (as in the test). Prints a histogram of
exit statuses (-6: aborted) and keeps the output of failed runs; exits 1 if any failed.
"""

import collections
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]

from conftest import ClosedPort  # noqa: E402
from ecscred.testing import MockMetadataServer  # noqa: E402
from test_interpreter_exit import exit_snippet  # noqa: E402


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    parallel = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    closed = ClosedPort()
    with MockMetadataServer(role="EcsRamRoleTest") as mock:
        mock.inject("delay", target="credential", ms=300)
        code = exit_snippet(mock.url, closed.url)

        def run(_: int) -> "subprocess.CompletedProcess[str]":
            return subprocess.run(["nice", "-n", "10", sys.executable, "-c", code],
                                  capture_output=True, text=True, timeout=120)

        with ThreadPoolExecutor(parallel) as pool:
            results = list(pool.map(run, range(runs)))
    closed.close()
    failed = [r for r in results if r.returncode != 0 or r.stdout.strip() != "ok"]
    for r in failed[:5]:
        print(f"--- exit status {r.returncode}:\n{r.stderr[-1500:]}")
    statuses = collections.Counter(r.returncode for r in results)
    print(f"{runs} runs, {parallel} at a time: exit statuses {dict(statuses)}, "
          f"{len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
