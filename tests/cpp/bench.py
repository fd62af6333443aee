"""The C++ providers compared (`make bench-cpp`): ecscred's adapters, the SDKs'
SimpleCredentialsProvider (the floor) and aliyun-openapi-cpp-sdk's
InstanceProfileCredentialsProvider, driven by ``cpp_bench`` (tests/cpp/bench.cpp) against
``ecscred mock-metadata`` on 127.0.0.1. Prints two Markdown sections: ``--section benchmarks``
(warm cost per request; metadata requests and expired credentials across rotations, in
three time zones) and ``--section reliability`` (time zones and a hardened-only instance).

    python3 tests/cpp/bench.py --bin CPP_BENCH --ecscred ECSCRED [--section ...]

Runs in a loopback-only network namespace when the machine allows it (bench/benchlib.py),
so even InstanceProfileCredentialsProvider's hard-coded 100.100.100.200 is unreachable;
cpp_bench points it at the mock. Stdlib only.
"""

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import Mock, clean_env, enter_loopback_netns  # noqa: E402

PROVIDERS = [
    ("ecscred-oss", "ecscred, `ecscred::aliyun_oss::CredentialsProvider`"),
    ("simple-oss", "OSS SDK `SimpleCredentialsProvider` (fixed credential: the floor)"),
    ("ecscred-openapi", "ecscred, `ecscred::aliyun_openapi::CredentialsProvider`"),
    ("simple-openapi", "OpenAPI SDK `SimpleCredentialsProvider` (the floor)"),
    ("instance-profile", "OpenAPI SDK `InstanceProfileCredentialsProvider`"),
]
LABEL = dict(PROVIDERS)
WARM_CALLS, WARM_RUNS = 500_000, 7
# Rotation runs: credentials of 150 s, the next one issued 75 s before expiry, so that the
# incumbent's fixed 60 s margin and ecscred's 1/12-of-lifetime lead both fall after the
# rotation; each run watches (1 call per ms) until 20 s past the first expiry.
LIFETIME, ROTATE_BEFORE, WATCH = 150, 75, 170
ZONES = ["UTC", "Asia/Shanghai", "America/Los_Angeles"]


def run_json(argv: Sequence[str], env: Dict[str, str], timeout: float) -> Dict[str, Any]:
    out = subprocess.run(list(argv), env=env, stdout=subprocess.PIPE, text=True, timeout=timeout,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def mock(ecscred: Path, logs: Path, name: str, *args: str) -> Mock:
    return Mock(ecscred, ["--role", "EcsRamRoleTest", *args], logs, name)


def warm(binary: Path, ecscred: Path, logs: Path) -> List[Dict[str, Any]]:
    rows = []
    for provider, _ in PROVIDERS:
        for threads in (1, 2):
            with mock(ecscred, logs, f"warm-{provider}-{threads}") as m:
                env = clean_env(ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=m.url, TZ="UTC")
                r = run_json([str(binary), "warm", provider, str(WARM_CALLS), str(WARM_RUNS),
                              str(threads)], env, 600)
                r["credential_gets"] = m.counters()["credential_gets"]
            rows.append(r)
    return rows


def watch(binary: Path, ecscred: Path, logs: Path, provider: str, zone: str, seconds: float,
          *mock_args: str) -> Dict[str, Any]:
    """One watch run on a fresh mock: credential GETs, calls served an expired credential
    (the call came at or after the Expiration the mock issued it with), empty credentials."""
    closed = "--closed" in mock_args  # no metadata service: a closed loopback port
    mock_args = tuple(a for a in mock_args if a != "--closed")
    with mock(ecscred, logs, f"watch-{provider}-{uuid.uuid4().hex[:8]}", *mock_args) as m:
        endpoint = closed_port_url() if closed else m.url
        env = clean_env(ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=endpoint, TZ=zone)
        proc = subprocess.run([str(binary), "watch", provider, str(seconds)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=seconds + 120)
        issued = {c["access_key_id"]: c for c in m.credentials()}
        gets = m.counters()["credential_gets"]
    if closed:
        gets = None  # the mock was not asked
    if proc.returncode != 0:
        # The provider took the process down: say how (e.g. an uncaught exception).
        why = (proc.stderr.strip().splitlines() or ["no message"])
        return {"provider": provider, "zone": zone, "aborted": proc.returncode,
                "why": " ".join(line.strip() for line in why[:2]), "credential_gets": gets}
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    expired = empty = 0
    first_expiry = None
    for span in r["spans"]:
        if not span["id"]:
            empty += span["calls"]
            continue
        exp_ms = _utc_ms(issued[span["id"]]["expiration"])
        first_expiry = exp_ms if first_expiry is None else min(first_expiry, exp_ms)
        if span["last_ms"] >= exp_ms:
            # Calls are 1 ms apart: count those at or past the expiration.
            expired += max(1, round(span["calls"] * (span["last_ms"] - exp_ms + 1) /
                                    max(1, span["last_ms"] - span["first_ms"] + 1)))
    used = [s["id"] for s in r["spans"] if s["id"]]
    return {"provider": provider, "zone": zone, "calls": r["calls"], "credential_gets": gets,
            "credentials_used": len(dict.fromkeys(used)), "expired_calls": expired,
            "empty_calls": empty, "issued": len(issued)}


def closed_port_url() -> str:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _utc_ms(text: str) -> int:
    import calendar
    import time
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")) * 1000


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], align: str) -> str:
    """A Markdown table; ``align`` has one letter per column: l(eft) or r(ight)."""
    seps = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(seps) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def rotations(binary: Path, ecscred: Path, logs: Path) -> List[Dict[str, Any]]:
    cases = [("ecscred-openapi", z) for z in ZONES] + [("instance-profile", z) for z in ZONES]
    with ThreadPoolExecutor(len(cases)) as pool:  # each its own mock and process
        futures = [pool.submit(watch, binary, ecscred, logs, p, z, WATCH, "--lifetime",
                               str(LIFETIME), "--rotate-before", str(ROTATE_BEFORE))
                   for p, z in cases]
        return [f.result() for f in futures]


def section_benchmarks(binary: Path, ecscred: Path, logs: Path, isolation: str) -> str:
    w = warm(binary, ecscred, logs)
    rot = rotations(binary, ecscred, logs)
    by = {(r["provider"], r["threads"]): r for r in w}
    rows = []
    for provider, label in PROVIDERS:
        one, two = by[(provider, 1)], by[(provider, 2)]
        rows.append((label, f"{one['median_ns']:,.0f} ns", f"{one['min_ns']:,.0f}–{one['max_ns']:,.0f} ns",
                     f"{two['median_ns']:,.0f} ns", one["credential_gets"]))
    rot_rows = [(LABEL[r["provider"]], f"`TZ={r['zone']}`", f"{r['calls']:,}",
                 f"{r['credential_gets']:,}", r["credentials_used"], f"{r['expired_calls']:,}",
                 f"{r['empty_calls']:,}") for r in rot]
    return "\n".join([
        "## C++: per-request credential cost through the SDK adapters",
        "",
        "Command: `make bench-cpp` (`tests/cpp/bench.py`, driving `tests/cpp/bench.cpp` built "
        "-O2 against aliyun-oss-cpp-sdk 1.10.1 and aliyun-openapi-cpp-sdk 1.36.2132), each row "
        f"a fresh `ecscred mock-metadata` and process; {isolation}. "
        "InstanceProfileCredentialsProvider hard-codes 100.100.100.200: the bench subclasses it "
        "to send its (unchanged) requests to the mock through the SDK's own fetcher.",
        "",
        "### Warm cost",
        "",
        f"`getCredentials()` as the SDKs call it before signing each request, the three strings "
        f"read: {WARM_CALLS:,} calls × {WARM_RUNS} runs, median of the runs (range); with 2 "
        "threads at once, the slower thread's median. `TZ=UTC` (see below for other zones).",
        "",
        table(("provider", "per call, 1 thread", "range", "per call, 2 threads",
               "metadata GETs"), rows, "lrrrr"),
        "",
        "Both ecscred adapters build the SDK's `Credentials` (three `std::string` copies) from "
        "one snapshot per call; the floor returns a copy of a fixed one.",
        "",
        "### Across a rotation, in three time zones",
        "",
        f"Calls 1 ms apart (a 1 ms sleep after each) from the first fetch until {WATCH - LIFETIME} s after the "
        f"first credential expired, on `ecscred mock-metadata --lifetime {LIFETIME} "
        f"--rotate-before {ROTATE_BEFORE}`; *expired* = calls that got a credential at or "
        "after the Expiration it was issued with (within a run of calls that got the same "
        "credential, counted from the calls' even spacing); *empty* = calls that got empty "
        "credentials. All six runs at once, one run each.",
        "",
        table(("provider", "zone", "calls", "credential GETs", "credentials used",
               "expired", "empty"), rot_rows, "llrrrrr"),
        "",
        "InstanceProfileCredentialsProvider parses the UTC `Expiration` with `mktime`, which "
        "reads it as local time: east of UTC the credential looks expired from the start and "
        "every call fetches it again, under the provider's lock; west of UTC it looks valid "
        "hours past its real expiry and is handed out expired.",
    ])


def section_reliability(binary: Path, ecscred: Path, logs: Path, isolation: str) -> str:
    cases = [("ecscred-openapi", "UTC", []), ("instance-profile", "UTC", []),
             ("ecscred-openapi", "Asia/Shanghai", []), ("instance-profile", "Asia/Shanghai", []),
             ("ecscred-openapi", "UTC", ["--mode", "hardened"]),
             ("instance-profile", "UTC", ["--mode", "hardened"]),
             ("ecscred-openapi", "UTC", ["--closed"]),
             ("instance-profile", "UTC", ["--closed"])]
    with ThreadPoolExecutor(len(cases)) as pool:
        futures = [pool.submit(watch, binary, ecscred, logs, p, z, 5.0, *a) for p, z, a in cases]
        results = [f.result() for f in futures]
    rows = []
    for (provider, zone, args), r in zip(cases, results):
        instance = {(): "normal", ("--mode", "hardened"): "hardened-only",
                    ("--closed",): "no metadata service"}[tuple(args)]
        if "aborted" in r:
            how = signal.Signals(-r["aborted"]).name if r["aborted"] < 0 else f"exit {r['aborted']}"
            outcome, calls = f"**process aborted** ({how}): {r['why']}", "–"
        else:
            calls = f"{r['calls']:,}"
            outcome = "ok" if not r["empty_calls"] and not r["expired_calls"] else \
                f"empty credentials on all {r['calls']:,} calls" \
                if r["empty_calls"] == r["calls"] else \
                f"{r['empty_calls']:,} calls got empty credentials" if r["empty_calls"] \
                else f"{r['expired_calls']:,} calls got an expired credential"
        gets = "– (none listening)" if r["credential_gets"] is None else f"{r['credential_gets']:,}"
        rows.append((LABEL[provider], instance, f"`TZ={zone}`", calls, gets, outcome))
    return "\n".join([
        "## C++: aliyun-openapi-cpp-sdk's InstanceProfileCredentialsProvider next to ecscred",
        "",
        "Command: `tests/cpp/bench.py --section reliability`, run by `make test-faults` and "
        "`make bench-cpp`: calls 1 ms apart "
        "for 5 s through each provider, each on a fresh `ecscred mock-metadata` "
        f"(6 h credentials; `--mode hardened`: plain GETs answer 403); {isolation}. The SDK's "
        "provider is subclassed only to send its requests to the mock.",
        "",
        table(("provider", "instance", "zone", "calls", "credential GETs", "outcome"), rows,
              "lllrrl"),
        "",
        "In `TZ=Asia/Shanghai` the SDK's provider reads the UTC `Expiration` as local time "
        "(`mktime`), 8 h early: every credential looks expired, so every call fetches again "
        "while holding its lock. On a hardened-only instance it sends plain GETs (it has no "
        "metadata-token support) and gets `403 - Forbidden`; jsoncpp's lenient `Reader` "
        "parses the leading `403` as a number, `value[\"Code\"]` on a number throws "
        "`Json::LogicError`, nothing catches it, and the process aborts on its first call. "
        "ecscred uses the metadata token and makes one credential GET in every zone. With "
        "no metadata service both return empty credentials (the request is then refused by "
        "the service); ecscred's adapter also keeps the cause (`lastError()`: `unreachable` "
        "and the endpoint), the SDK's provider reports nothing. The SDK's provider also needs "
        "the role name (it cannot discover it) and reads its cached expiry outside its lock. "
        "Across rotations: BENCHMARKS.md, C++ section.",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="cpp_bench (tests/cpp/bench.cpp)")
    parser.add_argument("--ecscred", required=True, help="the ecscred command (its mock)")
    parser.add_argument("--section", choices=("benchmarks", "reliability", "both"),
                        default="both")
    args = parser.parse_args()
    isolation = enter_loopback_netns()
    logs = Path(tempfile.mkdtemp(prefix="ecscred-cpp-bench-"))
    binary, ecscred = Path(args.bin).resolve(), Path(args.ecscred).resolve()
    parts = []
    if args.section in ("benchmarks", "both"):
        parts.append(section_benchmarks(binary, ecscred, logs, isolation))
    if args.section in ("reliability", "both"):
        parts.append(section_reliability(binary, ecscred, logs, isolation))
    print("\n\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
