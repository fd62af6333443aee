"""`make soak`: ecscred under rotation, faults, threads and forks for a bounded time.

    make soak                         # 10 minutes
    make soak SOAK_SECONDS=120
    .venv/bin/python bench/soak.py --seconds 120 [--seed N]

One ``ecscred mock-metadata --lifetime 60 --rotate-before 5`` on 127.0.0.1 (a credential
rotates every 55 s). 16 threads get credentials all the time: 8 in a Python process
(bench/soak_worker.py) and 8 in a C program (bench/c/soak.c), each half through the
process-wide provider (role discovered) and half through an explicit provider; both
processes fork a child every few seconds that gets one credential and exits. Meanwhile
this driver injects random faults through the admin endpoint (HTTP 500/503/429, delays
beyond the read timeout, dropped connections, malformed JSON, ``Code`` not ``Success``,
already-expired credentials, token-path failures, metadata-token expiry), each for a few
seconds, cleared in between so that the service is healthy most of the time; some are
placed over a credential's refresh window so that credentials expire during a fault.

Every credential handed out is checked by the workers against the mock's
``/_mock/credentials``: not expired when the call returned, and id, secret and token of one
issued credential (no torn snapshot); the driver also checks that no credential outside
the rotation series (a fault's one-off) was ever handed out. Every error is classified:
*explained* when a fault was active at that time (allowing the 5 s fetch timeout after it
was cleared), or when the thread's cached credential had expired during a fault window,
or during the refresh backoff that a fault started (at most 60 s after it, reported
separately); otherwise *unexplained*. Last, everything captured (ecscred's DEBUG logs of
both processes, error texts, all output, the mock's output) is scanned for every secret
and token the mock issued.

Exit status 0 only with 0 expired, 0 torn, 0 one-offs, 0 unexplained errors, 0 hung or
crashed children, no leak and no non-loopback connect attempt.
"""

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (BENCH, ROLE, ROOT, Mock, clean_env, enter_loopback_netns,  # noqa: E402
                      stop_pid)

LIFETIME, ROTATE_BEFORE = 60, 5
FETCH_TIMEOUT = 5.0  # ecscred's default: a fetch can fail this long after a fault was cleared
MAX_BACKOFF = 60.0  # ecscred's longest wait between refresh attempts
SLACK = 0.5


def say(msg: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _utc(text: str) -> int:
    import calendar
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


# ---- faults --------------------------------------------------------------------------------

def random_fault(rng: random.Random) -> Dict[str, Any]:
    choices: List[Tuple[int, Dict[str, Any]]] = [
        (4, {"kind": "status", "status": 500, "target": "credential"}),
        (2, {"kind": "status", "status": 503, "target": "any"}),
        (1, {"kind": "status", "status": 429, "target": "credential"}),
        (3, {"kind": "delay", "ms": rng.choice([400, 900, 1500, 2500]), "target": "credential"}),
        (1, {"kind": "delay", "ms": rng.choice([300, 1200]), "target": "token"}),
        (3, {"kind": "drop", "target": "credential"}),
        (1, {"kind": "drop", "target": "any"}),
        (2, {"kind": "malformed_json", "target": "credential"}),
        (1, {"kind": "code", "code": "Failure", "target": "credential"}),
        (1, {"kind": "expired", "target": "credential"}),
        (1, {"kind": "status", "status": 500, "target": "token"}),
        (1, {"kind": "status", "status": 500, "target": "role"}),
        (2, {"kind": "token_expiry"}),
    ]
    total = sum(w for w, _ in choices)
    pick = rng.uniform(0, total)
    for w, fault in choices:
        pick -= w
        if pick <= 0:
            return fault
    return choices[0][1]


class Injector(threading.Thread):
    """Arms a random fault for 1–8 s, clears it, waits 6–20 s; about half the credential
    expiries get a fault placed over their refresh window. Records every window."""

    def __init__(self, mock: Mock, rng: random.Random, until: float, rotation: "Rotation"):
        super().__init__(daemon=True)
        self.mock, self.rng, self.until, self.rotation = mock, rng, until, rotation
        self.windows: List[Dict[str, Any]] = []
        self.targeted: set = set()
        self.stop = threading.Event()

    def sleep_until(self, t: float) -> bool:
        while time.time() < t:
            if self.stop.wait(min(0.2, max(0.0, t - time.time()))):
                return False
        return True

    def run(self) -> None:
        rng = self.rng
        while not self.stop.is_set():
            now = time.time()
            start, length, aimed = now + rng.uniform(6, 20), rng.uniform(1, 8), False
            upcoming = [e for e in self.rotation.expirations() if e > now + 3]
            if upcoming:
                nxt = min(upcoming)
                if nxt not in self.targeted and start > nxt - 8:
                    self.targeted.add(nxt)
                    if rng.random() < 0.5:
                        # Over the refresh window (the last 5 s), often past the expiry.
                        start, length, aimed = nxt - rng.uniform(2, 6), rng.uniform(4, 10), True
            start = max(start, now)
            if start + length > self.until:
                return
            if not self.sleep_until(start):
                return
            fault = random_fault(rng)
            t0 = time.time()
            if fault["kind"] == "token_expiry":
                self.mock.admin("POST", "/_mock/tokens/expire", {})
                t1 = time.time()
                self.windows.append({"start": t0, "end": t1, "fault": fault, "aimed": aimed})
                say(f"fault: metadata tokens expired")
                continue
            self.mock.fault(fault)
            say(f"fault: {json.dumps(fault, separators=(',', ':'))} for {length:.1f} s"
                + (" (over a refresh window)" if aimed else ""))
            self.sleep_until(t0 + length)
            self.mock.clear_faults()
            self.windows.append({"start": t0, "end": time.time(), "fault": fault,
                                 "aimed": aimed})

    def finish(self) -> None:
        self.stop.set()
        self.join(timeout=30)
        self.mock.clear_faults()


class Rotation(threading.Thread):
    """Polls /_mock/credential/current: the credentials of the rotation series."""

    def __init__(self, mock: Mock) -> None:
        super().__init__(daemon=True)
        self.mock = mock
        self.ids: Dict[str, int] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.poll()

    def poll(self) -> None:
        c = self.mock.current()
        with self.lock:
            self.ids.setdefault(c["access_key_id"], _utc(c["expiration"]))

    def expirations(self) -> List[int]:
        with self.lock:
            return list(self.ids.values())

    def run(self) -> None:
        while not self.stop.wait(0.5):
            try:
                self.poll()
            except OSError:
                pass


# ---- analysis ------------------------------------------------------------------------------

def classify(t: float, last_good_exp: float, windows: List[Dict[str, Any]]) -> Tuple[str, float]:
    """(category, seconds since the last fault was cleared, 0 if one was active) of an error
    at wall time t whose thread's last good credential expired at last_good_exp (0: it
    never had one)."""
    ended = [w["end"] for w in windows if w["end"] <= t]
    active = any(w["start"] - SLACK <= t <= w["end"] for w in windows)
    after = 0.0 if active or not ended else t - max(ended)
    for w in windows:
        if w["start"] - SLACK <= t <= w["end"] + FETCH_TIMEOUT + 1:
            return "during a fault (or its last fetch, ≤ 5 s after)", after
    expired = last_good_exp and t + 1 >= last_good_exp
    if expired:
        for w in windows:
            if w["start"] - SLACK <= last_good_exp <= w["end"] + FETCH_TIMEOUT + 1:
                return "cached credential expired during a fault window", after
        for w in windows:
            # The refresh window [exp - 5 s, exp] met a fault, whose backoff outlasted it.
            if w["start"] - SLACK <= last_good_exp and \
                    last_good_exp - ROTATE_BEFORE <= w["end"] + FETCH_TIMEOUT + 1 and \
                    t <= w["end"] + MAX_BACKOFF + FETCH_TIMEOUT + 1:
                return "cached credential expired in the refresh backoff after a fault", after
    return "unexplained", after


def scan_for_secrets(paths: List[Path], secrets: List[str]) -> Tuple[int, List[str]]:
    needles = [s.encode() for s in secrets if s]
    scanned = 0
    hits = []
    for p in paths:
        if not p.exists():
            continue
        data = p.read_bytes()
        scanned += len(data)
        for n in needles:
            if n in data:
                hits.append(p.name)
                break
    return scanned, hits


def log_levels(path: Path) -> Dict[str, int]:
    counts: Dict[str, int] = collections.Counter()
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            parts = line.split(" ", 3)
            if len(parts) >= 3:
                counts[parts[2]] += 1
    return dict(counts)


def main() -> int:
    parser = argparse.ArgumentParser(description="ecscred soak test")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--target-dir", default=str(ROOT / "target"))
    parser.add_argument("--threads", type=int, default=8, help="per process (Python, C)")
    parser.add_argument("--fork-every", type=float, default=3.0, help="seconds")
    args = parser.parse_args()
    if args.seconds < 20:
        parser.error("--seconds must be at least 20")
    isolation = enter_loopback_netns()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    target = Path(args.target_dir).resolve()
    work = target / "bench" / "soak"
    work.mkdir(parents=True, exist_ok=True)
    for old in work.iterdir():
        old.unlink()
    ecscred_bin = target / "release" / "ecscred"
    c_soak = target / "bench" / "bin" / "soak"
    if not c_soak.exists():
        raise SystemExit(f"{c_soak} is missing: run `make soak` (it builds it)")
    say(f"{args.seconds:.0f} s, seed {seed}, {args.threads} Python + {args.threads} C threads, "
        f"a fork every {args.fork_every:.0f} s in each process; {isolation}")
    started_mono = time.monotonic()

    mock = Mock(ecscred_bin, ["--lifetime", str(LIFETIME), "--rotate-before", str(ROTATE_BEFORE)],
                work, "mock")
    procs: List[Tuple[str, "subprocess.Popen[Any]", Any, Any]] = []
    injector: Optional[Injector] = None
    rotation = Rotation(mock)
    try:
        rotation.start()
        env = clean_env(ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=mock.url)
        fork_ms = str(int(args.fork_every * 1000))
        for name, cmd in (
            ("py", [sys.executable, str(BENCH / "soak_worker.py"), mock.url, ROLE,
                    str(args.threads), str(args.seconds), fork_ms, str(work / "py.log"),
                    str(work / "py.events")]),
            ("c", [str(c_soak), mock.url, ROLE, str(args.threads), str(args.seconds), fork_ms,
                   str(work / "c.log"), str(work / "c.events")]),
        ):
            out = open(work / f"{name}.stdout", "w")
            err = open(work / f"{name}.stderr", "w")
            procs.append((name, subprocess.Popen(cmd, stdout=out, stderr=err,
                                                 stdin=subprocess.DEVNULL, env=env), out, err))
        # Faults start after a healthy first fetch and end 10 s before the workers stop.
        injector = Injector(mock, rng, time.time() + args.seconds - 10, rotation)
        injector.start()
        deadline = time.monotonic() + args.seconds + 120
        next_progress = time.monotonic() + 60
        while any(p.poll() is None for _, p, _, _ in procs) and time.monotonic() < deadline:
            time.sleep(0.5)
            if time.monotonic() >= next_progress:
                next_progress += 60
                c = mock.counters()
                say(f"{time.monotonic() - started_mono:.0f} s: {c['credential_gets']} "
                    f"credential GETs, {len(rotation.ids) - 1} rotations so far")
        injector.finish()
        rotation.stop.set()
        rotation.poll()
        for name, p, out, err in procs:
            if p.poll() is None:
                say(f"{name} worker did not finish in time: stopping it")
                stop_pid(p)
            out.close()
            err.close()
        counters = mock.counters()
        issued = mock.credentials()
        tokens = mock.tokens()
    finally:
        if injector is not None:
            injector.stop.set()
        for _, p, _, _ in procs:
            stop_pid(p)
        mock.stop()

    # ---- results ----
    failures: List[str] = []
    summaries: Dict[str, Dict[str, Any]] = {}
    for name, p, _, _ in procs:
        lines = [l for l in (work / f"{name}.stdout").read_text().splitlines()
                 if l.startswith("{")]
        if p.returncode != 0 or not lines:
            failures.append(f"{name} worker exited with {p.returncode}: "
                            f"{(work / f'{name}.stderr').read_text()[-1000:]}")
            continue
        summaries[name] = json.loads(lines[-1])
    windows = injector.windows if injector else []
    events: List[Dict[str, Any]] = []
    for name in ("py", "c"):
        path = work / f"{name}.events"
        if path.exists():
            events += [json.loads(l) for l in path.read_text().splitlines() if l.strip()]

    # Errors: from the callers (aggregated per second) and from forked children.
    categories: Dict[str, int] = collections.Counter()
    by_kind: Dict[Tuple[str, str, str], int] = collections.Counter()
    max_after_fault = 0.0
    unexplained: List[Dict[str, Any]] = []
    for e in events:
        if e["type"] == "error":
            t, n = e["sec"] + 0.5, e["count"]
        elif e["type"] == "child" and e.get("verdict") == "error":
            t, n = e["t"], 1
        else:
            continue
        cat, after = classify(t, e.get("last_good_exp", 0), windows)
        categories[cat] += n
        by_kind[(e["src"], e["kind"], cat)] += n
        if cat != "unexplained":
            max_after_fault = max(max_after_fault, after)
        else:
            unexplained.append(e)
    # Messages, grouped when they differ only in numbers ("next attempt in 1538 ms").
    texts: Dict[Tuple[str, str, str], int] = collections.Counter()
    for e in events:
        if e["type"] == "error_text" or (e["type"] == "child" and e.get("text")):
            texts[(e["src"], e["kind"], re.sub(r"[0-9]+", "N", e["text"]))] += 1

    rotation_ids = set(rotation.ids)
    handed_ids = set()
    for s in summaries.values():
        handed_ids.update(s.get("ids", []))
    one_offs = sorted(handed_ids - rotation_ids)
    rotations = max(0, len(rotation_ids) - 1)
    total: Dict[str, int] = collections.Counter()
    for s in summaries.values():
        for k in ("calls", "ok", "errors", "expired", "torn", "forks", "children_ok",
                  "children_failed", "children_hung", "children_crashed"):
            total[k] += s.get(k, 0)
    refused = sum(s.get("refused_connects", 0) for s in summaries.values())
    fault_time = sum(w["end"] - w["start"] for w in windows)
    elapsed = time.monotonic() - started_mono

    report: List[str] = []
    w = report.append
    w(f"soak: {args.seconds:.0f} s (ran {elapsed:.0f} s), seed {seed}")
    for name in ("py", "c"):
        got = summaries.get(name)
        if got:
            w(f"  {'Python' if name == 'py' else 'C':6} {got['threads']} threads: "
              f"{got['calls']:,} calls, {got['ok']:,} good, {got['errors']:,} errors, "
              f"{got['expired']} expired, {got['torn']} torn (latest hand-out past expiry: "
              f"{got['max_past_expiry_ms']:.3f} ms); forks {got['forks']}: "
              f"{got['children_ok']} ok, {got['children_failed']} failed, "
              f"{got['children_hung']} hung, {got['children_crashed']} crashed")
    w(f"  total: {total['calls']:,} calls, {total['errors']:,} errors, {total['expired']} "
      f"expired handed out, {total['torn']} torn, {len(one_offs)} fault one-off credentials "
      f"handed out")
    w(f"  faults: {len(windows)} injected, active {fault_time:.0f} s of {args.seconds:.0f} s "
      f"({100 * fault_time / args.seconds:.0f}%), {sum(1 for x in windows if x['aimed'])} "
      f"placed over a refresh window; kinds: " + ", ".join(
          f"{k} ×{n}" for k, n in collections.Counter(
              x["fault"]["kind"] + (f" {x['fault'].get('status')}" if "status" in x["fault"]
                                    else "") + (f"/{x['fault']['target']}"
                                                if "target" in x["fault"] else "")
              for x in windows).most_common()))
    w(f"  metadata: {counters['credential_gets']} credential GETs, {counters['role_gets']} role "
      f"GETs, {counters['token_puts']} token PUTs, {counters['requests']} requests in all, "
      f"for {rotations} rotations (+ the first credential) served to 4 providers (2 per "
      f"process) and their forked children: without faults that would be "
      f"{4 * (rotations + 1)} credential GETs, one per provider per credential (the rest are "
      f"retries during faults); peak {counters['max_concurrent']} concurrent requests")
    w(f"  errors by kind (each classified):")
    if not by_kind:
        w("    none")
    for (src, kind, cat), n in sorted(by_kind.items()):
        w(f"    {'Python' if src == 'py' else 'C':6} {kind:18} {n:>9,}  {cat}")
    if max_after_fault:
        w(f"  latest error after the faults were cleared (the refresh backoff of a failed "
          f"fetch): {max_after_fault:.1f} s after")
    w(f"  distinct error messages ({len(texts)}, numbers shown as N; every variant is in "
      f"{work.relative_to(ROOT)}/*.events):")
    for (src, kind, text), n in sorted(texts.items())[:30]:
        w(f"    [{'Python' if src == 'py' else 'C'}, {kind}] {text}")
    if len(texts) > 30:
        w(f"    … {len(texts) - 30} more")

    secrets = [c["access_key_secret"] for c in issued] + [c["security_token"] for c in issued] \
        + list(tokens)
    levels = {name: log_levels(work / f"{name}.log") for name in ("py", "c")}
    w("  logs captured: " + "; ".join(
        f"{'Python' if n == 'py' else 'C'} " + (", ".join(f"{k} {v}" for k, v in
                                                          sorted(lv.items())) or "none")
        for n, lv in levels.items()))

    if total["expired"]:
        failures.append(f"{total['expired']} expired credentials handed out")
    if total["torn"]:
        failures.append(f"{total['torn']} torn credentials handed out")
    if one_offs:
        failures.append(f"{len(one_offs)} credentials from fault answers (not the rotation "
                        f"series) handed out: {', '.join(one_offs)}")
    if categories.get("unexplained"):
        first = unexplained[0]
        failures.append(f"{categories['unexplained']} unexplained errors, e.g. {first}")
    if total["children_hung"] or total["children_crashed"]:
        failures.append(f"{total['children_hung']} hung and {total['children_crashed']} crashed "
                        "forked children")
    if refused:
        failures.append(f"{refused} non-loopback connects attempted (refused)")
    if rotations < 1:
        failures.append("no rotation happened (run longer than 60 s)")

    summary_path = work / "summary.txt"
    summary_path.write_text("\n".join(report) + "\n")
    captured = sorted(p for p in work.iterdir() if p.is_file())
    scanned, hits = scan_for_secrets(captured, secrets)
    line = (f"  leak scan: {len(captured)} files, {scanned:,} bytes (DEBUG logs, error texts, "
            f"events, all output, the mock's output) against {len(secrets)} secrets and tokens "
            f"the mock issued: " + (f"FOUND in {', '.join(sorted(set(hits)))}" if hits
                                    else "none found"))
    report.append(line)
    if hits:
        failures.append(f"secrets found in {', '.join(sorted(set(hits)))}")
    for l in report:
        print(l)
    if failures:
        print("soak: FAILED")
        for f in failures:
            print(f"  - {f}")
        return 1
    print(f"soak: PASSED (0 expired, 0 torn, 0 unexplained errors, no leak) in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
