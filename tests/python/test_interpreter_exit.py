"""Daemon threads inside ecscred while the interpreter exits: no crash, no hang.

Until CPython 3.14 a thread that takes the GIL once the interpreter is finalizing is ended
with pthread_exit, which aborts the process inside native code. ecscred's atexit hook
stops its threads from taking the GIL again (see python/src/gil.rs). The race is rare per
run: `stress_interpreter_exit.py` (run by hand) runs the snippet below thousands of times.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from ecscred.testing import MockMetadataServer
from conftest import ClosedPort

# Runs of the exit snippet per test run (two at a time).
EXIT_RUNS = 20


def exit_snippet(mock_url: str, closed_url: str) -> str:
    """A program that exits while daemon threads are inside ecscred: one loops on a provider
    that fails (its first failure, which builds the process's first exception, comes as
    the program exits), one is in the middle of a fetch; the refresh thread logs at DEBUG
    meanwhile. It prints "ok" and must exit with status 0."""
    return f"""
import logging, threading, ecscred
logging.basicConfig(level=logging.DEBUG)
p = ecscred.EcsRamRoleCredentialsProvider(endpoint={mock_url!r}, read_timeout=2)
p.get_credentials()
bad = ecscred.EcsRamRoleCredentialsProvider(endpoint={closed_url!r})
def spin():
    while True:
        try:
            bad.get_credentials()
        except ecscred.CredentialError:
            pass
threading.Thread(target=spin, daemon=True).start()
slow = ecscred.EcsRamRoleCredentialsProvider(endpoint={mock_url!r}, role_name="EcsRamRoleTest")
threading.Thread(target=slow.get_credentials, daemon=True).start()  # mid-fetch at exit
print("ok")
"""


def run_snippet(code: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)


def test_logging_at_interpreter_exit_is_safe(mock: MockMetadataServer,
                                             closed_port: ClosedPort) -> None:
    """Log events keep coming while the interpreter shuts down, and daemon threads are
    inside ecscred calls: no crash, no hang, exit status 0."""
    mock.inject("delay", target="credential", ms=300)
    code = exit_snippet(mock.url, closed_port.url)
    with ThreadPoolExecutor(2) as pool:
        for out in pool.map(run_snippet, [code] * EXIT_RUNS):
            assert out.returncode == 0, out.stderr[-2000:]
            assert out.stdout.strip() == "ok"


def test_once_exiting_no_thread_runs_python_for_ecscred(mock: MockMetadataServer) -> None:
    """After ecscred's atexit hook, a thread other than the main one that would make Python
    objects or run Python code for ecscred (translate a credential it has not seen, raise
    an error) parks for good instead: the interpreter may begin finalizing at any moment,
    and ending the thread there would abort the process."""
    code = """
import threading, time, ecscred
from ecscred import _ecscred
first = _ecscred.shared_provider(None)
first.get_credentials()
second = _ecscred.shared_provider(None)  # the same engine provider; nothing translated yet
returned = []
def translate():
    returned.append(second.cached_credentials())
def fail():
    try:
        ecscred.get_credentials("not a role!")
    except ecscred.CredentialError as e:
        returned.append(e)
_ecscred.at_exit()  # what atexit runs first when the program exits
for target in (translate, fail):
    threading.Thread(target=target, daemon=True).start()
deadline = time.monotonic() + 60  # a liveness bound, not a speed limit
while _ecscred.parked_threads() < 2 and time.monotonic() < deadline:
    time.sleep(0.01)
print(_ecscred.parked_threads(), returned)
"""
    env = dict(os.environ, ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=mock.url)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["2", "[]"]
