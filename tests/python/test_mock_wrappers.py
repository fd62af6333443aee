"""ecscred.testing.MockCredentialsUri, and MockSts's AssumeRole with access_keys: the
wrappers' shape (url, counters, requests, advance, inject, issued, stop, context manager),
driven over real loopback HTTP(S)."""

import base64
import datetime
import hashlib
import hmac
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, Optional, Tuple

import pytest

from ecscred.testing import MockCredentialsUri, MockSts

KEY_ID, KEY_SECRET = "LTAI5tPythonMock", "python-mock-secret"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str) -> Tuple[int, bytes]:
    try:
        with OPENER.open(url, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_credentials_uri_serves_rotates_and_misbehaves() -> None:
    with MockCredentialsUri(lifetime=900, rotate_before=300) as uri:
        assert uri.url.startswith("http://127.0.0.1:") and uri.url.endswith("/credentials")
        status, body = fetch(uri.url)
        assert status == 200
        served = json.loads(body)
        (issued,) = uri.issued()
        assert served["Code"] == "Success"
        assert served["AccessKeyId"] == issued["access_key_id"] == uri.current()["access_key_id"]
        assert served["AccessKeySecret"] == issued["access_key_secret"]
        assert served["SecurityToken"] == issued["security_token"]
        assert served["Expiration"] == issued["expiration"].strftime("%Y-%m-%dT%H:%M:%SZ")
        assert issued["expiration"] - issued["last_updated"] == datetime.timedelta(seconds=900)
        assert uri.counters() == {"requests": 1, "credential_gets": 1, "max_concurrent": 1}
        assert uri.requests() == ["GET /credentials"]

        before = uri.now()
        uri.advance(600)
        assert uri.now() - before >= datetime.timedelta(seconds=600)
        assert json.loads(fetch(uri.url)[1])["AccessKeyId"] != served["AccessKeyId"]

        uri.inject("status", status=503, count=1)
        uri.inject("code", code="Failure", count=1)
        assert fetch(uri.url)[0] == 503
        assert json.loads(fetch(uri.url)[1])["Code"] == "Failure"
        assert json.loads(fetch(uri.url)[1])["Code"] == "Success"
        uri.inject("malformed_json")
        uri.clear_faults()
        assert fetch(uri.url)[0] == 200
        uri.reset_counters()
        assert uri.counters()["requests"] == 0

        shown = repr(uri)
        assert shown == f"MockCredentialsUri(url={uri.url!r})"
        assert all(c["access_key_secret"] not in shown for c in uri.issued())
        url = uri.url
    with pytest.raises(OSError):
        OPENER.open(url, timeout=10)
    with pytest.raises(RuntimeError, match="stopped"):
        uri.counters()
    with pytest.raises(ValueError, match="path"):
        MockCredentialsUri(path="credentials")


def _sign(params: Dict[str, str], secret: str) -> str:
    """RPC signature V1, written here again so the mock is checked against a second
    implementation."""
    def enc(s: str) -> str:
        return urllib.parse.quote(s, safe="-_.~")
    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    to_sign = f"POST&{enc('/')}&{enc(canonical)}"
    mac = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def assume_role(sts: MockSts, key_id: str, secret: str,
                token: Optional[str] = None) -> Tuple[int, Dict[str, Any]]:
    params = {
        "Action": "AssumeRole", "Version": "2015-04-01", "Format": "JSON",
        "AccessKeyId": key_id, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
        "SignatureNonce": str(uuid.uuid4()),
        "Timestamp": sts.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "RoleArn": "acs:ram::1234567890:role/python", "RoleSessionName": "py chained",
        "Policy": '{"Statement": []}',
    }
    if token is not None:
        params["SecurityToken"] = token
    params["Signature"] = _sign(params, secret)
    context = ssl.create_default_context(cadata=sts.ca_pem)
    https = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                        urllib.request.HTTPSHandler(context=context))
    data = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
    try:
        with https.open(sts.url + "/", data=data, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_sts_access_keys_sign_assume_role_and_chain() -> None:
    with MockSts("oidc-token", access_keys={KEY_ID: KEY_SECRET}) as sts:
        status, body = assume_role(sts, KEY_ID, KEY_SECRET)
        assert status == 200, body
        c = body["Credentials"]
        status, chained = assume_role(sts, c["AccessKeyId"], c["AccessKeySecret"],
                                      c["SecurityToken"])
        assert status == 200, chained
        status, refused = assume_role(sts, KEY_ID, "wrong-secret")
        assert (status, refused["Code"]) == (400, "SignatureDoesNotMatch")
        status, refused = assume_role(sts, c["AccessKeyId"], c["AccessKeySecret"])
        assert (status, refused["Code"]) == (400, "InvalidSecurityToken.MismatchWithAccessKey")

        counters = sts.counters()
        assert (counters["assume_role"], counters["issued"], counters["signature_refusals"]) \
            == (2, 2, 2)
        assert [i["access_key_id"] for i in sts.issued()] == [
            c["AccessKeyId"], chained["Credentials"]["AccessKeyId"]]
        lines = sts.requests()
        assert f"AccessKeyId={KEY_ID} verdict=issued -> 200" in lines[0]
        assert "RoleSessionName=py%20chained" in lines[0]
        everything = "\n".join(lines) + repr(sts)
        for secret in (KEY_SECRET, c["AccessKeySecret"], c["SecurityToken"]):
            assert secret not in everything
        assert repr(sts) == f"MockSts(url={sts.url!r})"
