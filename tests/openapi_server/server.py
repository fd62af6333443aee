"""A local Alibaba Cloud OpenAPI test server: ECS DescribeRegions and STS
GetCallerIdentity behind real signature checks.

Stdlib only, threaded, on 127.0.0.1; answers JSON in the shapes the SDKs parse. Every
request must be signed with one of the schemes the SDKs use (see ``signing.py``, which
recomputes signatures without any SDK):

- ACS3-HMAC-SHA256 (``Authorization: ACS3-HMAC-SHA256 Credential=...``), the token in
  ``x-acs-security-token`` (which must be among the signed headers), the action in
  ``x-acs-action``; ``x-acs-content-sha256`` must be the body's hash;
- RPC V1 (``Signature``, ``AccessKeyId``, ``SignatureMethod=HMAC-SHA1`` in the query or
  form body), the token in the ``SecurityToken`` parameter, the action in ``Action``;
- ROA V1 (``Authorization: acs ID:SIG``), the token in ``x-acs-security-token``;
  ``GET /regions`` is DescribeRegions.

Keys come from the mock metadata service (and the mock STS, when given) through the OSS test server's
:class:`~tests.oss_server.server.KeyStore` (its admin endpoint, full values): an STS
AccessKeyId must come with its own token, a permanent (static) AccessKey with none at all
(not even an empty one), and a credential whose Expiration has passed on the mock's clock
is refused. Errors are the OpenAPI JSON error shape with the codes the
real services use (``InvalidAccessKeyId.NotFound``, ``SignatureDoesNotMatch``,
``InvalidSecurityToken.MismatchWithAccessKey``, ``InvalidSecurityToken.Expired``, ...).

Every request is recorded in :attr:`OpenApiTestServer.requests` (scheme, action, access
key id and the expiration of its credential, status, code), so tests can tell which
credential signed what.
"""

import base64
import datetime
import email.utils
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import unquote, urlsplit

from tests.oss_server.server import KeyStore, _parse_query

from . import signing

# Allowed clock skew of a signed request, as the services allow.
MAX_SKEW = 15 * 60
ACCOUNT_ID = "1234567890123456"
ROLE_ID = "300123456789012345"

REGIONS = [
    ("cn-hangzhou", "华东1（杭州）"),
    ("cn-shanghai", "华东2（上海）"),
    ("cn-beijing", "华北2（北京）"),
]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _describe_regions(identity: Dict[str, Any], params: Mapping[str, str]) -> Dict[str, Any]:
    return {"Regions": {"Region": [
        {"RegionId": rid, "LocalName": name, "Status": "available",
         "RegionEndpoint": f"ecs.{rid}.aliyuncs.com"} for rid, name in REGIONS]}}


def _get_caller_identity(identity: Dict[str, Any], params: Mapping[str, str]) -> Dict[str, Any]:
    session = identity["access_key_id"]
    if identity["sts"]:
        return {"IdentityType": "AssumedRoleUser", "AccountId": ACCOUNT_ID,
                "RoleId": ROLE_ID, "PrincipalId": f"{ROLE_ID}:{session}",
                "UserId": f"{ROLE_ID}:{session}",
                "Arn": f"acs:ram::{ACCOUNT_ID}:assumed-role/{identity['role']}/{session}"}
    return {"IdentityType": "Account", "AccountId": ACCOUNT_ID, "PrincipalId": ACCOUNT_ID,
            "UserId": ACCOUNT_ID, "Arn": f"acs:ram::{ACCOUNT_ID}:root"}


ACTIONS: Dict[str, Callable[[Dict[str, Any], Mapping[str, str]], Dict[str, Any]]] = {
    "DescribeRegions": _describe_regions,
    "GetCallerIdentity": _get_caller_identity,
}
ROA_ROUTES = {("GET", "/regions"): "DescribeRegions"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: without TCP_NODELAY a kept-alive client's delayed
    # ACK adds ~40 ms to every call.
    disable_nagle_algorithm = True
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, payload: Dict[str, Any]) -> None:
        body = json.dumps({"RequestId": self._request_id, **payload}).encode()
        self.send_response(status)
        self.send_header("x-acs-request-id", self._request_id)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Date", email.utils.formatdate(usegmt=True))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        self._request_id = str(uuid.uuid4()).upper()
        self._ak: Optional[str] = None
        self._token = "absent"
        self._expiration: Optional[float] = None
        self._scheme = "anonymous"
        self._action: Optional[str] = None
        parts = urlsplit(self.path)
        self._raw_path = parts.path
        self._query = _parse_query(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        self._body = self.rfile.read(length) if length else b""
        self._headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            identity, params = self._authenticate()
            handler = ACTIONS.get(self._action or "")
            if handler is None:
                raise ApiError(404, "InvalidAction.NotFound",
                               f"Specified api is not found, please check your url and method.")
            status, payload, code = 200, handler(identity, params), None
        except ApiError as e:
            status, payload, code = e.status, {"Code": e.code, "Message": e.message,
                                               "HostId": "127.0.0.1"}, e.code
        except Exception as e:  # a server bug: say so, do not hang the client
            status, payload, code = 500, {"Code": "InternalError",
                                          "Message": f"test server error: {e!r}"}, "InternalError"
        self.server.record({"method": self.command, "scheme": self._scheme,
                            "action": self._action, "access_key_id": self._ak,
                            "security_token": self._token != "absent", "token": self._token,
                            "expiration": self._expiration, "status": status, "code": code})
        self._send(status, payload)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    # -- authentication ----------------------------------------------------------------

    def _form(self) -> List[Tuple[str, str]]:
        if self._headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _parse_query(self._body.decode())
        return []

    def _authenticate(self) -> Tuple[Dict[str, Any], Dict[str, str]]:
        auth = self._headers.get("authorization", "")
        params = dict(self._query)
        if auth.startswith(signing.ACS3 + " "):
            self._scheme = "acs3"
            self._action = self._headers.get("x-acs-action")
            return self._acs3(auth), {**params, **dict(self._form())}
        if auth.startswith("acs "):
            self._scheme = "roa"
            self._action = ROA_ROUTES.get((self.command, self._raw_path))
            return self._roa(auth), params
        pairs = self._query + self._form()
        params = dict(pairs)
        if "Signature" in params:
            self._scheme = "rpc"
            self._action = params.get("Action")
            return self._rpc(pairs, params), params
        if auth:
            raise ApiError(400, "InvalidAuthorization", "unsupported Authorization scheme")
        raise ApiError(400, "MissingParameter", "The input parameter Signature that is "
                                                "mandatory for processing this request is not supplied.")

    def _credential(self, ak: str, token: Optional[str], empty_ok: bool = False) -> Dict[str, Any]:
        """The identity of ``ak`` (with its secret) after the token and expiry checks;
        ``empty_ok``: an empty token counts as none with a permanent key."""
        self._ak = ak
        self._token = "absent" if token is None else "empty" if token == "" else "present"
        found = self.server.keys.lookup(ak)
        if found is None:
            raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        sts = found["security_token"] is not None
        if found["expiration"] is not None:
            self._expiration = _parse_utc(found["expiration"])
        if sts:
            if not token:
                raise ApiError(400, "MissingSecurityToken",
                               "An STS AccessKeyId requires its security token.")
            if not _same(token, found["security_token"]):
                raise ApiError(400, "InvalidSecurityToken.MismatchWithAccessKey",
                               "The Security Token does not match the AccessKeyId.")
            if self.server.keys.now(found) >= _parse_utc(found["expiration"]):  # the mock's clock
                raise ApiError(400, "InvalidSecurityToken.Expired",
                               "Specified SecurityToken is expired.")
        elif token is not None and not (empty_ok and token == ""):  # even an empty one
            raise ApiError(400, "InvalidSecurityToken.Malformed",
                           "A security token was given with a permanent AccessKey.")
        return {"access_key_id": ak, "secret": str(found["access_key_secret"]), "sts": sts,
                "role": self.server.role}

    def _check(self, expected: str, given: str) -> None:
        if not given or not _same(expected, given):
            raise ApiError(400, "SignatureDoesNotMatch", "Specified signature is not matched "
                                                         "with our calculation.")

    def _check_skew(self, when: Optional[float]) -> None:
        if when is None or abs(time.time() - when) > MAX_SKEW:
            raise ApiError(400, "InvalidTimeStamp.Expired",
                           "Specified time stamp or date value is expired.")

    def _acs3(self, auth: str) -> Dict[str, Any]:
        fields = signing.parse_acs3_authorization(auth)
        signed = [h for h in fields.get("SignedHeaders", "").split(";") if h]
        required = {"x-acs-date", "x-acs-content-sha256", "host"}
        if "x-acs-security-token" in self._headers:
            required.add("x-acs-security-token")
        if not required <= set(signed):
            raise ApiError(400, "IncompleteSignature",
                           f"SignedHeaders must include {', '.join(sorted(required))}.")
        ak = fields.get("Credential", "")
        if self._headers.get("x-acs-accesskey-id", ak) != ak:
            raise ApiError(400, "IncompleteSignature",
                           "x-acs-accesskey-id differs from the signing AccessKeyId.")
        identity = self._credential(ak, self._headers.get("x-acs-security-token"))
        self._check_skew(_parse_iso(self._headers["x-acs-date"]))
        payload_hash = hashlib.sha256(self._body).hexdigest()
        if self._headers.get("x-acs-content-sha256") != payload_hash:
            raise ApiError(400, "SignatureDoesNotMatch",
                           "x-acs-content-sha256 is not the hash of the body.")
        canonical = signing.acs3_canonical_request(self.command, self._raw_path, self._query,
                                                   self._headers, signed, payload_hash)
        expected = signing.acs3_signature(identity["secret"],
                                          signing.acs3_string_to_sign(canonical))
        self._check(expected, fields.get("Signature", ""))
        return identity

    def _rpc(self, pairs: List[Tuple[str, str]], params: Dict[str, str]) -> Dict[str, Any]:
        if params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            raise ApiError(400, "IncompleteSignature",
                           "SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0.")
        identity = self._credential(params.get("AccessKeyId", ""), params.get("SecurityToken"),
                                    empty_ok=self.server.empty_rpc_token)
        self._check_skew(_parse_iso(params.get("Timestamp", "")))
        expected = signing.rpc_signature(identity["secret"],
                                         signing.rpc_string_to_sign(self.command, pairs))
        self._check(expected, params["Signature"])
        return identity

    def _roa(self, auth: str) -> Dict[str, Any]:
        ak, _, sig = auth[4:].strip().rpartition(":")
        identity = self._credential(ak, self._headers.get("x-acs-security-token"))
        date = self._headers.get("date", "")
        parsed = email.utils.parsedate_to_datetime(date) if date else None
        self._check_skew(parsed.timestamp() if parsed else None)
        sts = signing.roa_string_to_sign(self.command, unquote(self._raw_path), self._query,
                                         self._headers)
        self._check(signing.roa_signature(identity["secret"], sts), sig)
        return identity


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _parse_utc(text: str) -> float:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def _parse_iso(text: str) -> Optional[float]:
    """``2026-01-02T03:04:05Z`` (RPC Timestamp, x-acs-date) → Unix time, else None."""
    try:
        return _parse_utc(text)
    except ValueError:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    keys: KeyStore
    role: str
    empty_rpc_token: bool
    lock: threading.Lock
    log: List[Dict[str, Any]]

    def record(self, entry: Dict[str, Any]) -> None:
        with self.lock:
            self.log.append(entry)


class OpenApiTestServer:
    """The server, started on ``127.0.0.1:port`` (0: any free port) in a thread.

    Args:
        metadata_url: the mock metadata service whose credentials are accepted.
        keys: static ``{access_key_id: secret}`` accepted too (no token, no expiry).
        role: the role name GetCallerIdentity reports for STS credentials.
        sts_url, sts_cafile: a mock STS (and its CA's PEM file) whose credentials are
            accepted too.
        empty_rpc_token: accept an empty ``SecurityToken`` parameter with a permanent key
            in RPC requests (and record it as sent): aliyun-openapi-cpp-sdk writes one into
            every RPC request it signs with an AccessKey, its own credentials providers'
            included. Off by default: an empty token is refused like any other.
    """

    def __init__(self, metadata_url: Optional[str] = None, *,
                 keys: Optional[Mapping[str, str]] = None, role: str = "EcsRamRoleTest",
                 port: int = 0, sts_url: Optional[str] = None,
                 sts_cafile: Optional[str] = None, empty_rpc_token: bool = False) -> None:
        self._server = _Server(("127.0.0.1", port), Handler)
        self._server.empty_rpc_token = empty_rpc_token
        self._server.keys = KeyStore(metadata_url, keys, sts_url, sts_cafile)
        self._server.role = role
        self._server.lock = threading.Lock()
        self._server.log = []
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="openapi-test-server", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:PORT``: the SDKs' ``endpoint`` (with protocol ``http``)."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    @property
    def requests(self) -> List[Dict[str, Any]]:
        """Every request so far: method, scheme, action, access_key_id, security_token
        (whether one was sent), token (``absent``, ``empty`` or ``present``), expiration (Unix seconds, ``None`` for a static key or an
        unknown id), status, code."""
        with self._server.lock:
            return list(self._server.log)

    def clear_requests(self) -> None:
        with self._server.lock:
            self._server.log.clear()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "OpenApiTestServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
