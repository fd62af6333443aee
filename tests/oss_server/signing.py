"""OSS request signatures, computed independently of any SDK (stdlib only).

The verifier side of the local OSS test server: given what arrived on the wire (method,
decoded bucket and key, decoded query pairs, headers) and a secret, compute the signature
the client must have sent. Checked against the public vectors of the
alibabacloud-oss-python-sdk-v2 unit tests (see tests/python/test_oss_server.py).

- V1: base64(HMAC-SHA1(secret, VERB\\nContent-MD5\\nContent-Type\\nDate\\n
  + sorted lowercase ``x-oss-*`` headers as ``k:v\\n`` + ``/bucket/key`` + whitelisted
  sub-resources)). Presigned URLs put ``Expires`` where the date goes.
- V2 (oss2's ``OSS2``): HMAC-SHA256 over the same frame plus additional headers and every
  query parameter, URI-encoded.
- V4 (``OSS4-HMAC-SHA256``): canonical request → string to sign → HMAC-SHA256 with a key
  chained from ``"aliyun_v4" + secret`` through date, region, product, ``aliyun_v4_request``.
"""

import base64
import hashlib
import hmac
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

Pairs = Sequence[Tuple[str, str]]

# Query parameters that V1 signs ("sub-resources"); every other parameter is left out.
V1_SUBRESOURCES = frozenset(
    """acl uploadId uploads partNumber group link delete website location objectInfo
    objectMeta response-content-type response-content-language response-expires
    response-cache-control response-content-disposition response-content-encoding logging
    cors lifecycle restore qos referer stat bucketInfo append position security-token live
    comp status vod startTime endTime x-oss-process symlink callback callback-var tagging
    encryption versions versioning versionId policy requestPayment x-oss-traffic-limit
    qosInfo asyncFetch x-oss-request-payer sequential inventory inventoryId
    continuation-token worm wormId wormExtend replication replicationLocation
    replicationProgress transferAcceleration cname metaQuery x-oss-ac-source-ip
    x-oss-ac-subnet-mask x-oss-ac-vpc-id x-oss-ac-forward-allow resourceGroup style
    styleName x-oss-async-process regionList x-oss-write-get-object-response
    bucketArchiveDirectRead httpsConfig redundancyTransition x-oss-target-redundancy-type
    x-oss-redundancy-transition-taskid accessPoint accessPointPolicy publicAccessBlock
    x-oss-access-point-name requesterQosInfo qosRequester resourcePoolInfo resourcePool
    resourcePoolBuckets""".split()
)

# Headers V4 always signs besides x-oss-*.
V4_DEFAULT_SIGNED = ("content-type", "content-md5")


def _lower(headers: Mapping[str, str]) -> Dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _resource(bucket: Optional[str], key: str) -> str:
    return f"/{bucket}/{key}" if bucket else "/"


def _query(pairs: Iterable[Tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" if v else k for k, v in pairs)


def uri_encode(text: str, keep_slash: bool = False) -> str:
    """RFC 3986 encoding: everything but ``A-Za-z0-9_.-~`` (and ``/`` if asked) as %XX."""
    return quote(text, safe="/" if keep_slash else "")


# ---- V1 ------------------------------------------------------------------------------


def v1_string_to_sign(
    method: str,
    bucket: Optional[str],
    key: str,
    query: Pairs,
    headers: Mapping[str, str],
    date: Optional[str] = None,
) -> str:
    """``date``: the value in the date slot; default the ``x-oss-date`` or ``Date`` header
    (a presigned URL passes its ``Expires``)."""
    h = _lower(headers)
    if date is None:
        date = h.get("x-oss-date") or h.get("date", "")
    oss_headers = sorted((k, v) for k, v in h.items() if k.startswith("x-oss-"))
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in oss_headers)
    sub = sorted((k, v) for k, v in query if k in V1_SUBRESOURCES)
    resource = _resource(bucket, key) + (("?" + _query(sub)) if sub else "")
    return "\n".join(
        [method, h.get("content-md5", ""), h.get("content-type", ""), date,
         canonical_headers + resource]
    )


def v1_signature(secret: str, string_to_sign: str) -> str:
    mac = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


# ---- V2 ------------------------------------------------------------------------------


def v2_string_to_sign(
    method: str,
    bucket: Optional[str],
    key: str,
    query: Pairs,
    headers: Mapping[str, str],
    additional: Sequence[str] = (),
    date: Optional[str] = None,
) -> str:
    h = _lower(headers)
    if date is None:
        date = h.get("date", "")
    extra = sorted(a.lower() for a in additional)
    signed = sorted((k, v) for k, v in h.items() if k.startswith("x-oss-") or k in extra)
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in signed)
    encoded = sorted((uri_encode(k), uri_encode(v)) for k, v in query)
    resource = uri_encode(_resource(bucket, key)) + (("?" + _query(encoded)) if encoded else "")
    return "\n".join(
        [method, h.get("content-md5", ""), h.get("content-type", ""), date,
         canonical_headers + ";".join(extra), resource]
    )


def v2_signature(secret: str, string_to_sign: str) -> str:
    mac = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


# ---- V4 ------------------------------------------------------------------------------


def v4_canonical_request(
    method: str,
    bucket: Optional[str],
    key: str,
    query: Pairs,
    headers: Mapping[str, str],
    additional: Sequence[str] = (),
) -> str:
    """``query``: decoded pairs without ``x-oss-signature``."""
    h = _lower(headers)
    extra = sorted({a.lower() for a in additional})
    signed = sorted(
        (k, v)
        for k, v in h.items()
        if k.startswith("x-oss-") or k in V4_DEFAULT_SIGNED or k in extra
    )
    encoded = sorted((uri_encode(k), uri_encode(v)) for k, v in query)
    return "\n".join(
        [
            method,
            uri_encode(_resource(bucket, key), keep_slash=True),
            _query(encoded),
            "".join(f"{k}:{v}\n" for k, v in signed),
            ";".join(extra),
            h.get("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
        ]
    )


def v4_scope(date: str, region: str, product: str = "oss") -> str:
    return f"{date}/{region}/{product}/aliyun_v4_request"


def v4_string_to_sign(timestamp: str, scope: str, canonical_request: str) -> str:
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"OSS4-HMAC-SHA256\n{timestamp}\n{scope}\n{digest}"


def v4_signature(secret: str, date: str, region: str, product: str, string_to_sign: str) -> str:
    key = ("aliyun_v4" + secret).encode()
    for part in (date, region, product, "aliyun_v4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def parse_v4_authorization(value: str) -> Dict[str, str]:
    """``OSS4-HMAC-SHA256 Credential=…, AdditionalHeaders=…, Signature=…`` (oss2 puts a
    space after the commas, alibabacloud-oss-v2 does not) → its fields."""
    body = value[len("OSS4-HMAC-SHA256"):].strip()
    fields: Dict[str, str] = {}
    for part in body.split(","):
        name, _, val = part.strip().partition("=")
        fields[name] = val
    return fields


# ---- CRC-64/ECMA-182 (as OSS reports it in x-oss-hash-crc64ecma) ----------------------

_CRC64_POLY = 0xC96C5795D7870F42
_CRC64_TABLE: List[int] = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ _CRC64_POLY if _c & 1 else _c >> 1
    _CRC64_TABLE.append(_c)


def crc64(data: bytes) -> int:
    crc = 0xFFFFFFFFFFFFFFFF
    for byte in data:
        crc = _CRC64_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF
