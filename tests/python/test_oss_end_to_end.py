"""oss2 and alibabacloud-oss-v2 against the local OSS test server, signing with the mock's
credentials: the tutorial, every signature scheme, presigned URLs, rollover mid-listing."""

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import oss2
import pytest
import requests

import ecscred
from ecscred.testing import ManualClock, MockMetadataServer
from tests.oss_server import OssTestServer

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = [("v1", None), ("v2", None), ("v4", "cn-hangzhou")]


def test_tutorial(mock: MockMetadataServer, oss: OssTestServer) -> None:
    env = dict(os.environ, ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=mock.url,
               OSS_ENDPOINT=oss.url)
    env.pop("OSS_BUCKET", None)
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "tutorial.py")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "ramroletest.txt\ntest.sh\n"
    [listing] = oss.requests
    assert listing["status"] == 200 and listing["scheme"] == "v1"
    assert listing["access_key_id"] == mock.issued()[0]["access_key_id"]


def test_tutorial_refuses_to_guess_a_metadata_service() -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", "ECSCRED_ON_ECS")}
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "tutorial.py")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT" in out.stderr


@pytest.mark.parametrize("version, region", VERSIONS)
def test_bucket_service_and_iterators(mock: MockMetadataServer, oss: OssTestServer,
                                      version: str, region: str) -> None:
    auth = ecscred.EcsRamRoleAuth("EcsRamRoleTest", auth_version=version, endpoint=mock.url)
    bucket = oss2.Bucket(auth, oss.url, "ramroletest", region=region)
    bucket.put_object("dir/a+b c.txt", b"hello", headers={"x-oss-meta-author": "alice"})
    assert bucket.get_object("dir/a+b c.txt").read() == b"hello"
    assert bucket.head_object("test.sh").content_length == len(b"#!/bin/sh\necho ok\n")
    keys = [o.key for o in oss2.ObjectIterator(bucket, max_keys=1)]
    assert keys == ["dir/a+b c.txt", "ramroletest.txt", "test.sh"]
    keys = [o.key for o in oss2.ObjectIteratorV2(bucket, delimiter="/", max_keys=1)]
    assert keys == ["dir/", "ramroletest.txt", "test.sh"]
    service = oss2.Service(auth, oss.url, region=region)
    assert [b.name for b in oss2.BucketIterator(service)] == ["ramroletest"]
    assert all(r["status"] == 200 for r in oss.requests)
    assert {r["scheme"] for r in oss.requests} == {version}
    assert {r["access_key_id"] for r in oss.requests} == {mock.issued()[0]["access_key_id"]}


@pytest.mark.parametrize("version, region", VERSIONS)
def test_presigned_urls_work(mock: MockMetadataServer, oss: OssTestServer,
                             version: str, region: str) -> None:
    auth = ecscred.EcsRamRoleAuth(auth_version=version, endpoint=mock.url)
    bucket = oss2.Bucket(auth, oss.url, "ramroletest", region=region)
    url = bucket.sign_url("GET", "test.sh", 60)
    assert requests.get(url, timeout=10).content == b"#!/bin/sh\necho ok\n"
    # with additional headers (oss2's own V1 auth would raise TypeError here)
    headers = {"x-oss-meta-a": "1", "Range": "bytes=0-3"}
    url = bucket.sign_url("GET", "test.sh", 60, headers=dict(headers),
                          additional_headers=["range"])
    got = requests.get(url, headers=headers, timeout=10)
    assert got.status_code == 200, got.text
    # upload through a presigned PUT with a signed content type
    url = bucket.sign_url("PUT", "up.txt", 60, headers={"Content-Type": "text/plain"})
    put = requests.put(url, data=b"up", headers={"Content-Type": "text/plain"}, timeout=10)
    assert put.status_code == 200, put.text
    assert bucket.get_object("up.txt").read() == b"up"
    # a tampered signature is refused by the server
    bad = bucket.sign_url("GET", "test.sh", 60).replace("test.sh", "ramroletest.txt")
    assert requests.get(bad, timeout=10).status_code == 403
    assert {r["scheme"] for r in oss.requests if r["scheme"].endswith("-url")} == {version + "-url"}


def test_rollover_mid_listing_after_expiry(mock: MockMetadataServer, oss: OssTestServer) -> None:
    """Page 1 with the first credential; then both clocks move past its expiry (ECS has
    rotated): the next pages must be signed with the new one, or the server refuses them."""
    for i in range(6):
        oss.put("ramroletest", f"obj{i}", b"x")
    clock = ManualClock()
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url, clock=clock)
    bucket = oss2.Bucket(ecscred.EcsRamRoleAuth(provider=provider), oss.url, "ramroletest")
    listing = oss2.ObjectIterator(bucket, max_keys=2)
    keys = [next(listing).key, next(listing).key]
    mock.advance(6 * 3600 + 60)
    clock.advance(6 * 3600 + 60)
    keys += [o.key for o in listing]
    assert keys == sorted(["ramroletest.txt", "test.sh"] + [f"obj{i}" for i in range(6)])
    first, second = [c["access_key_id"] for c in mock.issued()]
    assert [r["access_key_id"] for r in oss.requests] == [first] + [second] * 3
    assert all(r["status"] == 200 for r in oss.requests)
    assert mock.counters()["credential_gets"] == 2


def test_rollover_mid_listing_in_the_background(mock: MockMetadataServer, oss: OssTestServer) -> None:
    """Both clocks move into the refresh window (ECS has rotated, the old credential is
    still valid): the listing goes on with the old one while the engine fetches the new
    one off the callers' path; later pages pick the new one up."""
    for i in range(6):
        oss.put("ramroletest", f"obj{i}", b"x")
    clock = ManualClock()
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url, clock=clock)
    bucket = oss2.Bucket(ecscred.EcsRamRoleAuth(provider=provider), oss.url, "ramroletest")
    listing = oss2.ObjectIterator(bucket, max_keys=1)
    keys = [next(listing).key]
    first = provider.get_credentials()
    # The refresh takes 0.5 s at the service: page 2 is signed while it is in flight (the
    # refresh thread's timer starts it as soon as the clock moves, so without the delay it
    # could land before page 2 and the assertions below would depend on the race).
    mock.inject("delay", ms=500, target="credential", count=1)
    mock.advance(5 * 3600 + 45 * 60)  # past the refresh point, before the mandatory window
    clock.advance(5 * 3600 + 45 * 60)
    keys.append(next(listing).key)  # starts the background refresh, signs with the old one
    deadline = time.monotonic() + 10
    while provider.get_credentials() is first and time.monotonic() < deadline:
        time.sleep(0.01)
    keys += [o.key for o in listing]
    assert len(keys) == 8
    ids = [r["access_key_id"] for r in oss.requests]
    second = mock.issued()[1]["access_key_id"]
    assert ids[:2] == [first.access_key_id] * 2
    assert ids[2:] == [second] * 6
    assert all(r["status"] == 200 for r in oss.requests)
    assert mock.counters()["credential_gets"] == 2


def test_server_refuses_an_expired_credential(mock: MockMetadataServer, oss: OssTestServer) -> None:
    c = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    stale = oss2.Bucket(oss2.StsAuth(c.access_key_id, c.access_key_secret, c.security_token),
                        oss.url, "ramroletest")
    assert stale.get_object("test.sh").read()
    mock.advance(6 * 3600 + 1)
    with pytest.raises(oss2.exceptions.ServerError) as info:
        stale.get_object("test.sh")
    assert info.value.status == 403 and info.value.code == "SecurityTokenExpired"


def test_alibabacloud_oss_v2_through_the_provider(mock: MockMetadataServer, oss: OssTestServer) -> None:
    import alibabacloud_oss_v2 as oss_v2

    provider = ecscred.EcsRamRoleCredentialsProvider("EcsRamRoleTest", endpoint=mock.url)
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = provider
    cfg.region = "cn-hangzhou"
    cfg.endpoint = oss.url  # an IP endpoint: path-style, http as given
    client = oss_v2.Client(cfg)

    keys: List[str] = []
    for page in client.list_objects_paginator().iter_page(
            oss_v2.ListObjectsRequest(bucket="ramroletest", max_keys=1)):
        keys += [o.key for o in page.contents]
    assert keys == ["ramroletest.txt", "test.sh"]
    keys = []
    for page in client.list_objects_v2_paginator().iter_page(
            oss_v2.ListObjectsV2Request(bucket="ramroletest", max_keys=1)):
        keys += [o.key for o in page.contents]
    assert keys == ["ramroletest.txt", "test.sh"]
    got = client.get_object(oss_v2.GetObjectRequest(bucket="ramroletest", key="test.sh"))
    assert got.body.read() == b"#!/bin/sh\necho ok\n"
    client.put_object(oss_v2.PutObjectRequest(bucket="ramroletest", key="v2.txt", body=b"v2"))
    presigned = client.presign(oss_v2.GetObjectRequest(bucket="ramroletest", key="v2.txt"))
    assert requests.get(presigned.url, timeout=10).content == b"v2"

    assert {r["scheme"] for r in oss.requests} == {"v4", "v4-url"}
    assert all(r["status"] == 200 for r in oss.requests)
    assert {r["access_key_id"] for r in oss.requests} == {mock.issued()[0]["access_key_id"]}
    assert mock.counters()["credential_gets"] == 1


def test_alibabacloud_oss_v2_sees_a_credential_error(closed_port) -> None:  # type: ignore[no-untyped-def]
    import alibabacloud_oss_v2 as oss_v2

    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=closed_port.url)
    cfg.region = "cn-hangzhou"
    cfg.endpoint = "http://127.0.0.1:1"
    client = oss_v2.Client(cfg)
    with pytest.raises(Exception) as info:
        client.get_object(oss_v2.GetObjectRequest(bucket="ramroletest", key="test.sh"))
    cause = info.value
    while cause is not None and not isinstance(cause, ecscred.CredentialError):
        cause = getattr(cause, "error", None) or cause.__cause__ or cause.__context__
    assert isinstance(cause, ecscred.MetadataUnreachableError)


def test_oss_server_runs_standalone(mock: MockMetadataServer) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "tests.oss_server", "--metadata-url", mock.url],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        bucket = oss2.Bucket(ecscred.EcsRamRoleAuth(endpoint=mock.url), url, "ramroletest")
        assert [o.key for o in oss2.ObjectIterator(bucket)] == ["ramroletest.txt", "test.sh"]
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
