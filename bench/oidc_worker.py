"""One Python measurement of an OIDC (RRSA) provider in a fresh process, for bench/report.py
(section ``oidc``). Prints one JSON object.

    oidc_worker.py warm     --provider P --sts-url URL --ca-file CA --token-file T [--rounds R] [--number N]
    oidc_worker.py rollover --provider P --sts-url URL --ca-file CA --token-file T [--threads N] [--after S] [--lifetime L]

P is ``ecscred`` (ecscred.OidcRoleArnCredentialsProvider) or ``alibabacloud``
(alibabacloud_credentials' OIDCRoleArnCredentialsProvider); ``alibabacloud-scaled`` is the
latter with its fixed "stale 15 min before expiry" scaled to the credential's lifetime (15
min of its default 1 h, for the rollover with short credentials). Both are pointed at the
mock STS (``ecscred mock-sts``, HTTPS on 127.0.0.1) and trust its CA only: ecscred through
``sts_extra_root_pem``; alibabacloud-credentials has no option for a CA, so its request
runtime's ``ca`` (the file that Tea passes to requests as ``verify``) is set to the CA file.

The connect guard (bench/guard.py) is installed before any SDK is imported: a connect to
anything but loopback raises, and the result reports how many were refused.
"""

import guard  # noqa: F401  (first: before any SDK)

import argparse
import collections
import json
import logging
import ssl
import statistics
import sys
import threading
import time
import timeit
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

from benchlib import run_callers
from pyworker import _utc, triple

ROLE_ARN = "acs:ram::1234567890:role/bench"
PROVIDER_ARN = "acs:ram::1234567890:oidc-provider/bench"


def sts_admin(args: argparse.Namespace, method: str, path: str,
              body: Optional[Dict[str, Any]] = None) -> Any:
    if not args.sts_url.startswith("https://127.0.0.1:"):
        raise SystemExit(f"bench: refusing a non-loopback URL {args.sts_url!r}")
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=args.ca_file)))
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(args.sts_url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with opener.open(req, timeout=10) as resp:
        return json.loads(resp.read().decode())


def make_provider(args: argparse.Namespace, lifetime: float = 3600) -> Any:
    if args.provider == "ecscred":
        import ecscred
        with open(args.ca_file) as f:
            ca = f.read()
        return ecscred.OidcRoleArnCredentialsProvider(
            ROLE_ARN, PROVIDER_ARN, args.token_file, sts_endpoint=args.sts_url,
            sts_extra_root_pem=ca)
    if args.provider in ("alibabacloud", "alibabacloud-scaled"):
        from alibabacloud_credentials.provider import oidc, refreshable
        logging.getLogger("credentials").setLevel(logging.ERROR)
        provider = oidc.OIDCRoleArnCredentialsProvider(
            role_arn=ROLE_ARN, oidc_provider_arn=PROVIDER_ARN,
            oidc_token_file_path=args.token_file,
            sts_endpoint=args.sts_url.split("://", 1)[1])
        provider._runtime_options["ca"] = args.ca_file
        if args.provider == "alibabacloud-scaled":
            stale = lifetime * 900 / 3600
            refreshable.RefreshCachedSupplier.STALE_TIME = max(1, round(stale))
            oidc._get_stale_time = lambda exp: int(exp - stale)
        return provider
    raise ValueError(f"unknown provider {args.provider!r}")


def warm(args: argparse.Namespace) -> Dict[str, Any]:
    provider = make_provider(args)
    first = provider.get_credentials()
    issued = [c["access_key_id"] for c in sts_admin(args, "GET", "/_mock/credentials")]
    assert first.get_access_key_id() in issued, "not the mock STS's credential"
    before = sts_admin(args, "GET", "/_mock/counters")["requests"]
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
    out["sts_calls_during_warm_loops"] = sts_admin(args, "GET", "/_mock/counters")["requests"] - before
    out["first_fetch_seen_by_mock"] = before >= 1
    return out


def rollover(args: argparse.Namespace) -> Dict[str, Any]:
    provider = make_provider(args, args.lifetime)
    first_id = provider.get_credentials().get_access_key_id()
    issued = {c["access_key_id"]: c for c in sts_admin(args, "GET", "/_mock/credentials")}
    expires = _utc(issued[first_id]["expiration"])
    sts_admin(args, "POST", "/_mock/counters/reset", {})

    stop = threading.Event()
    worst = [0.0] * args.threads
    slow = [0] * args.threads
    calls = [0] * args.threads
    errors: List[str] = []
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
            worst[i] = max(worst[i], waited)
            if waited > 0.001:
                slow[i] += 1
            calls[i] += 1
            if c is not None:
                mine[triple(c) + (int(now),)] += 1
            time.sleep(0.001)

    started = time.time()
    stuck = run_callers(args.threads, caller, expires + args.after, stop)
    counters = sts_admin(args, "GET", "/_mock/counters")
    by_triple: Dict[Tuple[str, str, str], int] = {
        (c["access_key_id"], c["access_key_secret"], c["security_token"]): _utc(c["expiration"])
        for c in sts_admin(args, "GET", "/_mock/credentials")}
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
        "sts_calls": counters["requests"], "max_concurrent": counters["max_concurrent"],
        "seconds": time.time() - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("warm", "rollover"))
    parser.add_argument("--provider", required=True)
    parser.add_argument("--sts-url", required=True)
    parser.add_argument("--ca-file", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--number", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--after", type=float, default=2.0)
    parser.add_argument("--lifetime", type=float, default=24.0)
    args = parser.parse_args()
    result = {"warm": warm, "rollover": rollover}[args.mode](args)
    result["refused_connects"] = len(guard.REFUSED)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
