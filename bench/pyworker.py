"""One Python measurement in a fresh process, for bench/report.py. Prints one JSON object.

    pyworker.py warm     --provider P --url URL [--rounds R] [--number N]
    pyworker.py rollover --provider P --url URL [--threads T] [--after S]
    pyworker.py probe    --provider P --url URL [--role ROLE]   ('' → discovered)
    pyworker.py outage   --provider P --url URL [--threads T] [--after S] [--lifetime L]

P is ``ecscred`` (ecscred.EcsRamRoleCredentialsProvider), ``oss2``
(oss2.credentials.EcsRamRoleCredentialsProvider) or ``alibabacloud``
(alibabacloud_credentials' EcsRamRoleCredentialsProvider), each pointed at the mock at URL;
``alibabacloud-scaled`` is the latter with its fixed 15 min / 1 h refresh constants scaled
to the credential's lifetime (for the rollover with short credentials).

The connect guard (bench/guard.py) is installed before any SDK is imported: a connect to
anything but loopback raises, and the result reports how many were refused.
"""

import guard  # noqa: F401  (first: before any SDK)

import argparse
import collections
import json
import logging
import statistics
import sys
import threading
import time
import timeit
from typing import Any, Callable, Dict, List, Optional, Tuple

from benchlib import ROLE, admin, check_loopback, run_callers


def _utc(text: str) -> int:
    import calendar
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def make_provider(kind: str, url: str, role: Optional[str], lifetime: float = 21600) -> Any:
    check_loopback(url)
    if kind == "ecscred":
        import ecscred
        return ecscred.EcsRamRoleCredentialsProvider(role, endpoint=url)
    if kind == "oss2":
        import oss2.credentials
        if not role:
            raise ValueError("oss2's provider needs the role in its URL (no discovery)")
        return oss2.credentials.EcsRamRoleCredentialsProvider(
            f"{url}/latest/meta-data/ram/security-credentials/{role}")
    if kind in ("alibabacloud", "alibabacloud-scaled"):
        from alibabacloud_credentials.provider import refreshable
        from alibabacloud_credentials.provider.ecs_ram_role import EcsRamRoleCredentialsProvider
        # Its warnings (one per refresh with short credentials) go to its own stderr handler.
        logging.getLogger("credentials").setLevel(logging.ERROR)
        provider = EcsRamRoleCredentialsProvider(role_name=role or None)
        # Its host is a private constant (100.100.100.200): point it at the mock before use.
        provider._EcsRamRoleCredentialsProvider__metadata_service_host = url.split("://", 1)[1]
        if kind == "alibabacloud-scaled":
            # 15 min stale / 1 h prefetch of a 6 h credential, scaled to `lifetime`.
            stale = lifetime * 900 / 21600
            prefetch = lifetime * 3600 / 21600
            refreshable.RefreshCachedSupplier.STALE_TIME = max(1, round(stale))
            provider._get_stale_time = lambda exp: int(exp - stale)
            provider._get_prefetch_time = lambda exp: int(time.time() + prefetch)
        return provider
    raise ValueError(f"unknown provider {kind!r}")


def triple(c: Any) -> Tuple[str, str, str]:
    return c.get_access_key_id(), c.get_access_key_secret(), c.get_security_token()


def warm(args: argparse.Namespace) -> Dict[str, Any]:
    provider = make_provider(args.provider, args.url, ROLE)
    first = provider.get_credentials()
    current = admin(args.url, "GET", "/_mock/credential/current")
    assert first.get_access_key_id() == current["access_key_id"], "not the mock's credential"
    gets = admin(args.url, "GET", "/_mock/counters")["credential_gets"]
    get = provider.get_credentials

    def with_getters() -> None:
        c = get()
        c.get_access_key_id(), c.get_access_key_secret(), c.get_security_token()

    out: Dict[str, Any] = {"rounds": args.rounds, "number": args.number}
    for name, fn in (("get", get), ("get_and_getters", with_getters)):
        fn()
        times = timeit.Timer(fn).repeat(repeat=args.rounds, number=args.number)
        ns = [t / args.number * 1e9 for t in times]
        out[name] = {"median_ns": statistics.median(ns), "min_ns": min(ns), "max_ns": max(ns)}
    after = admin(args.url, "GET", "/_mock/counters")["credential_gets"]
    out["fetches_during_warm_loops"] = after - gets
    out["first_fetch_seen_by_mock"] = gets >= 1
    return out


def rollover(args: argparse.Namespace) -> Dict[str, Any]:
    lifetime = float(args.lifetime)
    provider = make_provider(args.provider, args.url, ROLE, lifetime)
    first_id = provider.get_credentials().get_access_key_id()
    issued = {c["access_key_id"]: c for c in admin(args.url, "GET", "/_mock/credentials")}
    expires = _utc(issued[first_id]["expiration"])
    admin(args.url, "POST", "/_mock/counters/reset", {})

    stop = threading.Event()
    worst = [0.0] * args.threads
    slow = [0] * args.threads
    calls = [0] * args.threads
    errors: List[str] = []
    # (id, secret, token, wall-clock second at return) → calls, one Counter per thread.
    seen = [collections.Counter() for _ in range(args.threads)]  # type: List[collections.Counter]

    def caller(i: int) -> None:
        mine = seen[i]
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                c = provider.get_credentials()
            except Exception as e:  # counted, reported by class
                errors.append(type(e).__name__)
                c = None
            waited = time.perf_counter() - t0
            now = time.time()
            if waited > worst[i]:
                worst[i] = waited
            if waited > 0.001:
                slow[i] += 1
            calls[i] += 1
            if c is not None:
                mine[triple(c) + (int(now),)] += 1
            time.sleep(0.001)

    started = time.time()
    stuck = run_callers(args.threads, caller, expires + args.after, stop)
    counters = admin(args.url, "GET", "/_mock/counters")
    issued_list = admin(args.url, "GET", "/_mock/credentials")
    by_triple = {(c["access_key_id"], c["access_key_secret"], c["security_token"]):
                 _utc(c["expiration"]) for c in issued_list}
    torn = expired = 0
    distinct = set()
    for counter in seen:
        for (kid, secret, token, sec), n in counter.items():
            distinct.add((kid, secret, token))
            exp = by_triple.get((kid, secret, token))
            if exp is None:
                torn += n
            elif sec >= exp:
                expired += n
    return {
        "threads": args.threads, "calls": sum(calls), "errors": len(errors),
        "error_kinds": dict(collections.Counter(errors)),
        "worst_wait_ms": max(worst) * 1000, "calls_over_1ms": sum(slow),
        "torn": torn, "expired": expired, "distinct_snapshots": len(distinct),
        "rotated": any(k[0] != first_id for k in distinct), "stuck_threads": stuck,
        "credential_gets": counters["credential_gets"], "token_puts": counters["token_puts"],
        "role_gets": counters["role_gets"], "requests": counters["requests"],
        "max_concurrent": counters["max_concurrent"], "seconds": time.time() - started,
    }


def outage(args: argparse.Namespace) -> Dict[str, Any]:
    """The metadata service hangs (every credential GET delayed past the read timeout) from
    just after the first fetch: callers run through the refresh and mandatory windows into
    expiry. Reports how long calls that got the cached credential waited."""
    lifetime = float(args.lifetime)
    provider = make_provider(args.provider, args.url, ROLE, lifetime)
    first_id = provider.get_credentials().get_access_key_id()
    issued = {c["access_key_id"]: c for c in admin(args.url, "GET", "/_mock/credentials")}
    expires = _utc(issued[first_id]["expiration"])
    admin(args.url, "POST", "/_mock/faults",
          {"kind": "delay", "ms": int(args.hang_ms), "target": "credential"})
    admin(args.url, "POST", "/_mock/counters/reset", {})

    stop = threading.Event()
    served: List[List[float]] = [[] for _ in range(args.threads)]  # waits of cached answers
    errors: List[List[float]] = [[] for _ in range(args.threads)]  # (seconds to expiry)
    expired = [0] * args.threads

    def caller(i: int) -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                c = provider.get_credentials()
            except Exception:  # after expiry: expected, reported
                errors[i].append(expires - time.time())
                c = None
            waited = time.perf_counter() - t0
            if c is not None:
                served[i].append(waited)
                if time.time() >= expires:
                    expired[i] += 1
            time.sleep(0.001)

    run_callers(args.threads, caller, expires + args.after, stop)
    waits = sorted(w for ws in served for w in ws)
    early_errors = sum(1 for es in errors for left in es if left > 0)
    counters = admin(args.url, "GET", "/_mock/counters")
    return {
        "threads": args.threads, "served": len(waits),
        "worst_served_wait_ms": waits[-1] * 1000 if waits else 0.0,
        "p999_served_wait_ms": waits[int(len(waits) * 0.999)] * 1000 if waits else 0.0,
        "served_over_10ms": sum(w > 0.010 for w in waits),
        "served_stall_s": sum(w for w in waits if w > 0.010),
        "errors_before_expiry": early_errors,
        "errors_after_expiry": sum(len(es) for es in errors) - early_errors,
        "expired_handed_out": sum(expired), "credential_gets": counters["credential_gets"],
    }


def task_count() -> int:
    import os
    return len(os.listdir("/proc/self/task"))


def thread_names() -> List[str]:
    import os
    names = []
    for tid in sorted(os.listdir("/proc/self/task")):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                names.append(f.read().strip())
        except OSError:
            pass
    return names


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def probe(args: argparse.Namespace) -> Dict[str, Any]:
    # Import (and warm up what the measurement itself uses) before measuring.
    if args.provider == "ecscred":
        import ecscred  # noqa: F401
    elif args.provider == "oss2":
        import oss2.credentials  # noqa: F401
    else:
        import alibabacloud_credentials.provider.ecs_ram_role  # noqa: F401
    threads_before, rss_before = task_count(), rss_kib()
    t0 = time.perf_counter()
    error = None
    try:
        provider = make_provider(args.provider, args.url, args.role or None)
        provider.get_credentials()
    except Exception as e:
        error = type(e).__name__
        message = str(e)
        # Only what says why (status codes), never a body that could hold a value.
        for word in ("403", "404", "401", "500"):
            if word in message:
                error += f" ({word})"
                break
    t1 = time.perf_counter()
    threads_after, rss_after = task_count(), rss_kib()
    time.sleep(0.5)
    return {
        "cold_ms": (t1 - t0) * 1000, "error": error,
        "threads_before": threads_before, "threads_after": threads_after,
        "threads_settled": task_count(), "thread_names": ",".join(thread_names()),
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after, "rss_settled_kib": rss_kib(), "settle_ms": 500,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("warm", "rollover", "probe", "outage"))
    parser.add_argument("--provider", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--number", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--after", type=float, default=2.0)
    parser.add_argument("--lifetime", type=float, default=24.0)
    parser.add_argument("--hang-ms", type=int, default=3000)
    parser.add_argument("--role", default=ROLE)
    args = parser.parse_args()
    result = {"warm": warm, "rollover": rollover, "probe": probe, "outage": outage}[args.mode](args)
    result["refused_connects"] = len(guard.REFUSED)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
