"""fork() while a log record is being delivered, and logging handlers that call ecscred.

The engine's events reach `logging` on a delivery thread of ecscred's own (never on the
refresh thread), so a handler that blocks or calls ecscred holds up only that thread.
Ordering is by events and the mock's counters, never by sleeping; a child that hangs is
killed by the watchdog of `_run_forked`.
"""

import logging
import os
import threading
from typing import Any, Iterator, List

import pytest

import ecscred
from ecscred.testing import MockMetadataServer, flush_logs

from conftest import run_forked


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class BlockOnce(logging.Handler):
    """Blocks on its first record in the process that made it, until released."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.parent = os.getpid()
        self.armed = True
        self.entered = threading.Event()
        self.go_on = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if os.getpid() == self.parent and self.armed:
            self.armed = False
            self.entered.set()
            self.go_on.wait(60)  # with the GIL released, as the fork needs it


@pytest.fixture
def debug_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("ecscred")
    level = logger.level
    flush_logs()  # earlier tests' records are not this test's
    logger.setLevel(logging.DEBUG)
    yield logger
    flush_logs()
    logger.setLevel(level)


def _child(provider: ecscred.EcsRamRoleCredentialsProvider, url: str, queue: Any) -> None:
    try:
        cached = provider.get_credentials().access_key_id
        collect = Collect()
        logging.getLogger("ecscred").addHandler(collect)
        fresh = ecscred.EcsRamRoleCredentialsProvider(endpoint=url).get_credentials()
        delivered = flush_logs(10)
        fetched = any("fetched a credential" in m for m in collect.messages)
        queue.put(("ok", cached, fresh.access_key_id, delivered, fetched))
    except BaseException as e:
        queue.put(("error", type(e).__name__, str(e)))


def test_fork_while_a_handler_runs(mock: MockMetadataServer, debug_logger: logging.Logger) -> None:
    blocker = BlockOnce()
    debug_logger.addHandler(blocker)
    try:
        provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
        parent = provider.get_credentials().access_key_id
        assert blocker.entered.wait(30), "no record was delivered"
        # The delivery thread is inside the handler: the child has no such thread.
        _, cached, fresh, delivered, fetched = run_forked(_child, provider, mock.url)
        assert cached == parent  # from the cache, at once
        assert fresh == parent  # the child's own refresh thread fetched
        assert delivered and fetched  # and its own delivery thread logged it
    finally:
        blocker.go_on.set()
        debug_logger.removeHandler(blocker)
    assert flush_logs(10)


def test_fork_while_a_fetch_logs(mock: MockMetadataServer, debug_logger: logging.Logger) -> None:
    """The refresh thread queues records while the fork happens (a fetch in flight)."""
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
    parent = provider.get_credentials().access_key_id
    mock.inject("delay", target="credential", ms=700, count=1)
    other = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
    waiter = threading.Thread(target=other.get_credentials)
    waiter.start()
    event = threading.Event()
    while mock.counters()["credential_gets"] < 2 and not event.wait(0.005):
        pass
    _, cached, fresh, delivered, fetched = run_forked(_child, provider, mock.url)
    waiter.join(timeout=30)
    assert (cached, fresh, delivered, fetched) == (parent, parent, True, True)


class CallsEcscred(logging.Handler):
    def __init__(self, provider: ecscred.EcsRamRoleCredentialsProvider) -> None:
        super().__init__(logging.DEBUG)
        self.provider = provider
        self.got: List[str] = []
        self.errors: List[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.got.append(self.provider.get_credentials().access_key_id)
        except BaseException as e:  # reported by the test's asserts
            self.errors.append(e)


def test_a_handler_may_call_ecscred(mock: MockMetadataServer, debug_logger: logging.Logger) -> None:
    """The handler runs on the delivery thread: its calls (here a cold fetch of another
    provider, on the refresh thread) neither deadlock nor stall the engine."""
    handler = CallsEcscred(ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url))
    debug_logger.addHandler(handler)
    try:
        credential = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
        assert flush_logs(30)
    finally:
        debug_logger.removeHandler(handler)
    assert not handler.errors
    assert handler.got and set(handler.got) == {credential.access_key_id}
    assert mock.counters()["credential_gets"] == 2  # ours, and the handler's provider's
