"""The general Alibaba Cloud Python SDKs, as installed from PyPI (versions pinned in
python/requirements-dev.txt), call the local OpenAPI test server with ecscred's
credential: tea-openapi's generated ECS and STS clients (sync and async, ACS3 and RPC V1
signatures) and aliyun-python-sdk-core's AcsClient (RPC and ROA). The server checks
every signature against the credential the mock metadata service issued."""

import asyncio
import concurrent.futures
import pickle
import sys
import threading
import time
from typing import Any, Callable, Dict, List

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from Tea.exceptions import TeaException

import ecscred
from ecscred.testing import ManualClock, MockMetadataServer
from tests.openapi_server import OpenApiTestServer

ROLE = "EcsRamRoleTest"
# How long the mock holds up the refresh in the rotation tests: long enough that the calls
# made meanwhile clearly do not wait for it, within the provider's read timeout.
SLOW_MS = 2000


def _slow_tolerant(mock: MockMetadataServer, clock: ManualClock) -> Any:
    return ecscred.EcsRamRoleCredentialsProvider(ROLE, endpoint=mock.url, clock=clock,
                                                 read_timeout=5, fetch_timeout=10)


def _config(api: OpenApiTestServer, credential: Any, **extra: Any) -> Config:
    return Config(credential=credential, endpoint=api.endpoint, protocol="http",
                  region_id="cn-hangzhou", **extra)


def _rpc_request(api: OpenApiTestServer, action: str = "DescribeRegions") -> CommonRequest:
    req = CommonRequest(domain=api.endpoint, version="2014-05-26", action_name=action)
    req.set_protocol_type("http")
    req.set_accept_format("json")
    return req


def _roa_request(api: OpenApiTestServer) -> CommonRequest:
    req = CommonRequest(domain=api.endpoint, version="2014-05-26", uri_pattern="/regions")
    req.set_protocol_type("http")
    req.set_method("GET")
    req.set_accept_format("json")
    return req


def _issued_ids(mock: MockMetadataServer) -> List[str]:
    return [c["access_key_id"] for c in mock.issued()]


# -- tea-openapi ---------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm, scheme", [(None, "acs3"), ("v2", "rpc")])
def test_tea_openapi_sync_and_async(mock: MockMetadataServer, openapi: OpenApiTestServer,
                                    algorithm: Any, scheme: str) -> None:
    extra = {} if algorithm is None else {"signature_algorithm": algorithm}
    config = _config(openapi, ecscred.credential_client(ROLE, endpoint=mock.url), **extra)
    ecs, sts = EcsClient(config), StsClient(config)

    regions = ecs.describe_regions(ecs_models.DescribeRegionsRequest()).body.regions.region
    assert [r.region_id for r in regions][:2] == ["cn-hangzhou", "cn-shanghai"]
    (ak,) = _issued_ids(mock)
    assert sts.get_caller_identity().body.arn.endswith(f":assumed-role/{ROLE}/{ak}")

    async def both() -> List[Any]:
        return list(await asyncio.gather(
            ecs.describe_regions_async(ecs_models.DescribeRegionsRequest()),
            sts.get_caller_identity_async()))

    regions_async, identity = asyncio.run(both())
    assert regions_async.body.regions.region[0].region_id == "cn-hangzhou"
    assert identity.body.identity_type == "AssumedRoleUser"
    assert [(r["scheme"], r["access_key_id"], r["status"]) for r in openapi.requests] == [
        (scheme, ak, 200)] * 4
    assert mock.counters()["credential_gets"] == 1


def test_the_credential_client_model(mock: MockMetadataServer) -> None:
    client = ecscred.credential_client(ROLE, endpoint=mock.url)
    model = client.get_credential()
    issued = mock.issued()[0]
    assert (model.access_key_id, model.access_key_secret, model.security_token) == (
        issued["access_key_id"], issued["access_key_secret"], issued["security_token"])
    assert model.type == model.provider_name == "ecs_ram_role"
    assert asyncio.run(client.get_credential_async()).access_key_id == issued["access_key_id"]


def test_a_shared_provider(mock: MockMetadataServer) -> None:
    provider = ecscred.EcsRamRoleCredentialsProvider(ROLE, endpoint=mock.url)
    client = ecscred.credential_client(provider=provider)
    assert client.get_credential().access_key_id == provider.get_credentials().access_key_id
    with pytest.raises(ValueError, match="either provider= or the options"):
        ecscred.credential_client(ROLE, provider=provider)
    with pytest.raises(ValueError, match="either provider= or the options"):
        ecscred.sdk_core_credential(provider=provider, endpoint=mock.url)


def test_rotation_through_tea_openapi_sync_and_async(mock: MockMetadataServer,
                                                     openapi: OpenApiTestServer) -> None:
    """Both clocks move into the refresh window while the metadata service is slow: the
    next calls return with the old credential (nobody waits on the network), later ones
    carry the new AccessKeyId."""
    clock = ManualClock()
    provider = _slow_tolerant(mock, clock)
    sts = StsClient(_config(openapi, ecscred.credential_client(provider=provider)))
    first = sts.get_caller_identity().body.principal_id
    mock.inject("delay", ms=SLOW_MS, target="credential", count=1)
    mock.advance(5 * 3600 + 45 * 60)
    clock.advance(5 * 3600 + 45 * 60)
    during = [sts.get_caller_identity().body.principal_id,
              asyncio.run(sts.get_caller_identity_async()).body.principal_id]
    # Both returned while the refresh was still held up at the mock.
    assert len(mock.issued()) == 1
    assert during == [first, first]
    _wait_for_second_credential(mock, provider)
    old, new = _issued_ids(mock)
    after = [sts.get_caller_identity().body.principal_id,
             asyncio.run(sts.get_caller_identity_async()).body.principal_id]
    assert first.endswith(old) and all(p.endswith(new) for p in after)
    assert all(r["status"] == 200 for r in openapi.requests)
    assert mock.counters()["credential_gets"] == 2


def _wait_for_second_credential(mock: MockMetadataServer, provider: Any) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if len(mock.issued()) == 2 and \
                provider.get_credentials().access_key_id == mock.issued()[1]["access_key_id"]:
            return
        time.sleep(0.01)
    raise AssertionError("the refresh did not land")


class _NoExecutor(concurrent.futures.ThreadPoolExecutor):
    def submit(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the warm path went to the executor")


def test_async_cold_fetch_leaves_the_event_loop_free(mock: MockMetadataServer) -> None:
    provider = ecscred.EcsRamRoleCredentialsProvider(ROLE, endpoint=mock.url)
    mock.inject("delay", ms=500, target="credential", count=1)

    async def main() -> int:
        ticks = 0
        fetch = asyncio.ensure_future(provider.get_credentials_async())
        while not fetch.done():
            ticks += 1
            await asyncio.sleep(0.01)
        await fetch
        # warm: the same snapshot, without leaving the loop (no executor to run in now)
        asyncio.get_running_loop().set_default_executor(_NoExecutor())
        assert (await provider.get_credentials_async()) is fetch.result()
        return ticks

    assert asyncio.run(main()) > 5
    assert mock.counters()["credential_gets"] == 1


@pytest.mark.parametrize("asynchronous", [False, True])
def test_an_outage_raises_ecscreds_error(closed_port: Any, asynchronous: bool) -> None:
    with OpenApiTestServer(None) as api:
        ecs = EcsClient(_config(api, ecscred.credential_client(ROLE, endpoint=closed_port.url)))
        call: Callable[[], Any] = (
            (lambda: asyncio.run(ecs.describe_regions_async(ecs_models.DescribeRegionsRequest())))
            if asynchronous else
            (lambda: ecs.describe_regions(ecs_models.DescribeRegionsRequest())))
        with pytest.raises(ecscred.MetadataUnreachableError) as info:
            call()
        assert api.requests == []
    error = info.value
    assert isinstance(error, ecscred.CredentialError) and isinstance(error, TeaException)
    assert error.kind == ecscred.ErrorKind.UNREACHABLE and error.retryable
    assert error.code == "ecscred.UNREACHABLE"
    assert str(error) == error.message and closed_port.url in error.message
    # Pickled (a multiprocessing result), it is the plain ecscred class.
    plain = pickle.loads(pickle.dumps(error))
    assert type(plain) is ecscred.MetadataUnreachableError and plain.message == error.message


def test_missing_sdk_is_a_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "alibabacloud_credentials.client", None)
    with pytest.raises(ImportError, match="pip install alibabacloud-credentials"):
        ecscred.credential_client(ROLE)
    monkeypatch.delitem(sys.modules, "ecscred.sdk_core")
    monkeypatch.setitem(sys.modules, "aliyunsdkcore.auth.credentials", None)
    with pytest.raises(ImportError, match="pip install aliyun-python-sdk-core"):
        ecscred.sdk_core_credential(ROLE)


# -- aliyun-python-sdk-core ----------------------------------------------------------------


def test_sdk_core_rpc_and_roa(mock: MockMetadataServer, openapi: OpenApiTestServer) -> None:
    client = AcsClient(region_id="cn-hangzhou",
                       credential=ecscred.sdk_core_credential(ROLE, endpoint=mock.url))
    for request in (_rpc_request(openapi), _roa_request(openapi),
                    _rpc_request(openapi, "GetCallerIdentity")):
        assert b'"RequestId"' in client.do_action_with_exception(request)
    (ak,) = _issued_ids(mock)
    assert [(r["scheme"], r["action"], r["access_key_id"], r["status"])
            for r in openapi.requests] == [("rpc", "DescribeRegions", ak, 200),
                                           ("roa", "DescribeRegions", ak, 200),
                                           ("rpc", "GetCallerIdentity", ak, 200)]


class _Alternating:
    """A provider stand-in that hands out another credential at every call."""

    def __init__(self, snapshots: List[Any]) -> None:
        self.snapshots, self.calls = snapshots, 0

    def get_credentials(self) -> Any:
        self.calls += 1
        return self.snapshots[self.calls % len(self.snapshots)]


def _two_credentials(mock: MockMetadataServer) -> List[Any]:
    first = ecscred.EcsRamRoleCredentialsProvider(ROLE, endpoint=mock.url).get_credentials()
    mock.advance(6 * 3600 - 20 * 60)  # rotated at the mock; both valid
    second = ecscred.EcsRamRoleCredentialsProvider(ROLE, endpoint=mock.url).get_credentials()
    assert first.access_key_id != second.access_key_id
    return [first, second]


def test_sdk_core_signs_each_request_with_one_snapshot(mock: MockMetadataServer,
                                                       openapi: OpenApiTestServer) -> None:
    """Even when every provider call returns another credential, each request carries
    the id, secret and token of one (the server refuses any mix)."""
    snapshots = _two_credentials(mock)
    credential = ecscred.sdk_core_credential(provider=_Alternating(snapshots))
    client = AcsClient(region_id="cn-hangzhou", credential=credential)
    for i in range(6):
        client.do_action_with_exception(_rpc_request(openapi) if i % 2 else _roa_request(openapi))
    ids = [r["access_key_id"] for r in openapi.requests]
    assert set(ids) == {s.access_key_id for s in snapshots}
    assert all(r["status"] == 200 for r in openapi.requests)


def test_sdk_core_credential_pins_per_thread(mock: MockMetadataServer) -> None:
    snapshots = _two_credentials(mock)
    credential = ecscred.sdk_core_credential(provider=_Alternating(snapshots))
    seen: Dict[str, Any] = {}

    def sign_like_the_sdk(name: str) -> None:
        for _ in range(200):
            token = credential.sts_token
            triple = (credential.sts_access_key_id, credential.sts_access_key_secret, token)
            seen.setdefault(name, set()).add(triple)

    threads = [threading.Thread(target=sign_like_the_sdk, args=(str(i),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    valid = {(s.access_key_id, s.access_key_secret, s.security_token) for s in snapshots}
    assert set().union(*seen.values()) == valid


def test_rotation_through_sdk_core(mock: MockMetadataServer, openapi: OpenApiTestServer) -> None:
    clock = ManualClock()
    provider = _slow_tolerant(mock, clock)
    client = AcsClient(region_id="cn-hangzhou",
                       credential=ecscred.sdk_core_credential(provider=provider))
    client.do_action_with_exception(_rpc_request(openapi))
    mock.inject("delay", ms=SLOW_MS, target="credential", count=1)
    mock.advance(5 * 3600 + 45 * 60)
    clock.advance(5 * 3600 + 45 * 60)
    client.do_action_with_exception(_rpc_request(openapi))
    assert len(mock.issued()) == 1  # returned while the refresh was held up
    _wait_for_second_credential(mock, provider)
    client.do_action_with_exception(_roa_request(openapi))
    old, new = _issued_ids(mock)
    assert [r["access_key_id"] for r in openapi.requests] == [old, old, new]
    assert all(r["status"] == 200 for r in openapi.requests)


def test_sdk_core_outage_raises_ecscreds_error(closed_port: Any) -> None:
    with OpenApiTestServer(None) as api:
        client = AcsClient(region_id="cn-hangzhou",
                           credential=ecscred.sdk_core_credential(ROLE, endpoint=closed_port.url))
        with pytest.raises(ecscred.MetadataUnreachableError):
            client.do_action_with_exception(_rpc_request(api))
        assert api.requests == []
