"""Alibaba Cloud OpenAPI request signatures, computed independently of any SDK (stdlib).

The verifier side of the local OpenAPI test server: given what arrived on the wire and a
secret, compute the signature the client must have sent.

- ACS3-HMAC-SHA256 (V3; tea-openapi and darabonba's default): canonical request =
  ``METHOD\\nURI\\ncanonical query\\ncanonical headers\\nsigned headers\\nhex(sha256(body))``
  (query pairs RFC 3986-encoded and sorted; the headers named in ``SignedHeaders``,
  lowercase, ``name:trimmed value\\n``, sorted); string to sign =
  ``ACS3-HMAC-SHA256\\n`` + hex(sha256(canonical request)); signature =
  hex(HMAC-SHA256(secret, string to sign)).
- RPC V1 (aliyun-python-sdk-core's RPC, tea-openapi with ``signature_algorithm='v2'``):
  string to sign = ``METHOD&%2F&`` + encode(sorted ``encode(k)=encode(v)`` joined by
  ``&``, every parameter but ``Signature``); signature =
  base64(HMAC-SHA1(secret + ``&``, string to sign)).
- ROA V1 (aliyun-python-sdk-core's ROA, ``Authorization: acs ID:SIG``):
  base64(HMAC-SHA1(secret, METHOD\\nAccept\\nContent-MD5\\nContent-Type\\nDate\\n +
  sorted lowercase ``x-acs-*`` headers as ``k:v\\n`` + path + sorted raw query)).
"""

import base64
import hashlib
import hmac
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple
from urllib.parse import quote

Pairs = Sequence[Tuple[str, str]]

ACS3 = "ACS3-HMAC-SHA256"


def percent_encode(text: str) -> str:
    """RFC 3986 (unreserved kept, everything else %XX, space as %20)."""
    return quote(text, safe="~")


def parse_acs3_authorization(value: str) -> Dict[str, str]:
    """``ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=a;b,Signature=hex`` → its fields."""
    fields: Dict[str, str] = {}
    for part in value[len(ACS3):].split(","):
        k, _, v = part.strip().partition("=")
        fields[k] = v
    return fields


def acs3_canonical_request(method: str, raw_path: str, query: Pairs,
                           headers: Mapping[str, str], signed: Iterable[str],
                           payload_hash: str) -> str:
    canonical_query = "&".join(sorted(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in query))
    lower = {k.lower(): v for k, v in headers.items()}
    names = sorted(h.lower() for h in signed)
    canonical_headers = "".join(f"{n}:{lower.get(n, '').strip()}\n" for n in names)
    return "\n".join([method, raw_path or "/", canonical_query, canonical_headers,
                      ";".join(names), payload_hash])


def acs3_string_to_sign(canonical_request: str) -> str:
    return f"{ACS3}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"


def acs3_signature(secret: str, string_to_sign: str) -> str:
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def rpc_string_to_sign(method: str, params: Pairs) -> str:
    canonical = "&".join(sorted(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in params if k != "Signature"))
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def rpc_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def roa_string_to_sign(method: str, path: str, query: Pairs,
                       headers: Mapping[str, str]) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    frame = [method] + [lower.get(h, "") for h in ("accept", "content-md5", "content-type",
                                                    "date")]
    acs = "".join(f"{k}:{lower[k]}\n" for k in sorted(lower) if k.startswith("x-acs-"))
    items: List[str] = [f"{k}={v}" if v else k for k, v in sorted(query)]
    resource = path + ("?" + "&".join(items) if items else "")
    return "\n".join(frame) + "\n" + acs + resource


def roa_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
