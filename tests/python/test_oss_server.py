"""The local OSS test server's own verifier: public vectors and refusals."""

import email.utils
import time
from typing import Dict, List, Tuple

import oss2
import pytest
import requests

import ecscred
from ecscred.testing import MockMetadataServer
from tests.oss_server import OssTestServer, signing

# alibabacloud-oss-python-sdk-v2, tests/unit/signer/test_v1.py and test_v4.py
V1_HEADERS = {
    "Content-MD5": "eB5eJF1ptWaXm4bijSPyxw==",
    "Content-Type": "text/html",
    "x-oss-meta-author": "alice",
    "x-oss-meta-magic": "abracadabra",
    "x-oss-date": "Wed, 28 Dec 2022 10:27:41 GMT",
}
V4_QUERY: List[Tuple[str, str]] = [
    ("param1", "value1"), ("+param1", "value3"), ("|param1", "value4"),
    ("+param2", ""), ("|param2", ""), ("param2", ""),
]


def test_v1_vectors() -> None:
    sts = signing.v1_string_to_sign("PUT", "examplebucket", "nelson", [], V1_HEADERS)
    assert sts == ("PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\n"
                   "x-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\n"
                   "x-oss-meta-magic:abracadabra\n/examplebucket/nelson")
    assert signing.v1_signature("sk", sts) == "kSHKmLxlyEAKtZPkJhG9bZb5k7M="
    sts = signing.v1_string_to_sign("PUT", "examplebucket", "nelson", [("acl", "")], V1_HEADERS)
    assert signing.v1_signature("sk", sts) == "/afkugFbmWDQ967j1vr6zygBLQk="
    sts = signing.v1_string_to_sign(
        "GET", "examplebucket", "", [("resourceGroup", ""), ("non-resousce", "null")],
        {"x-oss-date": "Wed, 28 Dec 2022 10:27:41 GMT"})
    assert sts.endswith("\n/examplebucket/?resourceGroup")
    assert signing.v1_signature("sk", sts) == "vkQmfuUDyi1uDi3bKt67oemssIs="


def _v4(timestamp: str, headers: Dict[str, str], additional: List[str] = (),  # type: ignore[assignment]
        query: List[Tuple[str, str]] = V4_QUERY) -> str:
    canonical = signing.v4_canonical_request("PUT", "bucket", "1234+-/123/1.txt", query,
                                             headers, additional)
    scope = signing.v4_scope(timestamp[:8], "cn-hangzhou")
    return signing.v4_signature("sk", timestamp[:8], "cn-hangzhou", "oss",
                                signing.v4_string_to_sign(timestamp, scope, canonical))


def test_v4_vectors() -> None:
    headers = {"x-oss-head1": "value", "abc": "value", "ZAbc": "value", "XYZ": "value",
               "content-type": "text/plain", "x-oss-content-sha256": "UNSIGNED-PAYLOAD"}
    assert _v4("20231216T162057Z", {**headers, "x-oss-date": "20231216T162057Z"}).startswith(
        "e21d18da")
    assert _v4("20231216T162057Z", {**headers, "x-oss-date": "20231216T162057Z"}) == (
        "e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe")
    assert _v4("20231216T172512Z", {**headers, "x-oss-date": "20231216T172512Z"},
               ["ZAbc", "abc"]) == (
        "4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f")
    # presigned: the x-oss-* query parameters are signed, the signature itself is not
    query = V4_QUERY + [
        ("x-oss-signature-version", "OSS4-HMAC-SHA256"), ("x-oss-date", "20231217T025437Z"),
        ("x-oss-expires", "599"), ("x-oss-credential", "ak/20231217/cn-hangzhou/oss/aliyun_v4_request"),
    ]
    presign_headers = {"x-oss-head1": "value", "abc": "value", "ZAbc": "value", "XYZ": "value",
                       "content-type": "application/octet-stream"}
    assert _v4("20231217T025437Z", presign_headers, query=query) == (
        "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe")


def test_parse_v4_authorization_both_styles() -> None:
    for value in ("OSS4-HMAC-SHA256 Credential=ak/x, AdditionalHeaders=a;b, Signature=ff",
                  "OSS4-HMAC-SHA256 Credential=ak/x,AdditionalHeaders=a;b,Signature=ff"):
        assert signing.parse_v4_authorization(value) == {
            "Credential": "ak/x", "AdditionalHeaders": "a;b", "Signature": "ff"}


def test_crc64() -> None:
    assert signing.crc64(b"123456789") == 0x995DC9BBDF1939FA  # CRC-64/XZ check value


def _static(oss: OssTestServer, key_id: str = "LTAIstatic", secret: str = "s3cr3t") -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(key_id, secret), oss.url, "ramroletest")


def test_static_keys_and_refusals() -> None:
    with OssTestServer(keys={"LTAIstatic": "s3cr3t"}) as oss:
        assert _static(oss).get_object("test.sh").read()
        with pytest.raises(oss2.exceptions.ServerError) as info:
            _static(oss, secret="wrong").get_object("test.sh")
        assert (info.value.status, info.value.code) == (403, "SignatureDoesNotMatch")
        # A permanent key takes no token, not even an empty one.
        with pytest.raises(oss2.exceptions.ServerError) as info:
            _static(oss).get_object("test.sh", headers={"x-oss-security-token": ""})
        assert (info.value.status, info.value.code) == (403, "InvalidSecurityToken")
        assert [r["security_token"] for r in oss.requests] == [False, False, True]
        with pytest.raises(oss2.exceptions.ServerError) as info:
            _static(oss, key_id="LTAIunknown").get_object("test.sh")
        assert info.value.code == "InvalidAccessKeyId"
        assert requests.get(oss.url + "/ramroletest/test.sh", timeout=10).status_code == 403
        with pytest.raises(oss2.exceptions.NoSuchKey):
            _static(oss).get_object("nope")
        with pytest.raises(oss2.exceptions.NoSuchBucket):
            oss2.Bucket(oss2.Auth("LTAIstatic", "s3cr3t"), oss.url, "nobucket").get_object("x")
        # an expired presigned URL
        url = _static(oss).sign_url("GET", "test.sh", 60)
        expired = url.replace(url.split("Expires=")[1].split("&")[0], str(int(time.time()) - 5))
        assert requests.get(expired, timeout=10).status_code == 403
        # a request dated far from now
        old = email.utils.formatdate(time.time() - 3600, usegmt=True)
        with pytest.raises(oss2.exceptions.ServerError) as info:
            _static(oss).get_object("test.sh", headers={"x-oss-date": old})
        assert info.value.code == "RequestTimeTooSkewed"


def test_sts_token_must_match_the_key(mock: MockMetadataServer, oss: OssTestServer) -> None:
    c = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    good = oss2.StsAuth(c.access_key_id, c.access_key_secret, c.security_token)
    assert oss2.Bucket(good, oss.url, "ramroletest").get_object("test.sh").read()
    for auth, code in [
        (oss2.StsAuth(c.access_key_id, c.access_key_secret, c.security_token[:-4] + "AAA="),
         "InvalidSecurityToken"),
        (oss2.Auth(c.access_key_id, c.access_key_secret), "InvalidAccessKeyId"),
    ]:
        with pytest.raises(oss2.exceptions.ServerError) as info:
            oss2.Bucket(auth, oss.url, "ramroletest").get_object("test.sh")
        assert info.value.code == code


def test_listing_pages_with_delimiter() -> None:
    objects = {k: b"x" for k in ["a/1", "a/2", "b", "c/1", "c/2", "d"]}
    with OssTestServer(keys={"LTAIstatic": "s3cr3t"}, buckets={"bkt": objects}) as oss:
        bucket = oss2.Bucket(oss2.Auth("LTAIstatic", "s3cr3t"), oss.url, "bkt")
        for max_keys in (1, 2, 3, 100):
            keys = [o.key for o in oss2.ObjectIterator(bucket, delimiter="/", max_keys=max_keys)]
            assert keys == ["a/", "b", "c/", "d"], max_keys
            keys = [o.key for o in oss2.ObjectIteratorV2(bucket, delimiter="/", max_keys=max_keys)]
            assert keys == ["a/", "b", "c/", "d"], max_keys
            keys = [o.key for o in oss2.ObjectIterator(bucket, max_keys=max_keys)]
            assert keys == sorted(objects), max_keys
        assert [o.key for o in oss2.ObjectIterator(bucket, prefix="c/")] == ["c/1", "c/2"]


def test_query_encoding_round_trip() -> None:
    with OssTestServer(keys={"LTAIstatic": "s3cr3t"}) as oss:
        bucket = _static(oss)
        for key in ("a b+c", "dir/ü.txt", "x%2Fy", "semi;colon=eq&amp"):
            bucket.put_object(key, key.encode())
            assert bucket.get_object(key).read() == key.encode()
        keys = {o.key for o in oss2.ObjectIterator(bucket, prefix="a b", max_keys=1)}
        assert keys == {"a b+c"}


def test_uri_encode() -> None:
    assert signing.uri_encode("a b/c~") == "a%20b%2Fc~"
    assert signing.uri_encode("/a b/c", keep_slash=True) == "/a%20b/c"
