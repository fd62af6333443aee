"""Background threads: one refresh thread after first use, and no log delivery thread
until an event reaches the `ecscred` logger's level. Each case runs in a fresh
interpreter, so that no other test's providers or log events count."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import logging, os, sys, time
    import ecscred
    from ecscred.testing import MockMetadataServer

    def ecscred_threads():
        names = []
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/comm") as f:
                name = f.read().strip()
            if name.startswith("ecscred-") and not name.startswith("ecscred-mock"):
                names.append(name)
        return sorted(names)

    with MockMetadataServer(lifetime=60, rotate_before=5) as mock:
        before = ecscred_threads()
        provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
        for _ in range(1000):
            provider.get_credentials()
        quiet = ecscred_threads()
        # A failing fetch logs a warning, which Python's default level lets through.
        failing = ecscred.EcsRamRoleCredentialsProvider(
            "EcsRamRoleTest", endpoint=mock.url)
        mock.inject("status", status=500, target="credential")
        try:
            failing.get_credentials()
        except ecscred.MetadataHTTPError:
            pass
        ecscred.testing.flush_logs()
        warned = ecscred_threads()
    print(before, quiet, warned)
    """
)


def test_one_refresh_thread_and_log_delivery_only_when_needed() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    before, quiet, warned = out.split("] [")
    assert before == "[", out
    assert quiet == "'ecscred-refresh'", out
    assert warned == "'ecscred-logging', 'ecscred-refresh']", out
