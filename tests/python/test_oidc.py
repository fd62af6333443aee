"""The OIDC source (an ACK pod's role with RRSA) from Python: OidcRoleArnCredentialsProvider
against ecscred.testing.MockSts over verified TLS, its errors, and every adapter that takes
the ECS provider taking it too (oss2, alibabacloud-oss-v2, tea-openapi, sdk-core), signing
requests the OSS and OpenAPI test servers check against the credential the mock STS
issued."""

import asyncio
from pathlib import Path
from typing import Any, Iterator, Tuple

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

import ecscred
from ecscred.testing import ManualClock, MockMetadataServer, MockSts
from tests.openapi_server import OpenApiTestServer
from tests.oss_server import OssTestServer

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJweXRob24tdGVzdCJ9.c2lnbmF0dXJlLXB5dGhvbi10ZXN0LXRva2Vu"
ROLE_ARN = "acs:ram::1234567890:role/python-test"
PROVIDER_ARN = "acs:ram::1234567890:oidc-provider/ack-rrsa"


@pytest.fixture
def sts() -> Iterator[MockSts]:
    with MockSts(TOKEN) as server:
        yield server


@pytest.fixture
def pod(tmp_path: Path, sts: MockSts) -> Tuple[Path, Path]:
    """The token file and the mock's CA file."""
    token, ca = tmp_path / "token", tmp_path / "ca.pem"
    token.write_text(TOKEN + "\n")
    ca.write_text(sts.ca_pem)
    return token, ca


def _provider(sts: MockSts, token: Path, **options: Any) -> ecscred.OidcRoleArnCredentialsProvider:
    options = {"sts_endpoint": sts.url, "sts_extra_root_pem": sts.ca_pem, **options}
    return ecscred.OidcRoleArnCredentialsProvider(ROLE_ARN, PROVIDER_ARN, token, **options)


def test_gets_the_credential_sts_issued(sts: MockSts, pod: Tuple[Path, Path]) -> None:
    p = _provider(sts, pod[0], role_session_name="py-session")
    assert isinstance(p, ecscred.EcsRamRoleCredentialsProvider)  # the adapters take it
    assert p.get_provider_name() == "oidc_role_arn"
    assert p.endpoint == sts.url
    c = p.get_credentials()
    (issued,) = sts.issued()
    assert (c.access_key_id, c.access_key_secret, c.security_token) == (
        issued["access_key_id"], issued["access_key_secret"], issued["security_token"])
    assert p.get_credentials() is c  # cached: one snapshot, no second call
    assert p.cached_credentials() is c
    assert asyncio.run(p.get_credentials_async()) is c
    assert sts.counters()["requests"] == 1
    assert "RoleSessionName=py-session" in sts.requests()[0]
    assert TOKEN not in repr(p)
    with pytest.raises(TypeError):
        import pickle
        pickle.dumps(p)


def test_from_the_environment_never_the_metadata_service(
        sts: MockSts, pod: Tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    with MockMetadataServer() as metadata:
        monkeypatch.setenv("ALIBABA_CLOUD_ROLE_ARN", ROLE_ARN)
        monkeypatch.setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", PROVIDER_ARN)
        monkeypatch.setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", str(pod[0]))
        monkeypatch.setenv("ALIBABA_CLOUD_STS_ENDPOINT", sts.url)
        monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", metadata.url)
        p = ecscred.OidcRoleArnCredentialsProvider(sts_extra_root_pem=sts.ca_pem)
        assert p.get_credentials().access_key_id == sts.issued()[0]["access_key_id"]
        assert metadata.counters()["requests"] == 0


def test_errors(sts: MockSts, pod: Tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(ecscred.InvalidConfigError, match="ALIBABA_CLOUD_ROLE_ARN"):
        ecscred.OidcRoleArnCredentialsProvider(sts_endpoint=sts.url)
    with pytest.raises(ecscred.InvalidConfigError, match="plain http"):
        _provider(sts, pod[0], sts_endpoint="http://sts.example.com")
    with pytest.raises(ecscred.InvalidConfigError, match="duration"):
        _provider(sts, pod[0], duration=60)
    missing = tmp_path / "no-such-token"
    with pytest.raises(ecscred.InvalidConfigError, match=str(missing)):
        _provider(sts, missing).get_credentials()
    sts.set_token("another-token")
    with pytest.raises(ecscred.CredentialError) as refused:
        _provider(sts, pod[0]).get_credentials()
    assert refused.value.kind == ecscred.ErrorKind.HTTP_STATUS
    assert "InvalidParameter.OIDCToken" in str(refused.value)
    assert TOKEN not in str(refused.value) and TOKEN not in repr(refused.value)
    sts.set_token(TOKEN)
    with pytest.raises(ecscred.MetadataUnreachableError, match="certificate"):
        ecscred.OidcRoleArnCredentialsProvider(ROLE_ARN, PROVIDER_ARN, pod[0],
                                               sts_endpoint=sts.url).get_credentials()


def test_a_rotated_token_is_read_for_the_refresh(sts: MockSts, pod: Tuple[Path, Path]) -> None:
    clock = ManualClock(sts.now().timestamp())
    p = _provider(sts, pod[0], clock=clock)
    first = p.get_credentials()
    pod[0].write_text(TOKEN + "-rotated")
    sts.set_token(TOKEN + "-rotated")
    clock.advance(3601)
    sts.advance(3601)
    second = p.get_credentials()
    assert second.access_key_id != first.access_key_id
    assert sts.counters()["token_refusals"] == 0


def test_adapters_sign_with_the_sts_credential(sts: MockSts, pod: Tuple[Path, Path]) -> None:
    p = _provider(sts, pod[0])
    ak = p.get_credentials().access_key_id
    with OssTestServer(None, sts_url=sts.url, sts_cafile=str(pod[1])) as oss:
        # oss2, through ecscred's auth and through oss2's own ProviderAuth.
        for auth in (ecscred.EcsRamRoleAuth(provider=p), oss2.ProviderAuth(p)):
            bucket = oss2.Bucket(auth, oss.url, "ramroletest")
            assert [o.key for o in oss2.ObjectIterator(bucket)] == ["ramroletest.txt", "test.sh"]
        # alibabacloud-oss-v2.
        cfg = oss_v2.config.load_default()
        cfg.credentials_provider = p
        cfg.region = "cn-hangzhou"
        cfg.endpoint = oss.url
        client = oss_v2.Client(cfg)
        client.get_object(oss_v2.GetObjectRequest(bucket="ramroletest", key="ramroletest.txt"))
        assert oss.requests and all(r["status"] == 200 for r in oss.requests)
        assert {r["access_key_id"] for r in oss.requests} == {ak}
    with OpenApiTestServer(None, sts_url=sts.url, sts_cafile=str(pod[1])) as api:
        config = Config(credential=ecscred.credential_client(provider=p), endpoint=api.endpoint,
                        protocol="http", region_id="cn-hangzhou")
        arn = StsClient(config).get_caller_identity().body.arn
        assert arn.endswith(f"/{ak}")
        acs = AcsClient(region_id="cn-hangzhou",
                        credential=ecscred.sdk_core_credential(provider=p))
        req = CommonRequest(domain=api.endpoint, version="2014-05-26",
                            action_name="DescribeRegions")
        req.set_protocol_type("http")
        req.set_accept_format("json")
        assert b"cn-hangzhou" in acs.do_action_with_exception(req)
        assert {r["access_key_id"] for r in api.requests} == {ak}
