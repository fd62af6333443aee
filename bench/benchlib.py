"""Helpers shared by bench/report.py, bench/soak.py and the workers (stdlib only).

- :class:`Mock`: an ``ecscred mock-metadata`` process on 127.0.0.1 (port 0), driven through
  its ``/_mock/`` admin endpoint, stopped by pid.
- :func:`admin`: one admin request to a loopback mock (never through a proxy).
- :func:`enter_loopback_netns`: re-executes the calling script in a new network namespace
  that has only a loopback interface, when the machine allows it (root, ``unshare``), so
  that nothing the benchmarks start can reach any non-loopback address.
- :func:`clean_env`: the environment for child processes (no proxies, no ``ALIBABA_CLOUD_*``).
"""

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
ROLE = "EcsRamRoleTest"

_DROP_ENV = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
             "NO_PROXY", "no_proxy")

# urllib without any proxy, whatever the environment says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def clean_env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in _DROP_ENV and not k.startswith("ALIBABA_CLOUD_")}
    env.update(extra)
    return env


def check_loopback(url: str) -> None:
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit(f"bench: refusing a non-loopback URL {url!r}")


def admin(url: str, method: str, path: str, body: Optional[Dict[str, Any]] = None,
          timeout: float = 10.0) -> Any:
    check_loopback(url)
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with _OPENER.open(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode())


class Mock:
    """``ecscred mock-metadata --port 0 ARGS...``; its stdout and stderr go to files in
    ``log_dir`` (kept for the soak's leak scan)."""

    def __init__(self, binary: Path, args: Sequence[str] = (), log_dir: Optional[Path] = None,
                 name: str = "mock") -> None:
        log_dir = log_dir or Path(os.environ.get("TMPDIR", "/tmp"))
        log_dir.mkdir(parents=True, exist_ok=True)
        self.out_path = log_dir / f"{name}.out"
        self.err_path = log_dir / f"{name}.err"
        self.args = list(args)
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.proc = subprocess.Popen([str(binary), "mock-metadata", "--port", "0", *args],
                                         stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         env=clean_env())
        self.pid = self.proc.pid
        deadline = time.monotonic() + 20
        url = ""
        while time.monotonic() < deadline:
            text = self.out_path.read_text()
            if "\n" in text:
                url = text.split("\n", 1)[0].strip()
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        if not url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"the mock did not start: {self.out_path.read_text()!r} "
                               f"{self.err_path.read_text()!r}")
        self.url = url

    def admin(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        return admin(self.url, method, path, body)

    def counters(self) -> Dict[str, int]:
        return self.admin("GET", "/_mock/counters")

    def reset_counters(self) -> None:
        self.admin("POST", "/_mock/counters/reset", {})

    def fault(self, fault: Dict[str, Any]) -> None:
        self.admin("POST", "/_mock/faults", fault)

    def clear_faults(self) -> None:
        self.admin("DELETE", "/_mock/faults")

    def credentials(self) -> List[Dict[str, str]]:
        return self.admin("GET", "/_mock/credentials")

    def tokens(self) -> List[str]:
        return self.admin("GET", "/_mock/tokens")

    def current(self) -> Dict[str, str]:
        return self.admin("GET", "/_mock/credential/current")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self) -> "Mock":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def stop_pid(proc: "subprocess.Popen[Any]", grace: float = 5.0) -> None:
    """Ends a child we started, by its pid: SIGTERM, then SIGKILL after ``grace`` s."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


NETNS_ENV = "ECSCRED_BENCH_NETNS"


def enter_loopback_netns() -> str:
    """Re-executes this script (same argv) inside ``unshare -n`` with ``lo`` up, unless
    already there or impossible (not root, no unshare/ip: then only the in-process guards
    apply). Returns a sentence saying which isolation is in force."""
    if os.environ.get(NETNS_ENV) == "1":
        return ("every process ran in a network namespace of its own with only a loopback "
                "interface (`unshare -n`), so no traffic could leave 127.0.0.1")
    if os.environ.get("ECSCRED_BENCH_NO_NETNS") != "1" and shutil.which("unshare") \
            and shutil.which("ip"):
        probe = subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if probe.returncode == 0:
            env = dict(os.environ, **{NETNS_ENV: "1", "CARGO_NET_OFFLINE": "true",
                                      "GOPROXY": "off", "GOTOOLCHAIN": "local",
                                      "GOFLAGS": "-mod=readonly"})
            sys.stdout.flush()
            sys.stderr.flush()
            os.execvpe("unshare", ["unshare", "-n", "sh", "-c",
                                   'ip link set lo up && exec "$0" "$@"',
                                   sys.executable, *sys.argv], env)
    return ("no network namespace was available: isolation relied on loopback-only "
            "endpoints and, in Python processes, a connect guard")


def run_callers(count: int, caller: Callable[[int], None], until: float,
                stop: "threading.Event") -> int:
    """Runs ``caller(i)`` on ``count`` daemon threads until the wall clock reaches ``until``,
    then sets ``stop`` (which each caller checks) and joins them; returns how many did not
    end within 60 s."""
    threads = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    while time.time() < until:
        time.sleep(0.1)
    stop.set()
    stuck = 0
    for t in threads:
        t.join(timeout=60)
        stuck += t.is_alive()
    return stuck


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def run_json(cmd: Sequence[str], env: Optional[Dict[str, str]] = None, timeout: float = 600,
             cwd: Optional[Path] = None) -> Dict[str, Any]:
    """Runs a worker that prints one JSON object as its last stdout line."""
    proc = subprocess.run(list(cmd), env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(map(str, cmd[:3]))}... failed ({proc.returncode}): "
                           f"{proc.stderr.strip()[-2000:]}")
    result = json.loads(lines[-1])
    result["_stderr"] = proc.stderr
    return result
