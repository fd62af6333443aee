"""One tea-openapi measurement in a fresh process, for bench/report.py's ``openapi``
section. Prints one JSON object.

    openapi_worker.py cost     --provider P --url URL [--rounds R] [--number N] [--calls C]
    openapi_worker.py rollover --provider P --url URL [--threads T] [--after S] [--lifetime L]

P is ``ecscred`` (``ecscred.credential_client``) or ``alibabacloud`` /
``alibabacloud-scaled`` (alibabacloud-credentials' own ECS RAM role provider in its
``Client``, as ``pyworker.make_provider`` points it at the mock). Either credential is
given to tea-openapi (``Config(credential=...)``), whose generated ECS client calls a
local OpenAPI test server (tests/openapi_server, in this process) that verifies every
signature against the mock's credentials.

- ``cost``: the credential's part of one signed call, ``get_credential()`` exactly as
  tea-openapi calls it once per request (timeit, N calls × R rounds), and for scale the
  whole DescribeRegions call (C calls).
- ``rollover``: T threads, one ECS client each over one shared credential, call
  DescribeRegions then sleep 1 ms, from the first fetch until S seconds after the first
  credential expired. The wait is the time spent in tea-openapi's ``get_credential()``
  call of each request; the server's verdicts count expired and mixed credentials.
"""

import guard  # noqa: F401  (first: before any SDK)

import argparse
import collections
import json
import statistics
import sys
import threading
import time
import timeit
from typing import Any, Callable, Dict, List

from benchlib import ROLE, ROOT, admin, check_loopback, run_callers
from pyworker import _utc, make_provider

sys.path.insert(0, str(ROOT))
from tests.openapi_server import OpenApiTestServer  # noqa: E402


def credential_client(kind: str, url: str, lifetime: float) -> Any:
    check_loopback(url)
    if kind == "ecscred":
        import ecscred
        return ecscred.credential_client(ROLE, endpoint=url)
    from alibabacloud_credentials.client import Client
    return Client(provider=make_provider(kind, url, ROLE, lifetime))


def ecs_client(credential: Any, server: OpenApiTestServer) -> Any:
    from alibabacloud_ecs20140526.client import Client as EcsClient
    from alibabacloud_tea_openapi.models import Config
    return EcsClient(Config(credential=credential, endpoint=server.endpoint, protocol="http",
                            region_id="cn-hangzhou"))


def describe_regions(client: Any) -> Callable[[], Any]:
    from alibabacloud_ecs20140526 import models
    return lambda: client.describe_regions(models.DescribeRegionsRequest())


def cost(args: argparse.Namespace) -> Dict[str, Any]:
    credential = credential_client(args.provider, args.url, 21600)
    with OpenApiTestServer(args.url) as server:
        call = describe_regions(ecs_client(credential, server))
        call()
        gets = admin(args.url, "GET", "/_mock/counters")["credential_gets"]
        times = timeit.Timer(credential.get_credential).repeat(repeat=args.rounds,
                                                               number=args.number)
        ns = [t / args.number * 1e9 for t in times]
        whole = []
        for _ in range(args.calls):
            t0 = time.perf_counter()
            call()
            whole.append((time.perf_counter() - t0) * 1e3)
        refused = [r for r in server.requests if r["status"] != 200]
    return {
        "get_credential": {"median_ns": statistics.median(ns), "min_ns": min(ns),
                           "max_ns": max(ns)},
        "call_ms": {"median": statistics.median(whole), "max": max(whole)},
        "rounds": args.rounds, "number": args.number, "calls": args.calls,
        "fetches_during_loops": admin(args.url, "GET", "/_mock/counters")["credential_gets"] - gets,
        "refused": len(refused),
    }


def rollover(args: argparse.Namespace) -> Dict[str, Any]:
    credential = credential_client(args.provider, args.url, float(args.lifetime))
    timed = credential.get_credential
    waits: List[List[float]] = [[] for _ in range(args.threads)]
    local = threading.local()

    def get_credential() -> Any:  # what tea-openapi calls once per request, timed
        t0 = time.perf_counter()
        try:
            return timed()
        finally:
            waits[local.index].append(time.perf_counter() - t0)

    credential.get_credential = get_credential
    errors: List[str] = []
    with OpenApiTestServer(args.url) as server:
        local.index = 0
        describe_regions(ecs_client(credential, server))()
        first_id = server.requests[0]["access_key_id"]
        expires = _utc(next(c["expiration"] for c in admin(args.url, "GET", "/_mock/credentials")
                            if c["access_key_id"] == first_id))
        admin(args.url, "POST", "/_mock/counters/reset", {})
        server.clear_requests()
        waits[0].clear()
        stop = threading.Event()

        def caller(i: int) -> None:
            local.index = i
            call = describe_regions(ecs_client(credential, server))
            while not stop.is_set():
                try:
                    call()
                except Exception as e:  # counted, reported by class
                    errors.append(type(e).__name__)
                time.sleep(0.001)

        started = time.time()
        stuck = run_callers(args.threads, caller, expires + args.after, stop)
        seen = server.requests
    counters = admin(args.url, "GET", "/_mock/counters")
    codes = collections.Counter(r["code"] for r in seen if r["status"] != 200)
    every = [w for ws in waits for w in ws]
    return {
        "threads": args.threads, "calls": len(every), "errors": len(errors),
        "error_kinds": dict(collections.Counter(errors)),
        "worst_wait_ms": max(every) * 1000, "calls_over_1ms": sum(w > 0.001 for w in every),
        "expired": codes.get("InvalidSecurityToken.Expired", 0),
        "mixed": codes.get("InvalidSecurityToken.MismatchWithAccessKey", 0)
        + codes.get("SignatureDoesNotMatch", 0),
        "refused": sum(codes.values()),
        "rotated": any(r["access_key_id"] != first_id for r in seen if r["status"] == 200),
        "stuck_threads": stuck, "credential_gets": counters["credential_gets"],
        "token_puts": counters["token_puts"], "max_concurrent": counters["max_concurrent"],
        "seconds": time.time() - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("cost", "rollover"))
    parser.add_argument("--provider", required=True,
                        choices=("ecscred", "alibabacloud", "alibabacloud-scaled"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--after", type=float, default=2.0)
    parser.add_argument("--lifetime", type=float, default=24.0)
    args = parser.parse_args()
    result = {"cost": cost, "rollover": rollover}[args.mode](args)
    result["refused_connects"] = len(guard.REFUSED)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
