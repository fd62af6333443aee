"""The one-liners share the process-wide provider of their role and options, so that
building one per request (as code does with oss2.StsAuth) costs no fetch."""

from typing import Any, Callable

import pytest

import ecscred
from ecscred.testing import MockMetadataServer


def _oss2_auth(role: str, **options: Any) -> Any:
    pytest.importorskip("oss2")
    auth = ecscred.EcsRamRoleAuth(role, **options)
    return auth.credentials_provider.get_credentials()


def _tea(role: str, **options: Any) -> Any:
    pytest.importorskip("alibabacloud_credentials")
    return ecscred.credential_client(role, **options).get_credential()


def _sdk_core(role: str, **options: Any) -> Any:
    pytest.importorskip("aliyunsdkcore")
    return ecscred.sdk_core_credential(role, **options).sts_token


@pytest.mark.parametrize("use", [_oss2_auth, _tea, _sdk_core], ids=["oss2", "tea", "sdk-core"])
def test_sixty_constructions_make_one_fetch(use: Callable[..., Any]) -> None:
    # A mock of its own per case: the shared providers live as long as the process.
    with MockMetadataServer(role="EcsRamRoleTest") as mock:
        for _ in range(60):
            use("EcsRamRoleTest", endpoint=mock.url, fetch_timeout=3)
        counters = mock.counters()
        assert counters["token_puts"] == 1
        assert counters["credential_gets"] == 1
        # Other options, another provider.
        use("EcsRamRoleTest", endpoint=mock.url, fetch_timeout=4)
        assert mock.counters()["credential_gets"] == 2


def test_the_one_liners_and_get_credentials_share_one_provider(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("oss2")
    with MockMetadataServer(role="OneLinerSharedRole") as mock:
        monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", mock.url)
        first = ecscred.get_credentials("OneLinerSharedRole")
        auth = ecscred.EcsRamRoleAuth("OneLinerSharedRole")
        assert auth.credentials_provider.get_credentials().access_key_id == first.access_key_id
        assert mock.counters()["credential_gets"] == 1


def test_an_explicit_provider_is_used_as_given(mock: MockMetadataServer) -> None:
    pytest.importorskip("oss2")
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
    assert ecscred.EcsRamRoleAuth(provider=provider).credentials_provider is provider
    with pytest.raises(ValueError):
        ecscred.EcsRamRoleAuth("EcsRamRoleTest", provider=provider)
