"""Runs every benchmark of ecscred against the incumbents and writes BENCHMARKS.md.

    make bench                                   # = make bench-report: everything → BENCHMARKS.md
    make bench-report BENCH_ONLY=rollover        # some sections only, printed to stdout
    .venv/bin/python bench/report.py --help

Sections (``--only`` takes a comma-separated list): rust, c, python-warm, go, rollover, outage,
cold, footprint, openapi, cpp, oidc, dist. ``make`` first builds the CLI (whose ``mock-metadata`` is the
mock), the Python package, the Go prefix, ``make install PREFIX=target/bench-prefix`` and compiles the
benchmarks, all outside the measurement, which then runs (when the machine allows it) in a
network namespace with only a loopback interface.

Stdlib only (it runs with the interpreter that has ecscred, oss2 and
alibabacloud-credentials installed, because the Python workers need them). Every mock is an
``ecscred mock-metadata --port 0`` process on 127.0.0.1, stopped by pid. Only measured
figures are written; targets are compared, never asserted (the exit status says only
whether every measurement ran).
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (BENCH, ROLE, ROOT, Mock, clean_env, enter_loopback_netns,  # noqa: E402
                      median, run_json)

SECTIONS = ("rust", "c", "python-warm", "go", "rollover", "outage", "cold", "footprint",
            "openapi", "cpp", "oidc", "dist")
DELAY = {"kind": "delay", "ms": 300, "target": "credential"}
# The last section of BENCHMARKS.md, written by hand from scripts/time-make-test.sh.
TESTLOOP_HEADING = "## The test loop (`make test`)"
LIFETIME, ROTATE_BEFORE, AFTER, THREADS = 24, 2, 2, 32


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fmt_ns(ns: float) -> str:
    return f"{ns:,.0f}" if ns >= 100 else f"{ns:.1f}"


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], align: Optional[str] = None
          ) -> str:
    align = align or "l" + "r" * (len(header) - 1)
    seps = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join(seps) + " |"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


class Ctx:
    def __init__(self, args: argparse.Namespace) -> None:
        self.target = Path(args.target_dir).resolve()
        self.prefix = Path(args.prefix).resolve()
        self.go_prefix = Path(args.go_prefix).resolve()
        self.work = self.target / "bench"
        self.bin = self.work / "bin"
        self.logs = self.work / "logs"
        self.ecscred = self.target / "release" / "ecscred"
        self.python = sys.executable
        self.rollover_runs = args.rollover_runs
        self.cold_runs = args.cold_runs
        self.cold_runs_python = min(args.cold_runs_python, args.cold_runs)
        self.scaled = args.alibabacloud_scaled
        self.raw: Dict[str, Any] = {}  # every measurement, → target/bench/results.json
        self.targets: List[Tuple[str, str, str]] = []  # (target, measured, verdict)
        self.timings: Dict[str, float] = {}
        for d in (self.work, self.bin, self.logs):
            d.mkdir(parents=True, exist_ok=True)

    def mock(self, *args: str, name: str = "mock") -> Mock:
        return Mock(self.ecscred, args, self.logs, name)

    def target_row(self, target: str, measured: str, ok: Optional[bool],
                   note: str = "") -> None:
        v = "n/a" if ok is None else verdict(ok)
        self.targets.append((target, measured, v + (f" ({note})" if note else "")))


# ---- build helpers -------------------------------------------------------------------------

def build_c(ctx: Ctx) -> None:
    """Compiles bench/c/*.c against the installed libecscred (pkg-config, shared)."""
    env = dict(os.environ, PKG_CONFIG_PATH=str(ctx.prefix / "lib" / "pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "ecscred"], env=env, check=True,
                           stdout=subprocess.PIPE, text=True).stdout.split()
    for name in ("rollover", "probe", "soak", "instructions"):
        subprocess.run([os.environ.get("CC", "gcc"), "-std=c11", "-O2", "-Wall", "-Wextra",
                        "-Wpedantic", "-Werror", "-o", str(ctx.bin / name),
                        str(BENCH / "c" / f"{name}.c"), *flags,
                        f"-Wl,-rpath,{ctx.prefix / 'lib'}", "-pthread"], check=True)


# ---- rust ----------------------------------------------------------------------------------

def section_rust(ctx: Ctx) -> str:
    home = ctx.work / "criterion"
    shutil.rmtree(home, ignore_errors=True)
    env = dict(clean_env(), CRITERION_HOME=str(home))
    log("rust: cargo bench -p ecscred --bench hit_path")
    proc = subprocess.run([os.environ.get("CARGO", "cargo"), "bench", "-p", "ecscred", "--bench",
                           "hit_path"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    (ctx.logs / "rust.log").write_text(proc.stdout)
    if proc.returncode != 0:
        raise RuntimeError(f"cargo bench failed:\n{proc.stdout[-3000:]}")
    results = {}
    for est in home.glob("*/new/estimates.json"):
        bench = json.loads((est.parent / "benchmark.json").read_text())
        estimates = json.loads(est.read_text())
        samples = json.loads((est.parent / "sample.json").read_text())
        results[bench["title"]] = (estimates["median"]["point_estimate"],
                                   estimates["median"]["confidence_interval"],
                                   len(samples["iters"]))
    labels = [
        ("provider.credential() warm",
         "`Provider::credential()` warm (returns `Arc<Credential>`)"),
        ("credential() warm + read the three fields", "`credential()` + reading the three fields"),
        ("get_credential(role) warm, shared provider",
         "`ecscred::get_credential(Some(role))` (shared provider lookup + warm call)"),
    ]
    rows = []
    for key, label in labels:
        if key not in results:
            raise RuntimeError(f"criterion did not report {key!r}")
        m, ci, n = results[key]
        rows.append((label, f"{m:.1f} ns", f"{ci['lower_bound']:.1f}–{ci['upper_bound']:.1f} ns",
                     n))
    warm = results["provider.credential() warm"][0]
    ctx.target_row("Rust warm `Provider::credential()` ≤ 50 ns", f"{warm:.1f} ns", warm <= 50)
    return "\n".join([
        "## Rust warm hit path (criterion)",
        "",
        "Command: `make bench-rust` (= `cargo bench -p ecscred --bench hit_path`), against the "
        "mock metadata service embedded in the bench (`ecscred_mock::MockServer` on "
        "127.0.0.1), contacted only before measuring (the bench asserts it). Figures: "
        "criterion's median of its samples (from `estimates.json`) and the 95% confidence "
        "interval of that median.",
        "",
        table(("what", "median time per call", "95% CI", "samples"), rows),
        "",
        f"Target ≤ 50 ns for the warm path: {verdict(warm <= 50)} ({warm:.1f} ns).",
        "",
        "Notes (earlier measurements, not re-run by this report): before the warm path read "
        "the coarse clock (`CLOCK_REALTIME_COARSE`, 2.7 ns a read on this machine, against "
        "20.6 ns for `CLOCK_REALTIME`) the first row measured 46.5 ns; before the accessors "
        "stopped re-validating, the second measured 37.1 ns.",
    ])


# ---- c -------------------------------------------------------------------------------------

def section_c(ctx: Ctx) -> str:
    # A private TARGET_DIR (run.sh wipes $TARGET_DIR/c-tests/build), sharing the release dir.
    ctarget = ctx.work / "c-target"
    ctarget.mkdir(exist_ok=True)
    link = ctarget / "release"
    if not link.exists():
        link.symlink_to(ctx.target / "release")
    env = clean_env(TARGET_DIR=str(ctarget), ECSCRED_PREFIX=str(ctx.prefix))
    log("c: tests/c/run.sh bench")
    proc = subprocess.run([str(ROOT / "tests" / "c" / "run.sh"), "bench"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    (ctx.logs / "c.log").write_text(proc.stdout)
    if proc.returncode != 0:
        raise RuntimeError(f"tests/c/run.sh bench failed:\n{proc.stdout[-3000:]}")
    one: Dict[Tuple[str, str], float] = {}
    two: Dict[Tuple[str, str], Tuple[float, float]] = {}
    runs = calls = ""
    variant = ""
    for line in proc.stdout.splitlines():
        if line.startswith("--- "):
            variant = "libecscred.so" if "libecscred.so" in line else "libecscred.a"
            continue
        m = re.match(r"(\S+)\s+\+ 3 accessors \+ free:\s+([\d.]+) ns/call \(median of (\d+) x "
                     r"(\d+)\)", line)
        if m:
            one[(m.group(1), variant)] = float(m.group(2))
            runs, calls = m.group(3), m.group(4)
            continue
        m = re.match(r"(\S+)\s+\+ 3 accessors \+ free:\s+([\d.]+) /\s+([\d.]+) ns/call, 2 threads",
                     line)
        if m:
            two[(m.group(1), variant)] = (float(m.group(2)), float(m.group(3)))
    calls_named = [n for n, _ in one]
    names = list(dict.fromkeys(calls_named))
    if len(names) != 3 or len(one) != 6 or len(two) != 6:
        raise RuntimeError(f"unexpected output of tests/c/run.sh bench:\n{proc.stdout}")
    rows = []
    for name in names:
        rows.append((f"`{name}`", f"{one[(name, 'libecscred.so')]:.1f} ns",
                     f"{one[(name, 'libecscred.a')]:.1f} ns"))
    for name in names[:1]:
        a, b = two[(name, "libecscred.so")]
        c, d = two[(name, "libecscred.a")]
        rows.append((f"`{name}`, 2 threads at once", f"{a:.1f} / {b:.1f} ns",
                     f"{c:.1f} / {d:.1f} ns"))
    for name in names[1:]:
        a, b = two[(name, "libecscred.so")]
        c, d = two[(name, "libecscred.a")]
        rows.append((f"`{name}`, 2 threads at once", f"{a:.1f} / {b:.1f} ns",
                     f"{c:.1f} / {d:.1f} ns"))
    counts = c_instructions(ctx)
    count_rows = [(f"`{label}`", f"{counts[v]:.0f}", f"{counts[v + '-get']:.0f}", before)
                  for v, label, before in C_COUNTED]
    worst_count = max(counts[v] for v, _, _ in C_COUNTED)
    ctx.target_row("C warm call ≤ 150 instructions (callgrind), any form",
                   f"{worst_count:.0f} instructions (get + 3 accessors + free, worst form); "
                   f"get alone {max(counts[v + '-get'] for v, _, _ in C_COUNTED):.0f}",
                   worst_count <= 150)
    main = one[(names[0], "libecscred.so")]
    worst_one = max(one.values())
    ctx.target_row("C warm get + 3 accessors + free ≤ 100 ns",
                   f"{main:.1f} ns (`{names[0]}`, .so); worst single-thread row {worst_one:.1f} ns",
                   worst_one <= 100)
    return "\n".join([
        "## C warm hit path",
        "",
        "Command: `make bench-c` (`tests/c/run.sh bench`: `tests/c/bench.c` against a mock it "
        "starts), warm `get` + the three accessors + `ecscred_credential_free`, "
        f"median of {runs} runs of {int(calls):,} calls per row.",
        "",
        table(("call", "libecscred.so", "libecscred.a"), rows),
        "",
        f"Target ≤ 100 ns per call on one thread: {verdict(worst_one <= 100)} "
        f"(slowest single-thread row {worst_one:.1f} ns). A warm call writes no memory shared "
        "between threads (each thread hands out counts of its own handle proxy; before, both "
        "threads incremented and decremented the one cached credential's reference count). On "
        "this shared 2-core VM the two-thread rows also measure the competition for its two "
        f"cores (1-min load average {os.getloadavg()[0]:.1f} when they ran). (Earlier "
        "two-thread figures, about 100 ns, also included the benchmark's own result counter, "
        "which both threads wrote; `tests/c/bench.c` now keeps one per thread.)",
        "",
        "Instructions per warm call, counted by valgrind's callgrind (deterministic, unlike the "
        "times above): `bench/c/instructions.c` against a mock it is pointed at, "
        f"`valgrind --tool=callgrind --toggle-collect=measured`, {C_COUNT_CALLS:,} warm calls "
        "after the fetch and a warm-up, total divided by the calls (the calling loop included; "
        "under valgrind `clock_gettime` is a system call, whose kernel side is not counted).",
        "",
        table(("call", "get + 3 accessors + free", "get alone",
               "before per-thread proxies (get + 3 accessors + free)"), count_rows),
        "",
        f"Target ≤ 150 instructions per warm call for any form: {verdict(worst_count <= 150)} "
        f"(worst {worst_count:.0f}).",
    ])


C_COUNT_CALLS = 10_000
C_COUNTED = [("null-role", "ecscred_get_credential(NULL)", "313"),
             ("named-role", "ecscred_get_credential(\"EcsRamRoleTest\")", "795"),
             ("provider", "ecscred_provider_get_credential", "—")]


def c_instructions(ctx: Ctx) -> Dict[str, float]:
    """callgrind's instruction count per warm call of each form (bench/c/instructions.c)."""
    out: Dict[str, float] = {}
    with ctx.mock("--role", ROLE, name="c-instructions") as mock:
        for variant, _, _ in C_COUNTED:
            for v in (variant, variant + "-get"):
                log(f"c: callgrind {v}")
                proc = subprocess.run(
                    ["valgrind", "--tool=callgrind", "--toggle-collect=measured",
                     f"--callgrind-out-file={ctx.logs / f'callgrind.{v}.out'}",
                     str(ctx.bin / "instructions"), v, str(C_COUNT_CALLS)],
                    env=clean_env(ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=mock.url),
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                m = re.search(r"Collected : (\d+)", proc.stdout)
                if proc.returncode != 0 or not m:
                    raise RuntimeError(f"callgrind {v} failed:\n{proc.stdout[-3000:]}")
                out[v] = int(m.group(1)) / C_COUNT_CALLS
    ctx.raw["c_instructions"] = out
    return out


# ---- python warm ---------------------------------------------------------------------------

PY_PROVIDERS = [
    ("ecscred", "ecscred `EcsRamRoleCredentialsProvider`", 500_000),
    ("oss2", "oss2 `EcsRamRoleCredentialsProvider`", 200_000),
    ("alibabacloud", "alibabacloud-credentials `EcsRamRoleCredentialsProvider`", 20_000),
]


def section_python_warm(ctx: Ctx, passes: int = 3, rounds: int = 11) -> str:
    samples: Dict[str, Dict[str, List[float]]] = {k: {"get": [], "get_and_getters": []}
                                                  for k, _, _ in PY_PROVIDERS}
    refused = 0
    with ctx.mock(name="python-warm") as mock:
        for p in range(passes):
            for kind, _, number in PY_PROVIDERS:
                log(f"python-warm: pass {p + 1}/{passes}, {kind}")
                r = run_json([ctx.python, str(BENCH / "pyworker.py"), "warm", "--provider", kind,
                              "--url", mock.url, "--rounds", str(rounds), "--number",
                              str(number)], env=clean_env())
                if r["fetches_during_warm_loops"] or not r["first_fetch_seen_by_mock"]:
                    raise RuntimeError(f"{kind}: not a warm measurement: {r}")
                refused += r["refused_connects"]
                for key in ("get", "get_and_getters"):
                    samples[kind][key].append(r[key]["median_ns"])
    if refused:
        raise RuntimeError(f"the connect guard refused {refused} non-loopback connects")
    med = {k: {key: median(v) for key, v in d.items()} for k, d in samples.items()}
    ours = med["ecscred"]
    rows = []
    for kind, label, number in PY_PROVIDERS:
        g, gg = med[kind]["get"], med[kind]["get_and_getters"]
        rows.append((label, fmt_ns(g), f"{g / ours['get']:.1f}×", fmt_ns(gg),
                     f"{gg / ours['get_and_getters']:.1f}×", f"{number:,}"))
    r_oss2 = med["oss2"]["get"] / ours["get"]
    r_ali = med["alibabacloud"]["get"] / ours["get"]
    ctx.target_row("Python warm `get_credentials()` ≥ 3× faster than oss2's provider",
                   f"{r_oss2:.1f}× ({fmt_ns(ours['get'])} vs {fmt_ns(med['oss2']['get'])} ns)",
                   r_oss2 >= 3)
    ctx.target_row("Python warm ≥ 40× faster than alibabacloud-credentials' provider",
                   f"{r_ali:.1f}× ({fmt_ns(ours['get'])} vs "
                   f"{fmt_ns(med['alibabacloud']['get'])} ns)", r_ali >= 40)
    versions = python_versions(ctx)
    return "\n".join([
        "## Python warm hit path",
        "",
        "Command: `make bench-report BENCH_ONLY=python-warm` (each provider in a fresh "
        "`bench/pyworker.py warm` process, all three against one `ecscred mock-metadata` "
        "process on 127.0.0.1; the worker refuses non-loopback connects and checks that the "
        "mock saw the first fetch and no fetch during the timed loops). "
        f"{versions}.",
        "",
        f"Each figure: the median of {passes} passes (providers interleaved) × {rounds} "
        "rounds of `timeit` over the number of calls shown; \"+ getters\" adds the three "
        "`get_access_key_id/secret/security_token()` calls every signature makes.",
        "",
        table(("provider", "warm `get_credentials()` ns/call", "time relative to ecscred",
               "+ getters ns/call", "relative", "calls per round"), rows),
        "",
        f"Targets ≥ 3× oss2 and ≥ 40× alibabacloud-credentials: {verdict(r_oss2 >= 3)} "
        f"({r_oss2:.1f}×) and {verdict(r_ali >= 40)} ({r_ali:.1f}×). (Earlier measurement, not "
        "re-run: before `cached_credential()` let the warm path keep the GIL, ecscred "
        "measured 93 ns, 1.9× oss2.)",
    ])


_PYVER: Dict[str, str] = {}


def python_versions(ctx: Ctx) -> str:
    if not _PYVER:
        code = ("import sys, importlib.metadata as m; print(sys.version.split()[0], "
                "m.version('oss2'), m.version('alibabacloud-credentials'))")
        out = subprocess.run([ctx.python, "-c", code], stdout=subprocess.PIPE, text=True,
                             check=True).stdout.split()
        _PYVER.update(python=out[0], oss2=out[1], ali=out[2])
    return (f"Python {_PYVER['python']}, oss2 {_PYVER['oss2']}, alibabacloud-credentials "
            f"{_PYVER['ali']}")


# ---- go ------------------------------------------------------------------------------------

GO_PROVIDERS = [
    ("Ecscred", "ecscred `Provider.Credentials(ctx)`"),
    ("CredentialsGo", "credentials-go `providers.ECSRAMRoleCredentialsProvider.GetCredentials()`"),
    ("OSSv2", "alibabacloud-oss-go-sdk-v2 `credentials.NewEcsRoleCredentialsProvider` "
              "`GetCredentials(ctx)`"),
]


def go_versions() -> str:
    mod = (ROOT / "bench" / "go" / "go.mod").read_text()
    found = dict(re.findall(r"github\.com/aliyun/(\S+) (v\S+)", mod))
    return (f"credentials-go {found.get('credentials-go', '?')}, alibabacloud-oss-go-sdk-v2 "
            f"{found.get('alibabacloud-oss-go-sdk-v2', '?')}")


def section_go(ctx: Ctx, count: int = 5) -> str:
    binary = ctx.work / "go-bench.test"  # built from bench/go by `make bench-prereqs`
    env = clean_env(ECSCRED_BIN=str(ctx.ecscred))
    log(f"go: bench/go benchmarks, -count {count}")
    proc = subprocess.run([str(binary), "-test.run", "^$", "-test.bench", ".",
                           "-test.benchmem", "-test.count", str(count)], cwd=ROOT / "bench" / "go",
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    (ctx.logs / "go.log").write_text(proc.stdout)
    if proc.returncode != 0:
        raise RuntimeError(f"the Go benchmarks failed:\n{proc.stdout[-3000:]}")
    runs: Dict[str, List[Tuple[float, int, int]]] = {}
    for line in proc.stdout.splitlines():
        m = re.match(r"Benchmark(\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op",
                     line)
        if m:
            runs.setdefault(m.group(1), []).append((float(m.group(3)), int(m.group(4)),
                                                    int(m.group(5))))
    missing = [f"{k}{p}" for k, _ in GO_PROVIDERS for p in ("", "Parallel") if f"{k}{p}" not in runs]
    if missing:
        raise RuntimeError(f"missing Go benchmarks {missing}:\n{proc.stdout}")
    ctx.raw["go"] = runs

    def med(name: str) -> float:
        return median([r[0] for r in runs[name]])

    def spread(name: str) -> str:
        ns = [r[0] for r in runs[name]]
        return f"{min(ns):.1f}–{max(ns):.1f}"
    ours, ours_par = med("Ecscred"), med("EcscredParallel")
    rows = []
    for key, label in GO_PROVIDERS:
        one, par = med(key), med(key + "Parallel")
        rows.append((label, f"{one:.1f}", spread(key), f"{one / ours:.1f}×", f"{par:.1f}",
                     spread(key + "Parallel"), f"{par / ours_par:.1f}×",
                     max(r[1] for r in runs[key]), max(r[2] for r in runs[key])))
    ratio = med("CredentialsGo") / ours
    ctx.target_row("Go warm `Credentials(ctx)` ≤ 20 ns, one goroutine and parallel",
                   f"{ours:.1f} ns / {ours_par:.1f} ns", ours <= 20 and ours_par <= 20)
    ctx.target_row("Go warm ≥ 5× faster than credentials-go's ECS RAM role provider",
                   f"{ratio:.1f}× ({ours:.1f} vs {med('CredentialsGo'):.1f} ns)", ratio >= 5)
    return "\n".join([
        "## Go warm hit path",
        "",
        "Command: `make bench-report BENCH_ONLY=go` (the benchmarks of `bench/go/`, a Go module "
        f"of its own so that the ecscred module does not depend on the incumbents, -count {count}; "
        f"{go_versions()}). All three providers against one `ecscred mock-metadata` on "
        "127.0.0.1 that the benchmark starts: the incumbents hard-code http://100.100.100.200 "
        "and reach the mock as their HTTP proxy (credentials-go's `HttpOptions.Proxy`; for "
        "oss-go-sdk-v2, an `http.DefaultTransport` whose proxy is the mock and whose dialer "
        "refuses non-loopback addresses). Each benchmark checks at the mock that its first call "
        "fetched and that no timed call did. ecscred: libecscred linked statically; its warm "
        "call does not cross into C while the engine's warm deadline holds. \"Parallel\": "
        "`b.RunParallel` on GOMAXPROCS goroutines (ns per call over all of them).",
        "",
        table(("provider", "median ns/op", "range", "relative", "parallel ns/op", "range",
               "relative", "B/op", "allocs/op"), rows),
        "",
        f"Targets ≤ 20 ns: {verdict(ours <= 20 and ours_par <= 20)} ({ours:.1f} / "
        f"{ours_par:.1f} ns); ≥ 5× credentials-go: {verdict(ratio >= 5)} ({ratio:.1f}×). "
        "(Earlier measurements, not re-run: with a cgo crossing per call the same call measured "
        "185–250 ns; before the shim returned results by value, 546–564 ns.)",
    ])


# ---- rollover ------------------------------------------------------------------------------

def rollover_providers(ctx: Ctx) -> List[Tuple[str, str]]:
    out = [("ecscred-c", "ecscred (C, `ecscred_provider_get_credential`)"),
           ("ecscred", "ecscred (Python)"),
           ("oss2", "oss2"),
           ("alibabacloud", "alibabacloud-credentials")]
    if ctx.scaled:
        out.append(("alibabacloud-scaled", "alibabacloud-credentials, constants scaled¹"))
    return out


def one_rollover(ctx: Ctx, kind: str) -> Dict[str, Any]:
    with ctx.mock("--lifetime", str(LIFETIME), "--rotate-before", str(ROTATE_BEFORE),
                  "--fault", json.dumps(DELAY), name=f"rollover-{kind}") as mock:
        if kind == "ecscred-c":
            r = run_json([str(ctx.bin / "rollover"), mock.url, ROLE, str(THREADS), str(AFTER)],
                         env=clean_env(), timeout=180)
            r["refused_connects"] = 0
        else:
            r = run_json([ctx.python, str(BENCH / "pyworker.py"), "rollover", "--provider", kind,
                          "--url", mock.url, "--threads", str(THREADS), "--after", str(AFTER),
                          "--lifetime", str(LIFETIME)], env=clean_env(), timeout=180)
        if r["refused_connects"]:
            raise RuntimeError(f"{kind}: the connect guard refused a non-loopback connect")
        if not r["rotated"]:
            raise RuntimeError(f"{kind}: the credential did not rotate during the run: {r}")
        return r


def section_rollover(ctx: Ctx) -> str:
    providers = rollover_providers(ctx)
    results: Dict[str, List[Dict[str, Any]]] = {k: [] for k, _ in providers}
    for run in range(ctx.rollover_runs):
        for kind, _ in providers:
            log(f"rollover: run {run + 1}/{ctx.rollover_runs}, {kind} (~{LIFETIME + AFTER} s)")
            results[kind].append(one_rollover(ctx, kind))
    rows = []
    for kind, label in providers:
        rs = results[kind]
        worst = [r["worst_wait_ms"] for r in rs]
        gets = [r["credential_gets"] for r in rs]
        rows.append((
            label,
            f"{median(worst):,.1f} ms" + (f" (max {max(worst):,.1f})" if len(rs) > 1 else ""),
            f"{median([r['calls_over_1ms'] for r in rs]):,.0f}",
            f"{median(gets):,.0f}" + (f" ({min(gets)}–{max(gets)})" if min(gets) != max(gets)
                                      else ""),
            f"{median([r['token_puts'] for r in rs]):,.0f}",
            f"{median([r['max_concurrent'] for r in rs]):,.0f}",
            f"{sum(r['expired'] for r in rs):,}",
            f"{sum(r['torn'] for r in rs):,}",
            f"{sum(r['errors'] for r in rs):,}",
            f"{median([r['calls'] for r in rs]):,.0f}",
            len(rs),
        ))
    ctx.raw["rollover"] = results
    ours = results["ecscred"] + results["ecscred-c"]
    worst_all = max(r["worst_wait_ms"] for r in ours)
    runs_met = sum(r["worst_wait_ms"] <= 1.0 for r in ours)
    gets_ok = all(r["credential_gets"] == 1 for r in ours)
    clean = all(r["expired"] == 0 and r["torn"] == 0 and r["errors"] == 0 for r in ours)
    ctx.target_row("worst caller wait at rollover ≤ 1 ms (ecscred, C and Python, 32 threads)",
                   f"{worst_all:.2f} ms worst of {len(ours)} runs; ≤ 1 ms in {runs_met} of "
                   f"{len(ours)} runs", worst_all <= 1.0)
    ctx.target_row("one metadata GET per rotation (ecscred)",
                   ", ".join(str(r["credential_gets"]) for r in ours) + " credential GETs "
                   "per run (one rotation each)", gets_ok)
    ctx.target_row("no expired or torn credential handed out (ecscred)",
                   f"{sum(r['expired'] for r in ours)} expired, {sum(r['torn'] for r in ours)} "
                   f"torn, {sum(r['errors'] for r in ours)} errors", clean)
    note = ""
    if ctx.scaled:
        note = ("\n¹ alibabacloud-credentials hard-codes \"stale 15 min before expiry\" and "
                "\"prefetch 1 h after a fetch\", so with 24 s credentials every call of the "
                "unmodified provider finds its credential stale and refetches under its lock "
                "(5 s lock timeout, after which callers fetch without it): the row above it is "
                "what it does with less than 15 minutes left, not at a 6 h rotation. The "
                "scaled row patches those two constants (and `STALE_TIME`) to the same "
                "fractions of a 24 s lifetime (1 s and 4 s) to show its rotation behaviour.\n")
    return "\n".join([
        "## Rollover under load",
        "",
        "Command: `make bench-report BENCH_ONLY=rollover`. For each run a fresh "
        f"`ecscred mock-metadata --lifetime {LIFETIME} --rotate-before {ROTATE_BEFORE} --fault "
        f"'{json.dumps(DELAY, separators=(',', ':'))}'` (every credential GET answered in "
        f"300 ms; credential i issued at start + i × {LIFETIME - ROTATE_BEFORE} s, the ECS "
        "6 h / 30 min proportions scaled down, on real time since a real-clock client cannot "
        f"be moved by the mock's clock). {THREADS} threads call `get_credentials()` (C: "
        "`ecscred_provider_get_credential` + free), then sleep 1 ms, from the first fetch "
        f"until {AFTER} s after the first credential expired; the counters are reset after the "
        "first fetch, so the GETs are those of the one rotation. Every snapshot handed out is "
        "checked against `/_mock/credentials`: *torn* = id, secret and token not all of one "
        "issued credential; *expired* = handed out at or after that credential's expiration "
        "(wall clock read when the call returned). C: `bench/c/rollover.c` linked to "
        "the installed libecscred.so; Python: `bench/pyworker.py rollover` (refuses "
        "non-loopback connects). Runs interleave the providers.",
        "",
        table(("provider", "worst caller wait (median of runs)", "calls > 1 ms",
               "credential GETs for the rotation", "token PUTs", "peak concurrent requests",
               "expired handed out", "torn", "errors", "calls made", "runs"), rows),
        note,
        f"Targets: worst wait ≤ 1 ms {verdict(worst_all <= 1.0)} ({worst_all:.2f} ms worst of "
        f"{len(ours)} ecscred runs, ≤ 1 ms in {runs_met}); one GET per rotation "
        f"{verdict(gets_ok)}. With {THREADS} busy threads on 2 shared cores a caller can also "
        "be descheduled while inside the call, which counts towards its wait. oss2 holds "
        "its lock through the fetch (every caller waits the full metadata latency at the "
        "rollover) and refetches the same credential until the service rotates it.",
    ])


# ---- the OIDC source (RRSA) ------------------------------------------------------------------

class StsMock:
    """``ecscred mock-sts --port 0 ARGS...`` (HTTPS on 127.0.0.1, its CA and the accepted
    token in a temporary folder), stopped by pid."""

    def __init__(self, ctx: Ctx, *args: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ecscred-bench-sts-"))
        self.token_file = self.dir / "token"
        self.ca_file = self.dir / "ca.pem"
        # No newline: alibabacloud-credentials sends the file's text untrimmed.
        self.token_file.write_text("eyJhbGciOiJSUzI1NiJ9.bench." + os.urandom(12).hex())
        self.out = self.dir / "url"
        with open(self.out, "w") as out:
            self.proc = subprocess.Popen(
                [str(ctx.ecscred), "mock-sts", "--port", "0", "--token-file",
                 str(self.token_file), "--ca-file", str(self.ca_file), *args],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=clean_env())
        deadline = time.monotonic() + 20
        self.url = ""
        while time.monotonic() < deadline and self.proc.poll() is None:
            text = self.out.read_text()
            if "\n" in text:
                self.url = text.split("\n", 1)[0].strip()
                break
            time.sleep(0.02)
        if not self.url.startswith("https://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"the mock STS did not start: {self.out.read_text()!r}")

    def worker(self, mode: str, provider: str, *args: str, timeout: float = 180) -> Dict[str, Any]:
        r = run_json([sys.executable, str(BENCH / "oidc_worker.py"), mode, "--provider", provider,
                      "--sts-url", self.url, "--ca-file", str(self.ca_file), "--token-file",
                      str(self.token_file), *args], env=clean_env(), timeout=timeout)
        if r["refused_connects"]:
            raise RuntimeError(f"{provider}: the connect guard refused a non-loopback connect")
        return r

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "StsMock":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


OIDC_PROVIDERS = (("ecscred", "ecscred `OidcRoleArnCredentialsProvider`"),
                  ("alibabacloud", "alibabacloud-credentials `OIDCRoleArnCredentialsProvider`"))


def section_oidc(ctx: Ctx, passes: int = 3, rounds: int = 11, number: int = 100_000,
                 runs: int = 2) -> str:
    warm: Dict[str, List[Dict[str, Any]]] = {k: [] for k, _ in OIDC_PROVIDERS}
    with StsMock(ctx) as sts:
        for p in range(passes):
            for kind, _ in OIDC_PROVIDERS:
                log(f"oidc warm: pass {p + 1}/{passes}, {kind}")
                n = number if kind == "ecscred" else number // 50
                r = sts.worker("warm", kind, "--rounds", str(rounds), "--number", str(n))
                if r["sts_calls_during_warm_loops"] or not r["first_fetch_seen_by_mock"]:
                    raise RuntimeError(f"{kind}: not a warm measurement: {r}")
                warm[kind].append(r)
    roll_kinds = [("ecscred", "ecscred"), ("alibabacloud", "alibabacloud-credentials"),
                  ("alibabacloud-scaled", "alibabacloud-credentials, stale time scaled¹")]
    roll: Dict[str, List[Dict[str, Any]]] = {k: [] for k, _ in roll_kinds}
    for run in range(runs):
        for kind, _ in roll_kinds:
            log(f"oidc rollover: run {run + 1}/{runs}, {kind} (~{LIFETIME + AFTER} s)")
            with StsMock(ctx, "--lifetime", str(LIFETIME), "--fault", json.dumps(
                    {"kind": "delay", "ms": 300})) as sts:
                r = sts.worker("rollover", kind, "--threads", str(THREADS), "--after", str(AFTER),
                               "--lifetime", str(LIFETIME))
            if not r["rotated"]:
                raise RuntimeError(f"{kind}: the credential did not rotate during the run: {r}")
            roll[kind].append(r)
    ctx.raw["oidc"] = {"warm": warm, "rollover": roll}
    med = {k: {key: median([r[key]["median_ns"] for r in rs]) for key in ("get", "get_and_getters")}
           for k, rs in warm.items()}
    ours = med["ecscred"]
    warm_rows = [(label, fmt_ns(med[k]["get"]), f"{med[k]['get'] / ours['get']:.1f}×",
                  fmt_ns(med[k]["get_and_getters"]),
                  f"{med[k]['get_and_getters'] / ours['get_and_getters']:.1f}×",
                  f"{warm[k][0]['number']:,}") for k, label in OIDC_PROVIDERS]
    roll_rows = []
    for kind, label in roll_kinds:
        rs = roll[kind]
        worst = [r["worst_wait_ms"] for r in rs]
        calls = [r["sts_calls"] for r in rs]
        roll_rows.append((
            label, f"{median(worst):,.1f} ms (max {max(worst):,.1f})",
            f"{median([r['calls_over_1ms'] for r in rs]):,.0f}",
            f"{median(calls):,.0f}" + (f" ({min(calls)}–{max(calls)})" if min(calls) != max(calls)
                                       else ""),
            f"{median([r['max_concurrent'] for r in rs]):,.0f}",
            f"{sum(r['expired'] for r in rs):,}", f"{sum(r['torn'] for r in rs):,}",
            f"{sum(r['errors'] for r in rs):,}", f"{median([r['calls'] for r in rs]):,.0f}",
            len(rs)))
    ratio = med["alibabacloud"]["get"] / ours["get"]
    return "\n".join([
        "## The OIDC source (RRSA) against alibabacloud-credentials",
        "",
        "Command: `make bench-report BENCH_ONLY=oidc` (`bench/oidc_worker.py`, a fresh process "
        "per measurement, against `ecscred mock-sts` on 127.0.0.1 over HTTPS; each provider "
        "trusts the mock's CA only: ecscred through `sts_extra_root_pem`, "
        "alibabacloud-credentials, which has no option for it, through its request runtime's "
        "`ca`, which Tea hands to requests as `verify`; the worker refuses non-loopback "
        f"connects). {python_versions(ctx)}.",
        "",
        f"Warm path: the median of {passes} passes (providers interleaved) × {rounds} rounds of "
        "`timeit`; the mock STS saw the first call and none during the timed loops.",
        "",
        table(("provider", "warm `get_credentials()` ns/call", "time relative to ecscred",
               "+ getters ns/call", "relative", "calls per round"), warm_rows),
        "",
        f"Rollover: for each run a fresh `ecscred mock-sts --lifetime {LIFETIME} --fault "
        "'{\"kind\":\"delay\",\"ms\":300}'` (every STS answer takes 300 ms; each credential "
        f"lives {LIFETIME} s); {THREADS} threads call `get_credentials()`, then sleep 1 ms, from "
        f"the first call until {AFTER} s after the first credential expired; the STS counters "
        "are reset after the first call, so the STS calls are those of the rollover. Torn and "
        "expired are checked against the mock's `/_mock/credentials`, as in the metadata "
        "rollover above.",
        "",
        table(("provider", "worst caller wait (median of runs)", "calls > 1 ms",
               "STS calls for the rollover", "peak concurrent STS calls", "expired handed out",
               "torn", "errors", "calls made", "runs"), roll_rows),
        "",
        "¹ alibabacloud-credentials marks an OIDC credential stale 15 min before its expiry "
        f"and then refetches under its lock on the callers' thread: with {LIFETIME} s "
        "credentials the unmodified provider finds every credential stale at once. The "
        "scaled row sets that margin (and `STALE_TIME`) to the same fraction of the "
        f"lifetime (15 min of its default 1 h: {LIFETIME * 900 / 3600:.0f} s) to show its "
        "rotation behaviour.",
        "",
        f"Warm `get_credentials()`: alibabacloud-credentials takes {ratio:.1f}× ecscred's time.",
    ])


# ---- outage near expiry --------------------------------------------------------------------

# Credentials of 72 s (the ECS proportions: refresh from 6 s before expiry, the mandatory
# window the last 1 s); from just after the first fetch every credential GET hangs 3 s
# (past the 1 s read timeout).
OUTAGE_LIFETIME, OUTAGE_THREADS, OUTAGE_HANG_MS = 72, 2, 3000


def section_outage(ctx: Ctx) -> str:
    runs = []
    for run in range(2):
        log(f"outage: run {run + 1}/2 (~{OUTAGE_LIFETIME + AFTER} s)")
        with ctx.mock("--lifetime", str(OUTAGE_LIFETIME), name="outage") as mock:
            runs.append(run_json(
                [ctx.python, str(BENCH / "pyworker.py"), "outage", "--provider", "ecscred",
                 "--url", mock.url, "--threads", str(OUTAGE_THREADS), "--after", str(AFTER),
                 "--lifetime", str(OUTAGE_LIFETIME), "--hang-ms", str(OUTAGE_HANG_MS)],
                env=clean_env(), timeout=OUTAGE_LIFETIME + 120))
    ctx.raw["outage"] = runs
    rows = [(i + 1, f"{r['served']:,}", f"{r['worst_served_wait_ms']:,.1f} ms",
             f"{r['p999_served_wait_ms']:,.2f} ms", r["served_over_10ms"],
             f"{r['served_stall_s']:.2f} s", r["credential_gets"], r["errors_before_expiry"],
             r["errors_after_expiry"], r["expired_handed_out"]) for i, r in enumerate(runs)]
    worst = max(r["worst_served_wait_ms"] for r in runs)
    clean = all(r["errors_before_expiry"] == 0 and r["expired_handed_out"] == 0 for r in runs)
    ctx.target_row("outage near expiry: no call served from the cache waits > 200 ms "
                   "(Python, 2 threads)", f"{worst:.1f} ms worst of {len(runs)} runs",
                   worst <= 200.0)
    ctx.target_row("outage near expiry: no error before expiry, nothing expired handed out",
                   ", ".join(f"{r['errors_before_expiry']} errors / "
                             f"{r['expired_handed_out']} expired" for r in runs), clean)
    return "\n".join([
        "## Outage near expiry",
        "",
        "Command: `make bench-report BENCH_ONLY=outage`. A fresh `ecscred mock-metadata "
        f"--lifetime {OUTAGE_LIFETIME}` per run (refresh from 6 s before expiry, mandatory "
        "window the last 1 s: the ECS proportions); right after the first fetch every "
        f"credential GET is made to hang {OUTAGE_HANG_MS} ms (a `delay` fault, longer than the "
        f"1 s read timeout), until {AFTER} s after the credential expired. {OUTAGE_THREADS} "
        "threads call `get_credentials()` with 1 ms pauses (`bench/pyworker.py outage`). "
        "*Served*: calls that returned the cached credential; their waits are what a caller "
        "holding a valid credential pays for the unhealthy service (the engine bounds a wait "
        "in the mandatory window at 200 ms from the refresh's start, and skips it once a "
        "refresh has failed). Errors after expiry are expected: an expired credential is "
        "never handed out.",
        "",
        table(("run", "served", "worst served wait", "p99.9 served wait", "served > 10 ms",
               "stall of served calls > 10 ms", "credential GETs", "errors before expiry",
               "errors after expiry", "expired handed out"), rows),
        "",
        f"Target: {verdict(worst <= 200.0)}. Before this bound, callers in the mandatory "
        "window waited for every refresh attempt up to the 5 s fetch timeout while holding a "
        "valid credential.",
    ])


# ---- tea-openapi (the general SDKs) --------------------------------------------------------

OPENAPI_PROVIDERS = [("ecscred", "ecscred (`ecscred.credential_client`)"),
                     ("alibabacloud", "alibabacloud-credentials' ECS RAM role provider")]


def section_openapi(ctx: Ctx) -> str:
    worker = str(BENCH / "openapi_worker.py")
    cost_rows = []
    costs: Dict[str, Dict[str, Any]] = {}
    for kind, label in OPENAPI_PROVIDERS:
        log(f"openapi: credential cost, {kind}")
        with ctx.mock(name=f"openapi-cost-{kind}") as mock:
            r = run_json([ctx.python, worker, "cost", "--provider", kind, "--url", mock.url],
                         env=clean_env(), timeout=600)
        if r["refused_connects"] or r["refused"]:
            raise RuntimeError(f"openapi cost {kind}: refused connects or calls: {r}")
        costs[kind] = r
        g = r["get_credential"]
        cost_rows.append((label, f"{fmt_ns(g['median_ns'])} ns", f"{fmt_ns(g['min_ns'])}–"
                          f"{fmt_ns(g['max_ns'])} ns", f"{r['call_ms']['median']:.2f} ms",
                          r["fetches_during_loops"]))
    rollovers = [("ecscred", OPENAPI_PROVIDERS[0][1]), ("alibabacloud", OPENAPI_PROVIDERS[1][1])]
    if ctx.scaled:
        rollovers.append(("alibabacloud-scaled", "alibabacloud-credentials, constants scaled¹"))
    roll_rows = []
    rolls: Dict[str, Dict[str, Any]] = {}
    for kind, label in rollovers:
        log(f"openapi: rollover, {kind} (~{LIFETIME + AFTER} s)")
        with ctx.mock("--lifetime", str(LIFETIME), "--rotate-before", str(ROTATE_BEFORE),
                      "--fault", json.dumps(DELAY), name=f"openapi-rollover-{kind}") as mock:
            r = run_json([ctx.python, worker, "rollover", "--provider", kind, "--url", mock.url,
                          "--threads", str(THREADS), "--after", str(AFTER),
                          "--lifetime", str(LIFETIME)], env=clean_env(), timeout=300)
        if r["refused_connects"]:
            raise RuntimeError(f"openapi rollover {kind}: the connect guard refused a connect")
        if not r["rotated"]:
            raise RuntimeError(f"openapi rollover {kind}: no call signed with a new credential")
        rolls[kind] = r
        roll_rows.append((label, f"{r['worst_wait_ms']:,.1f} ms", f"{r['calls_over_1ms']:,}",
                          r["credential_gets"], r["expired"], r["mixed"], r["errors"],
                          f"{r['calls']:,}"))
    ctx.raw["openapi"] = {"cost": costs, "rollover": rolls}
    ours = rolls["ecscred"]
    ctx.target_row("worst credential wait at rollover ≤ 1 ms (ecscred through tea-openapi, "
                   "32 threads)", f"{ours['worst_wait_ms']:.2f} ms", ours["worst_wait_ms"] <= 1.0)
    ctx.target_row("one metadata GET per rotation (ecscred through tea-openapi)",
                   f"{ours['credential_gets']} credential GETs", ours["credential_gets"] == 1)
    ratio = costs["alibabacloud"]["get_credential"]["median_ns"] / \
        costs["ecscred"]["get_credential"]["median_ns"]
    note = ""
    if ctx.scaled:
        note = ("\n¹ As in the rollover section: its 15 min stale / 1 h prefetch constants "
                "scaled to the 24 s lifetime. Unscaled, it finds every 24 s credential stale "
                "and refetches it under its lock at every call (the row above).\n")
    return "\n".join([
        "## Through tea-openapi (ECS, STS and the other generated Python SDKs)",
        "",
        "Command: `make bench-report BENCH_ONLY=openapi`. Each credential is given to "
        "tea-openapi (`Config(credential=...)`), whose generated ECS client "
        "(alibabacloud_ecs20140526) calls DescribeRegions on the local OpenAPI test server "
        "(`tests/openapi_server`, in the worker process), which verifies every ACS3-HMAC-SHA256 "
        "signature against the mock's credentials. Worker: `bench/openapi_worker.py`; a fresh "
        "mock and process per row.",
        "",
        "### One signed call's credential cost (warm)",
        "",
        "`get_credential()` of the credential, exactly as tea-openapi calls it once per "
        "request (timeit: 20,000 calls × 7 rounds; median, range of rounds), and the whole "
        "DescribeRegions call to the loopback server for scale (median of 200).",
        "",
        table(("credential", "get_credential() per request", "range", "whole signed call",
               "metadata GETs during the loops"), cost_rows),
        "",
        f"alibabacloud-credentials' provider costs {ratio:.1f}× ecscred's per request "
        "(its warm path, in Python, computes `time.mktime(time.localtime())` twice, for the "
        "stale and the prefetch checks; ecscred's is one native call returning the cached "
        "snapshot; the `Client` builds a new `CredentialModel` for both).",
        "",
        "### Rollover under load",
        "",
        f"{THREADS} threads, one ECS client each over one shared credential, call "
        "DescribeRegions then sleep 1 ms, from the first fetch until "
        f"{AFTER} s after the first credential expired, on a fresh `ecscred mock-metadata "
        f"--lifetime {LIFETIME} --rotate-before {ROTATE_BEFORE}` answering every credential "
        "GET in 300 ms (as in the rollover section). *Wait* = time inside tea-openapi's "
        "`get_credential()` call of each request; *expired* and *mixed* = calls the server "
        "refused as signed with an expired credential or with parts of two; the GETs are "
        "those of the one rotation (counters reset after the first fetch). One run each.",
        "",
        table(("credential", "worst wait", "calls waiting > 1 ms", "credential GETs",
               "expired", "mixed", "errors", "calls"), roll_rows),
        note,
    ])


# ---- C++ SDK adapters ----------------------------------------------------------------------

def section_cpp(ctx: Ctx) -> str:
    """tests/cpp/bench.py (its cpp_bench is built by make bench-prereqs: cpp-build)."""
    binary = ctx.target / "cpp-tests" / "build" / "tests" / "cpp_bench"
    if not binary.exists():
        raise RuntimeError(f"{binary} is missing: make cpp-build (needs ECSCRED_THIRD_PARTY)")
    log("cpp: tests/cpp/bench.py --section benchmarks")
    return subprocess.run([ctx.python, str(ROOT / "tests" / "cpp" / "bench.py"), "--bin",
                           str(binary), "--ecscred", str(ctx.ecscred), "--section", "benchmarks"],
                          env=clean_env(), check=True, stdout=subprocess.PIPE,
                          text=True).stdout.rstrip()


# ---- cold start ----------------------------------------------------------------------------

COLD_SURFACES = [("c", "ecscred, C (`ecscred_get_credential`)"),
                 ("ecscred", "ecscred, Python"),
                 ("oss2", "oss2"),
                 ("alibabacloud", "alibabacloud-credentials")]


def cold_runs(ctx: Ctx) -> Dict[Tuple[str, str, str], List[Dict[str, Any]]]:
    out: Dict[Tuple[str, str, str], List[Dict[str, Any]]] = {}
    for mode in ("normal", "hardened"):
        with ctx.mock("--mode", mode, name=f"cold-{mode}") as mock:
            for run in range(ctx.cold_runs):
                for surface, _ in COLD_SURFACES:
                    for role in (ROLE, ""):
                        if surface == "oss2" and not role:
                            continue
                        if surface != "c" and run >= ctx.cold_runs_python:
                            continue
                        mock.reset_counters()
                        if surface == "c":
                            r = run_json([str(ctx.bin / "probe"), role], env=clean_env(
                                ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=mock.url))
                            r["error"] = None
                        else:
                            r = run_json([ctx.python, str(BENCH / "pyworker.py"), "probe",
                                          "--provider", surface, "--url", mock.url, "--role",
                                          role], env=clean_env())
                            if r["refused_connects"]:
                                raise RuntimeError(f"{surface}: a non-loopback connect")
                        r["counters"] = mock.counters()
                        out.setdefault((surface, "explicit" if role else "discovered", mode),
                                       []).append(r)
        log(f"cold: {mode} done")
    ctx.raw["cold"] = {" ".join(k): v for k, v in out.items()}
    return out


def section_cold(ctx: Ctx, data: Dict[Tuple[str, str, str], List[Dict[str, Any]]]) -> str:
    rows: List[Tuple[Any, ...]] = []
    for surface, label in COLD_SURFACES:
        for role in ("explicit", "discovered"):
            for mode in ("normal", "hardened"):
                rs = data.get((surface, role, mode))
                if not rs:
                    rows.append((label, role, mode, "n/a (no role discovery: the role is part "
                                 "of its URL)", "", "", ""))
                    continue
                ok = [r for r in rs if not r["error"]]
                errs = sorted({r["error"] for r in rs if r["error"]})
                reqs = [r["counters"]["requests"] for r in rs]

                def span(vals: List[int]) -> str:
                    return str(vals[0]) if min(vals) == max(vals) else f"{min(vals)}–{max(vals)}"
                detail = "/".join(span([r["counters"][k] for r in rs])
                                  for k in ("token_puts", "role_gets", "credential_gets"))
                time_cell = (f"{median([r['cold_ms'] for r in ok]):.2f} ms" if ok else "—")
                if errs:
                    time_cell += f"; fails: {', '.join(errs)} ({len(rs) - len(ok)} of {len(rs)})"
                rows.append((label, role, mode, time_cell, span(reqs), detail, len(rs)))
    return "\n".join([
        "## Cold start",
        "",
        "Command: `make bench-report BENCH_ONLY=cold`. A fresh process per run (C: "
        "`bench/c/probe`, which calls `ecscred_get_credential(role or NULL)` with the endpoint "
        "in `ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT`; Python: `bench/pyworker.py probe`, "
        "which constructs the provider and calls `get_credentials()` once); the time is from "
        "just before the first call (Python: before constructing the provider, after the "
        "imports) to the first credential. Metadata requests are the mock's "
        "`/_mock/counters`, reset before each run. One `ecscred mock-metadata --mode normal` "
        "(token optional) and one `--mode hardened` (a GET without a token gets 403).",
        "",
        table(("client", "role", "mock mode", "median time to first credential",
               "metadata requests", "token PUTs / role GETs / credential GETs", "runs"), rows,
              align="llllrrr"),
        "",
        "oss2 never asks for a metadata token, so it cannot work on an instance in hardened "
        "mode. alibabacloud-credentials asks for a new token before every GET and does not "
        "trim the discovered role name (the service answers it with a trailing newline), so "
        "its role discovery asks for `EcsRamRoleTest\\n` and gets 404 (403 from the hardened "
        "mock, where its last resort is a request without a token).",
    ])


# ---- footprint -----------------------------------------------------------------------------

def section_footprint(ctx: Ctx, cold: Dict[Tuple[str, str, str], List[Dict[str, Any]]]) -> str:
    lib = (ctx.prefix / "lib" / "libecscred.so").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        stripped = Path(tmp) / "libecscred.so"
        subprocess.run(["strip", "--strip-all", "-o", str(stripped), str(lib)], check=True)
        stripped_size = stripped.stat().st_size
        log("footprint: maturin build --release (the wheel)")
        wheel_dir = Path(tmp) / "wheel"
        maturin = Path(ctx.python).parent / "maturin"
        proc = subprocess.run([str(maturin), "build", "--release", "-m",
                               str(ROOT / "python" / "Cargo.toml"), "-o", str(wheel_dir)],
                              cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        (ctx.logs / "wheel.log").write_text(proc.stdout)
        wheels = list(wheel_dir.glob("*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            raise RuntimeError(f"maturin build failed:\n{proc.stdout[-3000:]}")
        wheel_name, wheel_size = wheels[0].name, wheels[0].stat().st_size
    static = (ctx.prefix / "lib" / "libecscred.a").stat().st_size
    mb = 1024 * 1024
    ok_size = stripped_size <= 3 * mb
    ctx.target_row("stripped libecscred.so ≤ 3 MB", f"{stripped_size / mb:.2f} MiB", ok_size)

    rows = []
    threads_added: Dict[str, List[int]] = {}
    for surface, label in COLD_SURFACES:
        rs = [r for r in cold.get((surface, "explicit", "normal"), []) if not r["error"]]
        if not rs:
            continue
        added = [r["threads_settled"] - r["threads_before"] for r in rs]
        threads_added[surface] = added
        names = ", ".join(f"`{n}`" for n in rs[-1]["thread_names"].split(",")[1:]) or "—"
        rows.append((label, f"{median(added):.0f}" + (f" ({min(added)}–{max(added)})"
                                                      if min(added) != max(added) else ""),
                     names,
                     f"{median([(r['rss_settled_kib'] - r['rss_before_kib']) for r in rs]):,.0f} "
                     "KiB",
                     f"{median([r['rss_before_kib'] for r in rs]) / 1024:,.1f} MiB", len(rs)))
    c_threads = max(threads_added.get("c", [99]))
    py_threads = max(threads_added.get("ecscred", [99]))
    ctx.target_row("≤ 1 background thread", f"C: {c_threads} added; Python: {py_threads} added",
                   c_threads <= 1 and py_threads <= 1,
                   "" if py_threads <= 1 else "C met; Python adds a log-delivery thread too")
    return "\n".join([
        "## Footprint",
        "",
        "Command: `make bench-report BENCH_ONLY=cold,footprint`.",
        "",
        table(("artifact", "size"), [
            ("libecscred.so, stripped (`strip --strip-all` of a copy)",
             f"{stripped_size / mb:.2f} MiB ({stripped_size:,} bytes)"),
            ("libecscred.so as installed", f"{lib.stat().st_size / mb:.2f} MiB"),
            ("libecscred.a", f"{static / mb:.2f} MiB"),
            (f"Python wheel (`maturin build --release`: `{wheel_name}`)",
             f"{wheel_size / mb:.2f} MiB ({wheel_size:,} bytes)"),
        ], align="lr"),
        "",
        f"Target stripped .so ≤ 3 MB: {verdict(ok_size)}.",
        "",
        "Threads and resident memory a process gains from its first credential: the cold-start "
        "runs above with an explicit role on the normal-mode mock, fresh processes, counting "
        "`/proc/self/task` and reading `VmRSS` from `/proc/self/status` just before the first "
        "call (Python: after the imports, before constructing the provider) and 500 ms after "
        "it returned.",
        "",
        table(("process", "threads added", "threads added (names)", "VmRSS added",
               "VmRSS before", "runs"), rows, align="lrlrrr"),
        "",
        f"Target ≤ 1 background thread: C {verdict(c_threads <= 1)} ({c_threads}); Python "
        f"{verdict(py_threads <= 1)} ({py_threads}: the refresh thread and the thread that "
        "delivers the engine's log events to `logging` without taking the GIL on the refresh "
        "thread)." if py_threads > 1 else
        f"Target ≤ 1 background thread: C {verdict(c_threads <= 1)}, Python "
        f"{verdict(py_threads <= 1)}.",
    ])


# ---- header and main -----------------------------------------------------------------------

# ---- dist ---------------------------------------------------------------------------------

def section_dist(ctx: Ctx) -> str:
    """`make dist` from an empty cargo target dir (as CI on a fresh machine), timed, and the
    size of every artifact it writes."""
    with tempfile.TemporaryDirectory() as tmp:
        out, target = Path(tmp) / "dist", Path(tmp) / "target"
        log("dist: make dist from an empty target dir")
        load_before = Path("/proc/loadavg").read_text().split()[0]
        started = time.monotonic()
        proc = subprocess.run(["make", "--no-print-directory", "dist", f"DIST_DIR={out}"],
                              cwd=ROOT, env=clean_env(CARGO_TARGET_DIR=str(target)),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wall = time.monotonic() - started
        load_after = Path("/proc/loadavg").read_text().split()[0]
        (ctx.logs / "dist.log").write_text(proc.stdout)
        if proc.returncode != 0:
            raise RuntimeError(f"make dist failed:\n{proc.stdout[-3000:]}")
        sizes = {str(f.relative_to(out)): f.stat().st_size for f in sorted(out.rglob("*"))
                 if f.is_file() and f.name.endswith((".whl", ".tar.gz", ".a"))}
        # packaging/dist.sh builds the C library in dist-lib/ of the target dir.
        build = target / "dist-lib"
        unstripped = {t: (build / t / "release" / "libecscred.a").stat().st_size
                      for t in ("x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu")
                      if (build / t / "release" / "libecscred.a").exists()}
    ctx.raw["dist"] = {"wall_s": wall, "sizes": sizes, "unstripped_archives": unstripped}
    mb = 1024 * 1024
    rows = [(f"`dist/{name}`", f"{size / mb:.2f} MiB ({size:,} bytes)")
            for name, size in sizes.items()]
    before = ", ".join(f"{t.split('-')[0]} {size / mb:.2f} MiB"
                       for t, size in unstripped.items())
    return "\n".join([
        "## Distribution (`make dist`)",
        "",
        "Command: `make bench-report BENCH_ONLY=dist`: `make dist` (x86_64 and aarch64, "
        "zig-linked against glibc 2.17) with an empty `CARGO_TARGET_DIR`, so every crate is "
        "compiled for both architectures, as in CI on a fresh machine.",
        "",
        f"Wall time of `make dist`: **{wall / 60:.1f} min** ({wall:.0f} s) on this machine "
        f"(1-min load average {load_before} at the start, {load_after} at the end: other "
        "builds share the 2 cores).",
        "",
        table(("artifact", "size"), rows, align="lr"),
        "",
        f"The archives are stripped of debug info (`strip --strip-debug`); before: {before}.",
    ])


def machine() -> Dict[str, str]:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"

    def cmd(*args: str) -> str:
        try:
            return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True).stdout.splitlines()[0].strip()
        except (OSError, IndexError):
            return "?"
    mem = first("/proc/meminfo", "MemTotal")
    try:
        mem = f"{int(mem.split()[0]) / 1024 / 1024:.1f} GiB"
    except ValueError:
        pass
    commit = cmd("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                           stdout=subprocess.PIPE, text=True).stdout.strip()
    return {
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "mem": mem,
        "kernel": f"{platform.system()} {platform.release()}",
        "rustc": cmd("rustc", "--version"),
        "go": cmd(os.environ.get("GO", "go"), "version"),
        "gcc": cmd(os.environ.get("CC", "gcc"), "--version"),
        "commit": commit + (" with uncommitted changes" if dirty else ""),
        "load": Path("/proc/loadavg").read_text().split()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=None,
                        help="write the report here (default: stdout, or BENCHMARKS.md when "
                             "every section runs)")
    parser.add_argument("--only", default="", help=f"comma-separated: {', '.join(SECTIONS)}")
    parser.add_argument("--target-dir", default=str(ROOT / "target"))
    parser.add_argument("--prefix", default=str(ROOT / "target" / "bench-prefix"),
                        help="an install of libecscred (make install PREFIX=...)")
    parser.add_argument("--go-prefix", default=str(ROOT / "target" / "go-prefix"))
    parser.add_argument("--rollover-runs", type=int, default=3)
    parser.add_argument("--cold-runs", type=int, default=7, help="fresh C processes per case")
    parser.add_argument("--cold-runs-python", type=int, default=5,
                        help="fresh Python processes per case")
    parser.add_argument("--no-alibabacloud-scaled", dest="alibabacloud_scaled",
                        action="store_false")
    args = parser.parse_args()
    only = [s for s in args.only.split(",") if s] or list(SECTIONS)
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    out = args.out or (str(ROOT / "BENCHMARKS.md") if len(only) == len(SECTIONS) else "-")

    isolation = enter_loopback_netns()  # re-executes this script unless already isolated
    ctx = Ctx(args)
    started = time.monotonic()
    info = machine()
    log(f"isolation: {isolation}")
    build_c(ctx)

    parts: Dict[str, str] = {}
    cold: Dict[Tuple[str, str, str], List[Dict[str, Any]]] = {}
    steps: List[Tuple[str, Callable[[], str]]] = [
        ("rust", lambda: section_rust(ctx)),
        ("c", lambda: section_c(ctx)),
        ("python-warm", lambda: section_python_warm(ctx)),
        ("go", lambda: section_go(ctx)),
        ("openapi", lambda: section_openapi(ctx)),
        ("cpp", lambda: section_cpp(ctx)),
        ("oidc", lambda: section_oidc(ctx)),
        ("dist", lambda: section_dist(ctx)),
    ]
    for name, fn in steps:
        if name in only:
            t = time.monotonic()
            parts[name] = fn()
            ctx.timings[name] = time.monotonic() - t
    if "cold" in only or "footprint" in only:
        t = time.monotonic()
        cold = cold_runs(ctx)
        if "cold" in only:
            parts["cold"] = section_cold(ctx, cold)
        ctx.timings["cold"] = time.monotonic() - t
    if "footprint" in only:
        t = time.monotonic()
        parts["footprint"] = section_footprint(ctx, cold)
        ctx.timings["footprint"] = time.monotonic() - t
    if "rollover" in only:
        t = time.monotonic()
        parts["rollover"] = section_rollover(ctx)
        ctx.timings["rollover"] = time.monotonic() - t
    if "outage" in only:
        t = time.monotonic()
        parts["outage"] = section_outage(ctx)
        ctx.timings["outage"] = time.monotonic() - t

    (ctx.work / "results.json").write_text(json.dumps(ctx.raw, indent=1, default=str))
    elapsed = time.monotonic() - started
    now = datetime.datetime.now(datetime.timezone.utc)
    head = [
        "# Benchmarks",
        "",
        "<!-- Generated by bench/report.py (`make bench`); edit that script, not this file. -->",
        "",
        f"Generated {now:%Y-%m-%d %H:%M} UTC by `make bench` (`bench/report.py`) in "
        f"{elapsed / 60:.1f} min, at commit {info['commit']}.",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['mem']} RAM, {info['kernel']} "
        f"(a shared VM: other builds may run while measuring; 1-min load average "
        f"{info['load']} at the start, {Path('/proc/loadavg').read_text().split()[0]} at the "
        f"end). {info['rustc']}; {info['go']}; {info['gcc']}; "
        f"{python_versions(ctx)}.",
        "",
        f"Isolation: {isolation}; every mock is `ecscred mock-metadata` on 127.0.0.1 (port 0), "
        "the incumbents are pointed at it through their URL/host settings, and every Python "
        "process refuses non-loopback connects. No figure here is asserted by `make test`.",
        "",
        "Sections run: " + ", ".join(f"{k} {v:.0f} s" for k, v in ctx.timings.items()) + ".",
        "",
    ]
    if ctx.targets:
        head += ["## Targets", "", table(("target", "measured", "verdict"), ctx.targets,
                                         align="lll"), ""]
    body = [parts[s] + "\n" for s in SECTIONS if s in parts]
    text = "\n".join(head + body).rstrip() + "\n"
    # The test loop's section is measured by scripts/time-make-test.sh, outside the
    # loopback-only namespace (make test installs packages): carried over as it stands.
    previous = ROOT / "BENCHMARKS.md"
    if out != "-" and previous.exists() and TESTLOOP_HEADING in previous.read_text():
        text += "\n" + TESTLOOP_HEADING + previous.read_text().split(TESTLOOP_HEADING, 1)[1]
    if out == "-":
        sys.stdout.write(text)
    else:
        Path(out).write_text(text)
        log(f"wrote {out}")
    log(f"done in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
