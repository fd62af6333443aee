"""Threads, the GIL and fork: behaviour and counts, never wall-clock limits."""

import threading
import time
from typing import Any, Callable, List

import oss2
import pytest

import ecscred
from ecscred.testing import ManualClock, MockMetadataServer
from tests.oss_server import OssTestServer

from conftest import run_forked

THREADS = 32


def run_threads(n: int, target: Callable[[int], Any]) -> List[Any]:
    results: List[Any] = [None] * n
    start = threading.Barrier(n)

    def body(i: int) -> None:
        start.wait()
        try:
            results[i] = target(i)
        except BaseException as e:  # reported by the caller's asserts
            results[i] = e

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive(), "a caller hung"
    return results


def test_32_cold_callers_share_one_fetch(mock: MockMetadataServer) -> None:
    mock.inject("delay", target="credential", ms=300, count=1)
    provider = ecscred.EcsRamRoleCredentialsProvider("EcsRamRoleTest", endpoint=mock.url)
    results = run_threads(THREADS, lambda _: provider.get_credentials())
    assert not [r for r in results if isinstance(r, BaseException)]
    assert len({id(r) for r in results}) == 1  # one snapshot object for everybody
    assert mock.counters()["credential_gets"] == 1


def test_32_callers_across_a_rotation(mock: MockMetadataServer) -> None:
    """In the mandatory window before expiry, with the metadata service answering in 0.6 s
    (far slower than a healthy one): no caller is held back, all get the valid cached
    credential, and the one shared refresh then gives everybody the new one."""
    clock = ManualClock()
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url, clock=clock)
    first = provider.get_credentials()
    mock.inject("delay", target="credential", ms=600, count=1)
    mock.advance(5 * 3600 + 57 * 60)
    clock.advance(5 * 3600 + 57 * 60)
    results = run_threads(THREADS, lambda _: provider.get_credentials())
    assert not [r for r in results if isinstance(r, BaseException)]
    assert {r.access_key_id for r in results} == {first.access_key_id}
    deadline = time.monotonic() + 30
    while provider.get_credentials().access_key_id == first.access_key_id:
        assert time.monotonic() < deadline, "the refresh never landed"
        time.sleep(0.01)
    results = run_threads(THREADS, lambda _: provider.get_credentials())
    assert {r.access_key_id for r in results} == {mock.issued()[1]["access_key_id"]}
    assert mock.counters()["credential_gets"] == 2


def test_32_threads_listing_through_one_auth(mock: MockMetadataServer, oss: OssTestServer) -> None:
    auth = ecscred.EcsRamRoleAuth(endpoint=mock.url, auth_version="v4")
    bucket = oss2.Bucket(auth, oss.url, "ramroletest", region="cn-hangzhou")

    def work(i: int) -> List[str]:
        keys = [o.key for o in oss2.ObjectIterator(bucket, max_keys=1)]
        bucket.put_object(f"t{i}", b"x")
        return keys

    results = run_threads(THREADS, work)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert all(set(r) >= {"ramroletest.txt", "test.sh"} for r in results)
    assert all(r["status"] == 200 for r in oss.requests)
    assert mock.counters()["credential_gets"] == 1


def test_waiting_for_the_network_releases_the_gil(mock: MockMetadataServer) -> None:
    mock.inject("delay", target="credential", ms=500, count=1)
    provider = ecscred.EcsRamRoleCredentialsProvider("EcsRamRoleTest", endpoint=mock.url)
    done = threading.Event()

    def wait_for_credentials() -> None:
        provider.get_credentials()
        done.set()

    waiter = threading.Thread(target=wait_for_credentials)
    spins = 0
    waiter.start()
    while not done.is_set():  # pure Python work: runs only while the waiter has no GIL
        spins += 1
    waiter.join(timeout=30)
    assert mock.counters()["credential_gets"] == 1
    # Had the wait held the GIL, this loop would have been frozen for the whole 500 ms.
    assert spins > 10_000


def _child_get(provider: ecscred.EcsRamRoleCredentialsProvider, url: str, queue: Any) -> None:
    try:
        cached = provider.get_credentials().access_key_id
        fresh = ecscred.EcsRamRoleCredentialsProvider(endpoint=url).get_credentials().access_key_id
        queue.put(("ok", cached, fresh))
    except BaseException as e:
        queue.put(("error", type(e).__name__, str(e)))


def _child_after_expiry(provider: ecscred.EcsRamRoleCredentialsProvider, clock: ManualClock,
                        queue: Any) -> None:
    try:
        before = provider.get_credentials().access_key_id
        clock.advance(6 * 3600 + 60)  # the child's copy of the clock
        after = provider.get_credentials().access_key_id
        queue.put(("ok", before, after))
    except BaseException as e:
        queue.put(("error", type(e).__name__, str(e)))


def test_forked_children_get_credentials(mock: MockMetadataServer) -> None:
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
    parent = provider.get_credentials().access_key_id
    for _ in range(3):
        _, cached, fresh = run_forked(_child_get, provider, mock.url)
        assert cached == parent  # the cache survives the fork
        assert fresh == parent  # a new provider in the child fetches on its own thread
    assert provider.get_credentials().access_key_id == parent  # the parent is unharmed


def test_forked_child_refreshes_on_its_own_thread(mock: MockMetadataServer) -> None:
    clock = ManualClock()
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url, clock=clock)
    first = provider.get_credentials().access_key_id
    mock.advance(6 * 3600 + 60)  # the mock runs in the parent: the child's fetch reaches it
    _, before, after = run_forked(_child_after_expiry, provider, clock)
    assert before == first
    assert after == mock.issued()[1]["access_key_id"]


def test_fork_while_a_fetch_is_in_flight(mock: MockMetadataServer) -> None:
    mock.inject("delay", target="credential", ms=700, count=1)
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
    waiter = threading.Thread(target=provider.get_credentials)
    waiter.start()
    deadline = time.monotonic() + 10
    while mock.counters()["credential_gets"] == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    # The parent's fetch is in flight on its refresh thread, which the child will not have.
    _, cached, fresh = run_forked(_child_get, provider, mock.url)
    waiter.join(timeout=30)
    assert cached and fresh
    assert provider.get_credentials().access_key_id == cached
