"""Import first, before any SDK: makes this Python process refuse every connection that is
not to loopback, and removes what could send SDK traffic elsewhere (proxies) or make an SDK
fall back to the real metadata service.

    import guard  # noqa: F401  (bench/ is on sys.path: scripts here run from it)

Any connect to an address outside 127.0.0.0/8 or ::1 raises ``ConnectionRefusedError``
(and is counted in ``guard.REFUSED``); the benchmarks and the soak check that it stayed 0.
"""

import os
import socket
from typing import Any, List

REFUSED: List[str] = []

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_sendto = socket.socket.sendto


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return True
    if isinstance(address, tuple) and address:
        host = str(address[0])
        return host.startswith("127.") or host in ("localhost", "::1")
    return False


def _check(address: Any) -> None:
    if not _is_loopback(address):
        REFUSED.append(repr(address))
        raise ConnectionRefusedError(f"bench guard: refusing to connect to {address!r}")


def _connect(self: socket.socket, address: Any) -> None:
    _check(address)
    _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _check(address)
    return _real_connect_ex(self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    _check(args[-1])
    return _real_sendto(self, data, *args)


socket.socket.connect = _connect  # type: ignore[method-assign,assignment]
socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign,assignment]
socket.socket.sendto = _sendto  # type: ignore[method-assign,assignment]

for _name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
              "NO_PROXY", "no_proxy", "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
              "ALIBABA_CLOUD_IMDSV1_DISABLED", "ALIBABA_CLOUD_ECS_METADATA"):
    os.environ.pop(_name, None)
# Nothing may fall back to the real metadata service: unless the caller pointed the
# environment at a loopback mock, point it at a closed loopback port.
if not os.environ.get("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", "").startswith(
        "http://127.0.0.1:"):
    os.environ["ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9"
