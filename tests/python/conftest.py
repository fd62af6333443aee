"""Fixtures for the ecscred Python tests.

Nothing here may reach a real metadata service or any non-loopback address:
- the process environment points ecscred at a closed loopback port unless a test gives an
  endpoint (so a provider built without one fails fast instead of trying 100.100.100.200);
- Python-level connects to anything but 127.0.0.0/8 raise (a guard for the SDKs' code).
"""

import multiprocessing
import os
import socket
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ecscred.testing import MockMetadataServer  # noqa: E402
from tests.openapi_server import OpenApiTestServer  # noqa: E402
from tests.oss_server import OssTestServer  # noqa: E402

ENV_NAMES = (
    "ALIBABA_CLOUD_ECS_METADATA",
    "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
    "ALIBABA_CLOUD_IMDSV1_DISABLED",
    "ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT",
)


class ClosedPort:
    """A loopback port that refuses connections: bound, never listening."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.sock.close()


_CLOSED = ClosedPort()
for _name in ENV_NAMES:
    os.environ.pop(_name, None)
os.environ["ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT"] = _CLOSED.url
for _proxy in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_proxy, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def _loopback(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        return host.startswith("127.") or host in ("localhost", "::1")
    return True  # AF_UNIX and the like


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _loopback(address):
        raise ConnectionRefusedError(f"test guard: refusing to connect to {address!r}")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _loopback(address):
        raise ConnectionRefusedError(f"test guard: refusing to connect to {address!r}")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


def run_forked(target: Callable[..., None], *args: Any) -> Any:
    """Runs ``target(*args, queue)`` in a forked child (a generous liveness bound, not a
    speed limit): the child must exit 0 and put ``("ok", ...)`` on the queue, returned."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=target, args=(*args, queue))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child hung")
    assert child.exitcode == 0
    result = queue.get(timeout=10)
    assert result[0] == "ok", result
    return result


@pytest.fixture
def closed_port() -> Iterator[ClosedPort]:
    port = ClosedPort()
    yield port
    port.close()


@pytest.fixture
def mock() -> Iterator[MockMetadataServer]:
    with MockMetadataServer(role="EcsRamRoleTest") as server:
        yield server


@pytest.fixture
def oss(mock: MockMetadataServer) -> Iterator[OssTestServer]:
    with OssTestServer(mock.url) as server:
        yield server


@pytest.fixture
def openapi(mock: MockMetadataServer) -> Iterator[OpenApiTestServer]:
    with OpenApiTestServer(mock.url) as server:
        yield server
