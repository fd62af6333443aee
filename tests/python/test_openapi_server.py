"""The local OpenAPI test server verifies what it should: the signing code against the
published RPC example and the SDK's own ACS3 signer, and its refusals (tampered requests,
unknown ids, a token of another credential, expired credentials) with requests signed
here by hand, without any SDK."""

import datetime
import hashlib
import json
import random
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlencode

import pytest

import ecscred
from ecscred.testing import MockMetadataServer
from tests.openapi_server import OpenApiTestServer, signing


def test_rpc_signature_matches_the_published_example() -> None:
    # The example of Alibaba Cloud's "RPC signature" documentation (ECS DescribeRegions).
    params = [("Timestamp", "2016-02-23T12:46:24Z"), ("Format", "XML"),
              ("AccessKeyId", "testid"), ("Action", "DescribeRegions"),
              ("SignatureMethod", "HMAC-SHA1"),
              ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
              ("Version", "2014-05-26"), ("SignatureVersion", "1.0")]
    sts = signing.rpc_string_to_sign("GET", params)
    assert sts == ("GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
                   "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-"
                   "4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%2"
                   "53A24Z%26Version%3D2014-05-26")
    assert signing.rpc_signature("testsecret", sts) == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_acs3_signature_agrees_with_tea_openapi() -> None:
    from alibabacloud_tea_openapi.utils import Utils
    from darabonba.request import DaraRequest

    rng = random.Random(7)
    for _ in range(50):
        request = DaraRequest()
        request.method = rng.choice(["GET", "POST"])
        request.pathname = rng.choice(["/", "/regions", "/api/v1/a-b_c.d"])
        request.query = {f"k{rng.randrange(9)}": rng.choice(["v", "a b", "x/y~z*", "中文", ""])
                         for _ in range(rng.randrange(4))}
        request.headers = {"host": "127.0.0.1:1", "x-acs-date": "2026-01-01T00:00:00Z",
                           "x-acs-action": "DescribeRegions", "content-type": "application/json",
                           "x-acs-security-token": "tok en", "x-acs-content-sha256": "00"}
        auth = Utils.get_authorization(request, "ACS3-HMAC-SHA256", "00", "id", "secret")
        fields = signing.parse_acs3_authorization(auth)
        canonical = signing.acs3_canonical_request(
            request.method, request.pathname, list(request.query.items()),
            request.headers, fields["SignedHeaders"].split(";"), "00")
        assert fields["Signature"] == signing.acs3_signature(
            "secret", signing.acs3_string_to_sign(canonical)), auth


# -- requests signed by hand ---------------------------------------------------------------


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _send(url: str, method: str = "GET", headers: Optional[Dict[str, str]] = None,
          body: bytes = b"") -> Tuple[int, Dict[str, Any]]:
    req = urllib.request.Request(url, data=body if method == "POST" else None, method=method,
                                 headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _rpc(server: OpenApiTestServer, cred: Dict[str, Any], *, action: str = "DescribeRegions",
         secret: Optional[str] = None, token: Optional[str] = None,
         tamper: Optional[Tuple[str, str]] = None) -> Tuple[int, Dict[str, Any]]:
    params: List[Tuple[str, str]] = [
        ("Action", action), ("Version", "2014-05-26"), ("Format", "JSON"),
        ("AccessKeyId", cred["access_key_id"]), ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"), ("SignatureNonce", str(uuid.uuid4())),
        ("Timestamp", _now())]
    token = cred["security_token"] if token is None else token
    if token is not None:
        params.append(("SecurityToken", token))
    sts = signing.rpc_string_to_sign("GET", params)
    params.append(("Signature", signing.rpc_signature(
        cred["access_key_secret"] if secret is None else secret, sts)))
    if tamper is not None:
        params = [(k, tamper[1] if k == tamper[0] else v) for k, v in params]
    return _send(f"{server.url}/?{urlencode(params)}")


def _acs3(server: OpenApiTestServer, cred: Dict[str, Any], *, body: bytes = b"",
          tamper_body: Optional[bytes] = None, tamper_header: Optional[Tuple[str, str]] = None,
          sign_token: bool = True) -> Tuple[int, Dict[str, Any]]:
    headers = {"host": server.endpoint, "x-acs-action": "GetCallerIdentity",
               "x-acs-version": "2015-04-01", "x-acs-date": _now(),
               "x-acs-signature-nonce": str(uuid.uuid4()),
               "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
               "x-acs-security-token": cred["security_token"],
               "content-type": "application/x-www-form-urlencoded"}
    signed = sorted(h for h in headers if sign_token or h != "x-acs-security-token")
    canonical = signing.acs3_canonical_request("POST", "/", [], headers, signed,
                                               headers["x-acs-content-sha256"])
    signature = signing.acs3_signature(cred["access_key_secret"],
                                       signing.acs3_string_to_sign(canonical))
    headers["Authorization"] = (f"ACS3-HMAC-SHA256 Credential={cred['access_key_id']},"
                                f"SignedHeaders={';'.join(signed)},Signature={signature}")
    if tamper_header is not None:
        headers[tamper_header[0]] = tamper_header[1]
    return _send(server.url + "/", "POST", headers, body if tamper_body is None else tamper_body)


@pytest.fixture
def cred(mock: MockMetadataServer) -> Dict[str, Any]:
    ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    return mock.issued()[0]


def test_hand_signed_requests_are_accepted(openapi: OpenApiTestServer,
                                           cred: Dict[str, Any]) -> None:
    status, body = _rpc(openapi, cred)
    assert status == 200 and body["Regions"]["Region"][0]["RegionId"] == "cn-hangzhou"
    status, body = _acs3(openapi, cred, body=b"a=b")
    assert status == 200 and body["Arn"].endswith(f"/EcsRamRoleTest/{cred['access_key_id']}")
    assert [(r["scheme"], r["access_key_id"], r["status"]) for r in openapi.requests] == [
        ("rpc", cred["access_key_id"], 200), ("acs3", cred["access_key_id"], 200)]


@pytest.mark.parametrize("tamper, code", [
    ({"tamper": ("Action", "GetCallerIdentity")}, "SignatureDoesNotMatch"),
    ({"secret": "wrong"}, "SignatureDoesNotMatch"),
    ({"token": ""}, "MissingSecurityToken"),
    ({"tamper": ("Signature", "AAAA")}, "SignatureDoesNotMatch"),
])
def test_rpc_refusals(openapi: OpenApiTestServer, cred: Dict[str, Any],
                      tamper: Dict[str, Any], code: str) -> None:
    status, body = _rpc(openapi, cred, **tamper)
    assert (status, body["Code"]) == (400, code)


@pytest.mark.parametrize("tamper, code", [
    ({"tamper_body": b"a=c"}, "SignatureDoesNotMatch"),
    ({"tamper_header": ("x-acs-action", "DescribeRegions")}, "SignatureDoesNotMatch"),
    ({"tamper_header": ("x-acs-security-token", "other")},
     "InvalidSecurityToken.MismatchWithAccessKey"),
    ({"sign_token": False}, "IncompleteSignature"),
])
def test_acs3_refusals(openapi: OpenApiTestServer, cred: Dict[str, Any],
                       tamper: Dict[str, Any], code: str) -> None:
    status, body = _acs3(openapi, cred, body=b"a=b", **tamper)
    assert (status, body["Code"]) == (400, code)


def test_a_permanent_key_takes_no_token_not_even_an_empty_one() -> None:
    key = {"access_key_id": "LTAIstatic", "access_key_secret": "s3cr3t", "security_token": None}
    with OpenApiTestServer(keys={"LTAIstatic": "s3cr3t"}) as api:
        assert _rpc(api, key)[0] == 200
        status, body = _rpc(api, key, token="")
        assert (status, body["Code"]) == (400, "InvalidSecurityToken.Malformed")
        assert [(r["security_token"], r["status"]) for r in api.requests] == [
            (False, 200), (True, 400)]


def test_unknown_access_key_id(openapi: OpenApiTestServer, cred: Dict[str, Any]) -> None:
    status, body = _rpc(openapi, {**cred, "access_key_id": "STS.unknown"})
    assert (status, body["Code"]) == (404, "InvalidAccessKeyId.NotFound")


def test_token_of_another_credential(mock: MockMetadataServer, openapi: OpenApiTestServer,
                                     cred: Dict[str, Any]) -> None:
    mock.advance(6 * 3600 - 20 * 60)  # rotated at the mock, the first one still valid
    ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    second = mock.issued()[1]
    assert second["access_key_id"] != cred["access_key_id"]
    assert _rpc(openapi, second)[0] == 200 and _rpc(openapi, cred)[0] == 200
    status, body = _rpc(openapi, cred, token=second["security_token"])
    assert (status, body["Code"]) == (400, "InvalidSecurityToken.MismatchWithAccessKey")


def test_expired_credential(mock: MockMetadataServer, openapi: OpenApiTestServer,
                            cred: Dict[str, Any]) -> None:
    assert _acs3(openapi, cred)[0] == 200
    mock.advance(6 * 3600 + 1)
    for status, body in (_acs3(openapi, cred), _rpc(openapi, cred)):
        assert (status, body["Code"]) == (400, "InvalidSecurityToken.Expired")


def test_unsigned_and_unknown_actions(openapi: OpenApiTestServer, cred: Dict[str, Any]) -> None:
    status, body = _send(openapi.url + "/?Action=DescribeRegions")
    assert (status, body["Code"]) == (400, "MissingParameter")
    status, body = _rpc(openapi, cred, action="RunInstances")
    assert (status, body["Code"]) == (404, "InvalidAction.NotFound")
