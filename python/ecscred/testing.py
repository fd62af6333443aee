"""Test helpers: the Rust mocks (ECS metadata service, STS, credentials URI) as context
managers, and a manual clock.

Never point tests at ``100.100.100.200``::

    from ecscred.testing import MockMetadataServer

    with MockMetadataServer(role="EcsRamRoleTest") as mock:
        provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
        provider.get_credentials()
        assert mock.counters()["credential_gets"] == 1

The mock is ``ecscred_mock::MockServer``, the one the Rust tests use, serving on 127.0.0.1
in a thread of this process (its ``/_mock/`` admin endpoint lets other processes drive it).
"""

import datetime
import json
from types import TracebackType
from typing import Any, Dict, List, Optional, Type, TypeVar, Union

from ._ecscred import ManualClock, MockServer
from ._ecscred import MockCredentialsUri as _MockCredentialsUri
from ._ecscred import MockSts as _MockSts
from ._ecscred import flush_logs as _flush_logs

__all__ = ["MockMetadataServer", "MockSts", "MockCredentialsUri", "ManualClock", "flush_logs"]

_KINDS = (
    "status", "delay", "drop", "malformed_json", "code", "expired", "expiration", "redirect",
    "huge_body",
)
_TARGETS = ("any", "token", "role", "credential")


def flush_logs(timeout: float = 5.0) -> bool:
    """Waits until every engine log event so far has reached ``logging`` (they are
    delivered by a thread of their own); ``True`` if all were within ``timeout`` seconds."""
    return _flush_logs(timeout)


def _fault_json(kind: str, target: str, count: Optional[int], fields: Dict[str, Any]) -> str:
    if kind not in _KINDS:
        raise ValueError(f"unknown fault kind {kind!r} (one of {', '.join(_KINDS)})")
    if target not in _TARGETS:
        raise ValueError(f"unknown fault target {target!r} (one of {', '.join(_TARGETS)})")
    fault: Dict[str, Any] = {"kind": kind, "target": target, **fields}
    if count is not None:
        fault["count"] = count
    return json.dumps(fault)


def _fault_texts(faults: Optional[List[Union[Dict[str, Any], str]]]) -> List[str]:
    return [f if isinstance(f, str) else json.dumps(f) for f in (faults or [])]


def _utc(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc
    )


def _credential(raw: Dict[str, Any]) -> Dict[str, Any]:
    raw = dict(raw)
    raw["expiration"] = _utc(raw["expiration"])
    raw["last_updated"] = _utc(raw["last_updated"])
    return raw


_Native = Union[MockServer, _MockSts, _MockCredentialsUri]
_Self = TypeVar("_Self", bound="_Mock")


class _Mock:
    """What every mock wrapper offers: its URL, counters, request lines, faults, clock,
    the credentials it issued, and stopping (also as a context manager)."""

    _server: _Native

    @property
    def url(self) -> str:
        return self._server.url

    def counters(self) -> Dict[str, int]:
        """The request counters (the keys are in the class's documentation)."""
        counters: Dict[str, int] = json.loads(self._server.counters_json())
        return counters

    def requests(self) -> List[str]:
        """The latest request lines (at most 4096), oldest first."""
        lines: List[str] = json.loads(self._server.requests_json())
        return lines

    def reset_counters(self) -> None:
        """Zeroes the counters and forgets the request lines."""
        self._server.reset_counters()

    def inject_json(self, fault: str) -> None:
        """Arms a fault given as the admin endpoint's JSON text."""
        self._server.inject_json(fault)

    def clear_faults(self) -> None:
        """Disarms every fault."""
        self._server.clear_faults()

    def advance(self, seconds: float) -> None:
        """Moves the mock's clock forward."""
        self._server.advance(float(seconds))

    def now(self) -> datetime.datetime:
        """The mock's clock (aware UTC)."""
        return datetime.datetime.fromtimestamp(self._server.now(), datetime.timezone.utc)

    def issued(self) -> List[Dict[str, Any]]:
        """Every credential handed out so far (full values: it is a mock), each a dict
        with ``access_key_id``, ``access_key_secret``, ``security_token``, ``expiration``,
        ``last_updated`` (aware UTC datetimes)."""
        return [_credential(c) for c in json.loads(self._server.issued_json())]

    def stop(self) -> None:
        """Stops serving and closes the port. Idempotent."""
        self._server.stop()

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r})"


class MockMetadataServer(_Mock):
    """A mock ECS instance metadata service on ``127.0.0.1`` (started at construction).

    Args:
        role: the RAM role it serves.
        lifetime: seconds each credential is valid (default 6 h, as on ECS).
        rotate_before: a new credential is issued this many seconds before the current one
            expires (default ``lifetime / 12``: 30 min of 6 h).
        mode: ``"normal"`` (token optional), ``"hardened"`` (token required) or
            ``"v1-only"`` (no token service).
        port: 0 for any free port.
        faults: faults armed at start, each a dict (or JSON text) in the shape of
            :meth:`inject`'s arguments, e.g. ``{"kind": "status", "status": 500, "count": 2}``.

    Credentials rotate like ECS on the mock's own clock (real time plus :meth:`advance`;
    token expiry follows it too). :attr:`url` (``http://127.0.0.1:PORT``) is the provider's
    ``endpoint``. :meth:`counters` has ``token_puts``, ``role_gets``, ``credential_gets``,
    ``requests`` (every metadata request) and ``max_concurrent``; :meth:`requests` lines
    are ``"METHOD target"`` with the target exactly as received, e.g.
    ``"GET /latest/meta-data/ram/security-credentials/EcsRamRoleTest"``.
    """

    _server: MockServer

    def __init__(
        self,
        role: str = "EcsRamRoleTest",
        *,
        lifetime: float = 6 * 3600,
        rotate_before: Optional[float] = None,
        mode: str = "normal",
        port: int = 0,
        faults: Optional[List[Union[Dict[str, Any], str]]] = None,
    ) -> None:
        self._server = MockServer(
            role=role,
            lifetime=float(lifetime),
            rotate_before=None if rotate_before is None else float(rotate_before),
            mode=mode,
            port=port,
            faults=_fault_texts(faults),
        )
        self.role = role

    def inject(
        self,
        kind: str,
        *,
        target: str = "any",
        count: Optional[int] = None,
        **fields: Any,
    ) -> None:
        """Arms a fault after those already armed. ``kind`` and its fields: ``status``
        (``status=500``), ``delay`` (``ms=300``), ``drop``, ``malformed_json``, ``code``
        (``code="Failure"``), ``expired``, ``expiration`` (``expiration="..."``: a fresh
        credential with this ``Expiration`` text, verbatim), ``redirect``
        (``location=...``), ``huge_body`` (``bytes=N``). ``target``: ``any``, ``token``, ``role`` or ``credential``.
        ``count``: how many requests it answers (``None``: until cleared)."""
        self._server.inject_json(_fault_json(kind, target, count, fields))

    def set_mode(self, mode: str) -> None:
        """``"normal"``, ``"hardened"`` or ``"v1-only"``, for requests from now on."""
        self._server.set_mode(mode)

    def expire_tokens(self) -> None:
        """Invalidates every metadata token issued so far."""
        self._server.expire_tokens()

    def current(self) -> Dict[str, Any]:
        """The credential a GET would return now (not recorded as handed out)."""
        return _credential(json.loads(self._server.current_json()))

    def __repr__(self) -> str:
        return f"MockMetadataServer(role={self.role!r}, url={self.url!r})"


class MockSts(_Mock):
    """A mock Alibaba Cloud STS serving ``AssumeRoleWithOIDC`` and ``AssumeRole`` over HTTPS
    on ``127.0.0.1`` with a CA it generates at start (started at construction), for tests
    of :class:`~ecscred.OidcRoleArnCredentialsProvider` and of role chaining.

    Args:
        token: the OIDC token it accepts (others get ``InvalidParameter.OIDCToken``).
        lifetime: seconds each credential is valid (default: ``DurationSeconds``).
        port: 0 for any free port.
        faults: faults armed at start, as for :class:`MockMetadataServer` (``status``,
            ``code`` such as ``"Throttling.User"``, ``delay``, ``drop``, ``malformed_json``,
            ``expired``, ...).
        access_keys: AccessKeys (id → secret) allowed to sign ``AssumeRole`` (RPC
            signature V1); the credentials the mock issues may sign it too, with their
            ``SecurityToken``.

    Every call issues a new credential on the mock's own clock. :attr:`url`
    (``https://127.0.0.1:PORT``) is the provider's ``sts_endpoint``; trust :attr:`ca_pem`
    (``sts_extra_root_pem=``) in tests only. :meth:`counters` has ``requests``,
    ``issued``, ``assume_role_with_oidc``, ``assume_role``, ``token_refusals``,
    ``signature_refusals`` and ``max_concurrent``. :meth:`requests` has one line per STS
    request: the action and non-secret parameters (for ``AssumeRoleWithOIDC`` the token
    only as ``token=accepted|refused|missing``; for ``AssumeRole`` the signer's
    ``AccessKeyId`` and ``verdict=issued`` or the error code), and the status.
    """

    _server: _MockSts

    def __init__(
        self,
        token: str,
        *,
        lifetime: Optional[float] = None,
        port: int = 0,
        faults: Optional[List[Union[Dict[str, Any], str]]] = None,
        access_keys: Optional[Dict[str, str]] = None,
    ) -> None:
        self._server = _MockSts(
            token=token,
            lifetime=None if lifetime is None else float(lifetime),
            port=port,
            faults=_fault_texts(faults),
            access_keys=list((access_keys or {}).items()),
        )

    @property
    def ca_pem(self) -> str:
        """The PEM of the mock's CA: the provider's ``sts_extra_root_pem``."""
        return self._server.ca_pem

    def set_token(self, token: str) -> None:
        """Accepts ``token`` from now on, and no longer the previous one."""
        self._server.set_token(token)

    def inject(self, kind: str, *, count: Optional[int] = None, **fields: Any) -> None:
        """Arms a fault after those already armed (see :meth:`MockMetadataServer.inject`)."""
        self._server.inject_json(_fault_json(kind, "any", count, fields))


class MockCredentialsUri(_Mock):
    """A mock credentials URI server (``ALIBABA_CLOUD_CREDENTIALS_URI``) on ``127.0.0.1``
    (started at construction): ``GET`` :attr:`url` answers ``{"Code": "Success",
    "AccessKeyId": ..., "AccessKeySecret": ..., "SecurityToken": ..., "Expiration":
    "YYYY-MM-DDThh:mm:ssZ"}``.

    Args:
        lifetime: seconds each credential is valid (default 1 h).
        rotate_before: a new credential is issued this many seconds before the current one
            expires (default ``lifetime / 12``).
        path: the path that serves the credential (default ``/credentials``).
        port: 0 for any free port.
        faults: faults armed at start, as for :class:`MockMetadataServer` (``status``,
            ``delay``, ``drop``, ``malformed_json``, ``code`` (a ``Code`` other than
            ``Success``), ``expired``, ``expiration``, ``redirect``, ``huge_body``).

    Credentials rotate on the mock's own clock (real time plus :meth:`advance`).
    :attr:`url` is ``http://127.0.0.1:PORT/credentials``; :meth:`counters` has
    ``requests``, ``credential_gets`` and ``max_concurrent``; :meth:`requests` lines are
    ``"METHOD target"`` as received.
    """

    _server: _MockCredentialsUri

    def __init__(
        self,
        *,
        lifetime: float = 3600,
        rotate_before: Optional[float] = None,
        path: str = "/credentials",
        port: int = 0,
        faults: Optional[List[Union[Dict[str, Any], str]]] = None,
    ) -> None:
        self._server = _MockCredentialsUri(
            lifetime=float(lifetime),
            rotate_before=None if rotate_before is None else float(rotate_before),
            path=path,
            port=port,
            faults=_fault_texts(faults),
        )

    def inject(self, kind: str, *, count: Optional[int] = None, **fields: Any) -> None:
        """Arms a fault after those already armed (see :meth:`MockMetadataServer.inject`)."""
        self._server.inject_json(_fault_json(kind, "any", count, fields))

    def current(self) -> Dict[str, Any]:
        """The credential a GET would return now (not recorded as handed out)."""
        return _credential(json.loads(self._server.current_json()))
