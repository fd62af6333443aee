"""Benchmark: ecscred's Python provider against the incumbents, all on one local mock.

    make bench-python          # or: .venv/bin/python python/bench/bench_credentials.py

1. Warm ``get_credentials()`` (the call every signature makes): ecscred vs oss2's
   ``EcsRamRoleCredentialsProvider`` vs alibabacloud-credentials' ECS RAM role provider,
   in ns/call (best of several rounds) and as ratios.
2. Rollover: 32 threads calling while the credential rotates and the metadata service
   answers in 300 ms: the worst wait of any caller and the metadata GETs it took, for
   ecscred and oss2. Credentials live 24 s and ECS-style rotation issues the next one
   2 s before expiry (the 6 h / 30 min proportions, scaled down); everything runs on real
   time (about a minute).

Safety: every provider is pointed at the mock on 127.0.0.1 (the incumbents through their
URL/host settings), any connection attempt from Python to a non-loopback address raises,
and the mock's counters must show each provider's requests.
"""

import os
import socket
import sys
import threading
import time
import timeit
from typing import Any, Callable, Dict, List, Tuple

# ---- refuse non-loopback connections, before any SDK is imported ---------------------

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(address: Any) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if not (host.startswith("127.") or host in ("localhost", "::1")):
            raise ConnectionRefusedError(f"bench guard: refusing to connect to {address!r}")


def _connect(self: socket.socket, address: Any) -> None:
    _check(address)
    _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _check(address)
    return _real_connect_ex(self, address)


socket.socket.connect = _connect  # type: ignore[method-assign]
socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
for _name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
              "ALIBABA_CLOUD_ECS_METADATA_DISABLED", "ALIBABA_CLOUD_IMDSV1_DISABLED"):
    os.environ.pop(_name, None)
# Nothing here may fall back to the real metadata service.
os.environ["ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9"

import oss2.credentials  # noqa: E402
from alibabacloud_credentials.provider.ecs_ram_role import (  # noqa: E402
    EcsRamRoleCredentialsProvider as AlibabaCloudEcsProvider,
)

import ecscred  # noqa: E402
from ecscred.testing import MockMetadataServer  # noqa: E402

ROLE = "EcsRamRoleTest"
THREADS = 32
DELAY_MS = 300
LIFETIME = 24.0


def ecscred_provider(url: str) -> Any:
    return ecscred.EcsRamRoleCredentialsProvider(ROLE, endpoint=url)


def oss2_provider(url: str) -> Any:
    # oss2 takes the full credential URL.
    return oss2.credentials.EcsRamRoleCredentialsProvider(
        f"{url}/latest/meta-data/ram/security-credentials/{ROLE}")


def alibabacloud_provider(url: str) -> Any:
    provider = AlibabaCloudEcsProvider(role_name=ROLE)
    # Its host is a private constant (100.100.100.200): point it at the mock before use.
    provider._EcsRamRoleCredentialsProvider__metadata_service_host = url.split("://", 1)[1]
    return provider


def warm_ns(call: Callable[[], Any], number: int, rounds: int = 7) -> float:
    timer = timeit.Timer(call)
    return min(timer.repeat(repeat=rounds, number=number)) / number * 1e9


def bench_warm() -> List[Tuple[str, float, Dict[str, int]]]:
    rows = []
    with MockMetadataServer(role=ROLE) as mock:
        for name, make, number in [
            ("ecscred `EcsRamRoleCredentialsProvider`", ecscred_provider, 200_000),
            ("oss2 `EcsRamRoleCredentialsProvider`", oss2_provider, 100_000),
            ("alibabacloud-credentials `EcsRamRoleCredentialsProvider`", alibabacloud_provider,
             20_000),
        ]:
            mock.reset_counters()
            provider = make(mock.url)
            first = provider.get_credentials()
            assert first.get_access_key_id() == mock.current()["access_key_id"], name
            seen = mock.counters()
            assert seen["credential_gets"] >= 1, f"{name} did not fetch from the mock"
            ns = warm_ns(provider.get_credentials, number)
            assert mock.counters()["credential_gets"] == seen["credential_gets"], \
                f"{name} went to the metadata service during the warm loop"
            rows.append((name, ns, seen))
    return rows


def bench_signing() -> List[Tuple[str, float]]:
    """One V1 request signature with oss2's own signing code: the auth objects' overhead."""
    rows = []
    with MockMetadataServer(role=ROLE) as mock:
        ours = ecscred.EcsRamRoleAuth(ROLE, endpoint=mock.url)
        c = ours.credentials_provider.get_credentials()
        theirs = oss2.StsAuth(c.access_key_id, c.access_key_secret, c.security_token)
        for name, auth in [("ecscred `EcsRamRoleAuth`", ours), ("oss2 `StsAuth` (static keys)", theirs)]:
            def sign(auth: Any = auth) -> None:
                req = oss2.http.Request("GET", "http://127.0.0.1:1/ramroletest/",
                                        params={"max-keys": "100"})
                auth._sign_request(req, "ramroletest", "")
            rows.append((name, warm_ns(sign, 20_000, rounds=5)))
    return rows


def rollover(make: Callable[[str], Any], lifetime: float) -> Dict[str, Any]:
    """32 threads call get_credentials() (then sleep 1 ms, like an application between
    requests) from the first fetch until past the credential's expiry, on real time: the
    cached credential reaches the provider's refresh point and ECS rotates it (lifetime/12
    before expiry). The metadata service answers every credential GET in 300 ms."""
    with MockMetadataServer(role=ROLE, lifetime=lifetime) as mock:
        mock.inject("delay", target="credential", ms=DELAY_MS)
        provider = make(mock.url)
        first = provider.get_credentials()
        first_id = first.get_access_key_id()
        expires = mock.issued()[0]["expiration"].timestamp()
        mock.reset_counters()

        stop = threading.Event()
        worst = [0.0] * THREADS
        calls = [0] * THREADS
        last_ids: List[str] = [""] * THREADS
        errors: List[BaseException] = []

        def caller(i: int) -> None:
            try:
                while not stop.is_set():
                    t0 = time.perf_counter()
                    c = provider.get_credentials()
                    waited = time.perf_counter() - t0
                    worst[i] = max(worst[i], waited)
                    calls[i] += 1
                    last_ids[i] = c.get_access_key_id()
                    time.sleep(0.001)
            except BaseException as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=caller, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        # Until 2 s after the first credential's expiry.
        while time.time() < expires + 2:
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert not errors, errors[:3]
        assert all(i != first_id for i in last_ids), "the credential did not rotate during the run"
        return {
            "worst_wait_ms": max(worst) * 1000,
            "credential_gets": mock.counters()["credential_gets"],
            "calls": sum(calls),
        }


def main() -> int:
    print(f"# ecscred Python benchmark (Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, oss2 {oss2.__version__})\n")
    print("Command: `make bench-python` (= `.venv/bin/python python/bench/bench_credentials.py`)\n")

    rows = bench_warm()
    ours = rows[0][1]
    print("## Warm `get_credentials()` (credential cached, same mock)\n")
    print("| provider | ns/call | time relative to ecscred |")
    print("| --- | ---: | ---: |")
    for name, ns, _ in rows:
        print(f"| {name} | {ns:,.0f} | {ns / ours:.1f}× |")
    print()

    print("## One V1 request signature through oss2's signing code\n")
    print("| auth | ns/signature |")
    print("| --- | ---: |")
    for name, ns in bench_signing():
        print(f"| {name} | {ns:,.0f} |")
    print()

    print(f"## Rollover: {THREADS} threads calling while the credential rotates, "
          f"metadata service answering in {DELAY_MS} ms\n")
    print(f"{LIFETIME:.0f} s credentials, the next one issued {LIFETIME / 12:.0f} s before expiry "
          "(ECS's 6 h / 30 min, scaled down); real time, from the first fetch until 2 s "
          "after the first credential's expiry.\n")
    print("| provider | worst caller wait | credential GETs for the rotation | calls made |")
    print("| --- | ---: | ---: | ---: |")
    r = rollover(ecscred_provider, LIFETIME)
    print(f"| ecscred | {r['worst_wait_ms']:.1f} ms | {r['credential_gets']} | {r['calls']:,} |")
    r = rollover(oss2_provider, LIFETIME)
    print(f"| oss2 | {r['worst_wait_ms']:.1f} ms | {r['credential_gets']} | {r['calls']:,} |")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
