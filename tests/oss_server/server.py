"""A local OSS test server: a few buckets and objects behind real signature checks.

Stdlib only, threaded, on 127.0.0.1. It answers what the tutorial and the tests need, in the
shapes oss2 and alibabacloud-oss-v2 parse: ListBuckets (``GET /``), ListObjects V1 and V2
(``GET /bucket/``, with prefix, delimiter, marker / continuation-token, max-keys and
``encoding-type=url``), GetObject, HeadObject, PutObject. Addressing is path-style (the SDKs
use it for an IP endpoint).

Every request must be signed, with V1 (``Authorization: OSS ak:sig``), V2 (``OSS2 ...``) or
V4 (``OSS4-HMAC-SHA256 ...``) headers or presigned URLs (V1 ``OSSAccessKeyId``/``Expires``/
``Signature``; V2/V4 ``x-oss-*`` query). Signatures are recomputed by ``signing.py``, not by
an SDK. Keys come from the mock metadata service's admin endpoint (``GET /_mock/credentials``,
full values): an STS AccessKeyId must come with its own security token, a permanent
(static) AccessKey with none at all (not even an empty one), and a credential whose
Expiration has passed on the mock's clock is refused (403 ``SecurityTokenExpired``).
Errors are OSS-style XML.

Every request is recorded in :attr:`OssTestServer.requests` (method, path, access key id,
signature scheme, status), so tests can tell which credential signed what.
"""

import datetime
import email.utils
import hashlib
import json
import ssl
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import quote, unquote, unquote_plus, urlsplit
from xml.sax.saxutils import escape

from . import signing

# What the tutorial's bucket holds.
DEFAULT_BUCKETS: Dict[str, Dict[str, bytes]] = {
    "ramroletest": {
        "ramroletest.txt": b"Hello from the ECS instance RAM role tutorial.\n",
        "test.sh": b"#!/bin/sh\necho ok\n",
    }
}

# Allowed clock skew of signed requests, as OSS allows.
MAX_SKEW = 15 * 60


class OssError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


class KeyStore:
    """AccessKeyId → (secret, token, expiration); STS keys from the mock metadata service
    and from the mock STS (``ecscred mock-sts`` / ``ecscred_mock::MockSts``, over HTTPS
    trusting its CA file), both through their admin endpoints (full values)."""

    def __init__(self, metadata_url: Optional[str], static: Optional[Mapping[str, str]],
                 sts_url: Optional[str] = None, sts_cafile: Optional[str] = None) -> None:
        self.metadata_url = metadata_url.rstrip("/") if metadata_url else None
        self.sts_url = sts_url.rstrip("/") if sts_url else None
        self.sts_cafile = sts_cafile
        self.static = dict(static or {})
        self._sts: Dict[str, Dict[str, Any]] = {}
        self._lock = threading.Lock()

    def _admin(self, method: str, path: str, body: Optional[bytes] = None,
               base: Optional[str] = None) -> Any:
        base = base or self.metadata_url
        assert base is not None
        req = urllib.request.Request(base + path, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        # The mocks are on loopback: no proxy. The mock STS speaks TLS with its own CA.
        handlers: List[Any] = [urllib.request.ProxyHandler({})]
        if base.startswith("https://"):
            handlers.append(urllib.request.HTTPSHandler(
                context=ssl.create_default_context(cafile=self.sts_cafile)))
        opener = urllib.request.build_opener(*handlers)
        with opener.open(req, timeout=5) as resp:
            return json.loads(resp.read())

    def _sources(self) -> List[str]:
        return [u for u in (self.metadata_url, self.sts_url) if u is not None]

    def lookup(self, access_key_id: str) -> Optional[Dict[str, Any]]:
        if access_key_id in self.static:
            return {"access_key_secret": self.static[access_key_id], "security_token": None,
                    "expiration": None}
        with self._lock:
            for base in self._sources():
                if access_key_id in self._sts:
                    break
                for c in self._admin("GET", "/_mock/credentials", base=base):
                    self._sts[c["access_key_id"]] = dict(c, source=base)
            return self._sts.get(access_key_id)

    def now(self, found: Optional[Mapping[str, Any]] = None) -> float:
        """The clock of the mock that issued ``found`` (credentials expire on it), else
        the metadata mock's, else real time."""
        base = (found or {}).get("source") or self.metadata_url
        if base is None:
            return time.time()
        now = self._admin("POST", "/_mock/clock", b'{"advance_secs":0}', base=base)["now"]
        return _parse_utc(now)


def _parse_utc(text: str) -> float:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def _iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z")


def _parse_query(query: str) -> List[Tuple[str, str]]:
    """Decoded pairs, in order. ``+`` is a space (``requests`` form-encodes query
    parameters); every SDK sends a literal ``+`` as ``%2B``."""
    pairs = []
    for part in query.split("&"):
        if part:
            k, _, v = part.partition("=")
            pairs.append((unquote_plus(k), unquote_plus(v)))
    return pairs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- plumbing ------------------------------------------------------------------------

    def _send(self, status: int, body: bytes = b"", headers: Optional[Dict[str, str]] = None,
              head: bool = False) -> None:
        self.send_response(status)
        self.send_header("x-oss-request-id", self._request_id)
        self.send_header("Server", "ecscred-oss-test-server")
        self.send_header("Date", email.utils.formatdate(usegmt=True))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _error(self, e: OssError, head: bool = False) -> None:
        extra = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in e.extra.items())
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
            f"<Code>{e.code}</Code><Message>{escape(e.message)}</Message>"
            f"<RequestId>{self._request_id}</RequestId><HostId>127.0.0.1</HostId>{extra}</Error>"
        ).encode()
        self._send(e.status, body, {"Content-Type": "application/xml"}, head=head)

    def _record(self, status: int) -> None:
        self.server.record({
            "method": self.command,
            "path": self._path,
            "bucket": self._bucket,
            "key": self._key,
            "access_key_id": self._ak,
            "security_token": self._token != "absent",
            "scheme": self._scheme,
            "token": self._token,
            "status": status,
        })

    def _handle(self, head: bool = False) -> None:
        self._request_id = uuid.uuid4().hex[:24].upper()
        self._ak: Optional[str] = None
        self._token = "absent"
        self._scheme = "anonymous"
        parts = urlsplit(self.path)
        self._path = unquote(parts.path)
        self._query = _parse_query(parts.query)
        segments = self._path.lstrip("/").split("/", 1)
        self._bucket = segments[0] or None
        self._key = segments[1] if len(segments) > 1 else ""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            self._authenticate()
            status, payload, headers = self._dispatch(body)
        except OssError as e:
            self._record(e.status)
            self._error(e, head=head)
            return
        except Exception as e:  # a server bug: say so, do not hang the client
            self._record(500)
            self._error(OssError(500, "InternalError", f"test server error: {e!r}"), head=head)
            return
        self._record(status)
        self._send(status, payload, headers, head=head)

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def do_PUT(self) -> None:
        self._handle()

    # -- authentication ----------------------------------------------------------------

    def _headers(self) -> Dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    def _authenticate(self) -> None:
        headers = self._headers()
        q = dict(self._query)
        auth = headers.get("authorization", "")
        if auth.startswith("OSS "):
            self._v1_header(auth, headers)
        elif auth.startswith("OSS2 "):
            self._v2_header(auth, headers)
        elif auth.startswith("OSS4-HMAC-SHA256 "):
            self._v4_header(auth, headers)
        elif auth:
            raise OssError(400, "InvalidArgument", "unsupported Authorization scheme")
        elif "OSSAccessKeyId" in q:
            self._v1_query(q, headers)
        elif q.get("x-oss-signature-version") == "OSS2":
            self._v2_query(q, headers)
        elif q.get("x-oss-signature-version") == "OSS4-HMAC-SHA256":
            self._v4_query(q, headers)
        else:
            raise OssError(403, "AccessDenied", "You have no right to access this object "
                           "because of bucket acl.")

    def _credential(self, ak: str, token: Optional[str]) -> str:
        """The secret of ``ak`` after the token and expiry checks."""
        self._ak = ak
        self._token = _token_state(token)
        found = self.server.keys.lookup(ak)
        if found is None:
            raise OssError(403, "InvalidAccessKeyId",
                           "The OSS Access Key Id you provided does not exist in our records.",
                           OSSAccessKeyId=ak)
        if found["security_token"] is not None:
            if not token:
                raise OssError(403, "InvalidAccessKeyId",
                               "An STS AccessKeyId requires its security token.",
                               OSSAccessKeyId=ak)
            if token != found["security_token"]:
                raise OssError(403, "InvalidSecurityToken",
                               "The security token does not belong to the AccessKeyId.")
        elif token is not None:  # even an empty one
            raise OssError(403, "InvalidSecurityToken",
                           "A security token was given with a permanent AccessKey.")
        if found["expiration"] is not None:
            if self.server.keys.now(found) >= _parse_utc(found["expiration"]):
                raise OssError(403, "SecurityTokenExpired",
                               "The security token you provided has expired.")
        return str(found["access_key_secret"])

    def _check(self, expected: str, given: str, string_to_sign: str) -> None:
        if not given or not _same(expected, given):
            raise OssError(403, "SignatureDoesNotMatch",
                           "The request signature we calculated does not match the "
                           "signature you provided.",
                           StringToSign=string_to_sign)

    def _check_skew(self, when: float) -> None:
        if abs(time.time() - when) > MAX_SKEW:
            raise OssError(403, "RequestTimeTooSkewed", "The difference between the request "
                           "time and the current time is too large.")

    def _v1_header(self, auth: str, headers: Dict[str, str]) -> None:
        self._scheme = "v1"
        ak, _, sig = auth[4:].strip().rpartition(":")
        secret = self._credential(ak, headers.get("x-oss-security-token"))
        date = headers.get("x-oss-date") or headers.get("date", "")
        parsed = email.utils.parsedate_to_datetime(date) if date else None
        if parsed is None:
            raise OssError(403, "AccessDenied", "Date header required")
        self._check_skew(parsed.timestamp())
        sts = signing.v1_string_to_sign(self.command, self._bucket, self._key, self._query, headers)
        self._check(signing.v1_signature(secret, sts), sig, sts)

    def _v1_query(self, q: Dict[str, str], headers: Dict[str, str]) -> None:
        self._scheme = "v1-url"
        secret = self._credential(q["OSSAccessKeyId"], q.get("security-token"))
        expires = q.get("Expires", "")
        if not expires.isdigit() or int(expires) < time.time():
            raise OssError(403, "AccessDenied", "Request has expired.")
        sts = signing.v1_string_to_sign(self.command, self._bucket, self._key, self._query,
                                        headers, date=expires)
        self._check(signing.v1_signature(secret, sts), q.get("Signature", ""), sts)

    def _v2_header(self, auth: str, headers: Dict[str, str]) -> None:
        self._scheme = "v2"
        fields = dict(p.strip().partition(":")[::2] for p in auth[5:].split(","))
        secret = self._credential(fields.get("AccessKeyId", ""), headers.get("x-oss-security-token"))
        additional = [h for h in fields.get("AdditionalHeaders", "").split(";") if h]
        sts = signing.v2_string_to_sign(self.command, self._bucket, self._key, self._query,
                                        headers, additional)
        self._check(signing.v2_signature(secret, sts), fields.get("Signature", ""), sts)

    def _v2_query(self, q: Dict[str, str], headers: Dict[str, str]) -> None:
        self._scheme = "v2-url"
        secret = self._credential(q.get("x-oss-access-key-id", ""), q.get("security-token"))
        expires = q.get("x-oss-expires", "")
        if not expires.isdigit() or int(expires) < time.time():
            raise OssError(403, "AccessDenied", "Request has expired.")
        additional = [h for h in q.get("x-oss-additional-headers", "").split(";") if h]
        pairs = [(k, v) for k, v in self._query if k != "x-oss-signature"]
        sts = signing.v2_string_to_sign(self.command, self._bucket, self._key, pairs, headers,
                                        additional, date=expires)
        self._check(signing.v2_signature(secret, sts), q.get("x-oss-signature", ""), sts)

    def _v4(self, credential: str, timestamp: str, token: Optional[str], additional: List[str],
            pairs: List[Tuple[str, str]], headers: Dict[str, str], given: str) -> None:
        ak, _, scope = credential.partition("/")
        date, region, product, terminator = (scope.split("/") + ["", "", "", ""])[:4]
        if terminator != "aliyun_v4_request" or not timestamp.startswith(date):
            raise OssError(400, "InvalidArgument", "malformed V4 credential scope")
        secret = self._credential(ak, token)
        canonical = signing.v4_canonical_request(self.command, self._bucket, self._key, pairs,
                                                 headers, additional)
        sts = signing.v4_string_to_sign(timestamp, scope, canonical)
        self._check(signing.v4_signature(secret, date, region, product, sts), given, sts)

    def _v4_header(self, auth: str, headers: Dict[str, str]) -> None:
        self._scheme = "v4"
        fields = signing.parse_v4_authorization(auth)
        timestamp = headers.get("x-oss-date", "")
        try:
            when = datetime.datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            raise OssError(403, "AccessDenied", "x-oss-date header required") from None
        self._check_skew(when.timestamp())
        additional = [h for h in fields.get("AdditionalHeaders", "").split(";") if h]
        self._v4(fields.get("Credential", ""), timestamp, headers.get("x-oss-security-token"),
                 additional, self._query, headers, fields.get("Signature", ""))

    def _v4_query(self, q: Dict[str, str], headers: Dict[str, str]) -> None:
        self._scheme = "v4-url"
        timestamp = q.get("x-oss-date", "")
        try:
            when = datetime.datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
            expires = int(q.get("x-oss-expires", ""))
        except ValueError:
            raise OssError(403, "AccessDenied", "malformed presigned URL") from None
        if when + expires < time.time():
            raise OssError(403, "AccessDenied", "Request has expired.")
        additional = [h for h in q.get("x-oss-additional-headers", "").split(";") if h]
        pairs = [(k, v) for k, v in self._query if k != "x-oss-signature"]
        self._v4(q.get("x-oss-credential", ""), timestamp, q.get("x-oss-security-token"),
                 additional, pairs, headers, q.get("x-oss-signature", ""))

    # -- operations ----------------------------------------------------------------------

    def _dispatch(self, body: bytes) -> Tuple[int, bytes, Dict[str, str]]:
        if self._bucket is None:
            if self.command == "GET":
                return self._list_buckets()
            raise OssError(405, "MethodNotAllowed", "The specified method is not allowed.")
        objects = self.server.buckets.get(self._bucket)
        if objects is None:
            raise OssError(404, "NoSuchBucket", "The specified bucket does not exist.",
                           BucketName=self._bucket)
        if not self._key:
            if self.command == "GET":
                return self._list_objects(objects)
            raise OssError(405, "MethodNotAllowed", "The specified method is not allowed.")
        if self.command == "PUT":
            with self.server.lock:
                objects[self._key] = body
            return 200, b"", self._object_headers(body)
        if self.command in ("GET", "HEAD"):
            with self.server.lock:
                data = objects.get(self._key)
            if data is None:
                raise OssError(404, "NoSuchKey", "The specified key does not exist.",
                               Key=self._key)
            headers = self._object_headers(data)
            headers["Content-Type"] = "application/octet-stream"
            headers["Last-Modified"] = email.utils.formatdate(self.server.started, usegmt=True)
            return 200, data, headers
        raise OssError(405, "MethodNotAllowed", "The specified method is not allowed.")

    @staticmethod
    def _object_headers(data: bytes) -> Dict[str, str]:
        return {
            "ETag": '"' + hashlib.md5(data).hexdigest().upper() + '"',
            "x-oss-hash-crc64ecma": str(signing.crc64(data)),
            "x-oss-object-type": "Normal",
            "x-oss-storage-class": "Standard",
        }

    def _list_buckets(self) -> Tuple[int, bytes, Dict[str, str]]:
        created = _iso(self.server.started)
        items = "".join(
            f"<Bucket><CreationDate>{created}</CreationDate>"
            "<ExtranetEndpoint>127.0.0.1</ExtranetEndpoint>"
            "<IntranetEndpoint>127.0.0.1</IntranetEndpoint>"
            "<Location>oss-cn-hangzhou</Location><Name>"
            f"{escape(name)}</Name><Region>cn-hangzhou</Region>"
            "<StorageClass>Standard</StorageClass></Bucket>"
            for name in sorted(self.server.buckets)
        )
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult>'
               "<Owner><ID>ecscred</ID><DisplayName>ecscred</DisplayName></Owner>"
               f"<Buckets>{items}</Buckets></ListAllMyBucketsResult>")
        return 200, xml.encode(), {"Content-Type": "application/xml"}

    def _list_objects(self, objects: Dict[str, bytes]) -> Tuple[int, bytes, Dict[str, str]]:
        q = dict(self._query)
        v2 = q.get("list-type") == "2"
        prefix = q.get("prefix", "")
        delimiter = q.get("delimiter", "")
        url = q.get("encoding-type") == "url"
        try:
            max_keys = int(q.get("max-keys") or 100)
        except ValueError:
            raise OssError(400, "InvalidArgument", "max-keys must be an integer") from None
        max_keys = max(1, min(max_keys, 1000))
        if v2:
            after = q.get("continuation-token") or q.get("start-after", "")
        else:
            after = q.get("marker", "")

        with self.server.lock:
            keys = sorted(k for k in objects if k.startswith(prefix) and k > after
                          # a marker that is a common prefix skips everything under it
                          and not (delimiter and after.endswith(delimiter) and k.startswith(after)))
            sizes = {k: len(objects[k]) for k in keys}
            etags = {k: hashlib.md5(objects[k]).hexdigest().upper() for k in keys}
        contents: List[str] = []
        prefixes: List[str] = []
        last = ""
        truncated = False
        for k in keys:
            if delimiter:
                cut = k.find(delimiter, len(prefix))
                if cut >= 0:
                    common = k[: cut + len(delimiter)]
                    if common not in prefixes:
                        if len(contents) + len(prefixes) >= max_keys:
                            truncated = True
                            break
                        prefixes.append(common)
                    last = common
                    continue
            if len(contents) + len(prefixes) >= max_keys:
                truncated = True
                break
            contents.append(k)
            last = k

        def enc(s: str) -> str:
            return escape(quote(s, safe="/") if url else s)

        modified = _iso(self.server.started)
        items = "".join(
            f"<Contents><Key>{enc(k)}</Key><LastModified>{modified}</LastModified>"
            f'<ETag>"{etags[k]}"</ETag><Type>Normal</Type><Size>{sizes[k]}</Size>'
            "<StorageClass>Standard</StorageClass>"
            "<Owner><ID>ecscred</ID><DisplayName>ecscred</DisplayName></Owner></Contents>"
            for k in contents
        )
        common = "".join(f"<CommonPrefixes><Prefix>{enc(p)}</Prefix></CommonPrefixes>"
                         for p in prefixes)
        head = [f"<Name>{escape(self._bucket or '')}</Name>", f"<Prefix>{enc(prefix)}</Prefix>",
                f"<MaxKeys>{max_keys}</MaxKeys>", f"<Delimiter>{enc(delimiter)}</Delimiter>"]
        if url:
            head.append("<EncodingType>url</EncodingType>")
        head.append(f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>")
        if v2:
            if q.get("continuation-token"):
                head.append(f"<ContinuationToken>{enc(q['continuation-token'])}</ContinuationToken>")
            if q.get("start-after"):
                head.append(f"<StartAfter>{enc(q['start-after'])}</StartAfter>")
            head.append(f"<KeyCount>{len(contents) + len(prefixes)}</KeyCount>")
            if truncated:
                head.append(f"<NextContinuationToken>{enc(last)}</NextContinuationToken>")
        else:
            head.append(f"<Marker>{enc(q.get('marker', ''))}</Marker>")
            if truncated:
                head.append(f"<NextMarker>{enc(last)}</NextMarker>")
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>'
               + "".join(head) + items + common + "</ListBucketResult>")
        return 200, xml.encode(), {"Content-Type": "application/xml"}


def _token_state(token: Optional[str]) -> str:
    """How a request carried its security token: ``absent``, ``empty`` or ``present``."""
    return "absent" if token is None else "empty" if token == "" else "present"


def _same(a: str, b: str) -> bool:
    import hmac as _hmac

    return _hmac.compare_digest(a.encode(), b.encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    keys: KeyStore
    buckets: Dict[str, Dict[str, bytes]]
    lock: threading.Lock
    started: float

    def record(self, entry: Dict[str, Any]) -> None:
        with self.lock:
            self.log.append(entry)

    log: List[Dict[str, Any]]


class OssTestServer:
    """The server, started on ``127.0.0.1:port`` (0: any free port) in a thread.

    Args:
        metadata_url: the mock metadata service whose credentials are accepted.
        keys: static ``{access_key_id: secret}`` accepted too (no token, no expiry).
        sts_url, sts_cafile: a mock STS (and its CA's PEM file) whose credentials are
            accepted too.
        buckets: ``{bucket: {key: bytes}}``; default: the tutorial's ``ramroletest`` bucket
            with ``ramroletest.txt`` and ``test.sh``.
    """

    def __init__(
        self,
        metadata_url: Optional[str] = None,
        *,
        keys: Optional[Mapping[str, str]] = None,
        buckets: Optional[Mapping[str, Mapping[str, bytes]]] = None,
        port: int = 0,
        sts_url: Optional[str] = None,
        sts_cafile: Optional[str] = None,
    ) -> None:
        source = DEFAULT_BUCKETS if buckets is None else buckets
        self._server = _Server(("127.0.0.1", port), Handler)
        self._server.keys = KeyStore(metadata_url, keys, sts_url, sts_cafile)
        self._server.buckets = {b: dict(objs) for b, objs in source.items()}
        self._server.lock = threading.Lock()
        self._server.log = []
        self._server.started = float(int(time.time()))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="oss-test-server", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the SDKs' endpoint."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> List[Dict[str, Any]]:
        """Every request so far: method, path, bucket, key, access_key_id, security_token
        (whether one was sent), scheme, token (``absent``, ``empty`` or ``present``: how
        the security token was sent), status."""
        with self._server.lock:
            return list(self._server.log)

    def clear_requests(self) -> None:
        with self._server.lock:
            self._server.log.clear()

    def put(self, bucket: str, key: str, data: bytes) -> None:
        """Adds or replaces an object (creating the bucket)."""
        with self._server.lock:
            self._server.buckets.setdefault(bucket, {})[key] = data

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "OssTestServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
