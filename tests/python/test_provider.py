"""EcsRamRoleCredentialsProvider and the Credentials snapshot."""

import datetime
import pickle
import subprocess
import sys
from typing import Any

import pytest

import ecscred
from ecscred.testing import ManualClock, MockMetadataServer


def test_fetches_the_mocked_credential(mock: MockMetadataServer) -> None:
    provider = ecscred.EcsRamRoleCredentialsProvider("EcsRamRoleTest", endpoint=mock.url)
    c = provider.get_credentials()
    [issued] = mock.issued()
    assert c.access_key_id == issued["access_key_id"]
    assert c.access_key_secret == issued["access_key_secret"]
    assert c.security_token == issued["security_token"]
    assert c.expiration == issued["expiration"]
    assert c.last_updated == issued["last_updated"]
    # Named role: no discovery; hardened mode by default (one token).
    assert mock.counters() == {
        "token_puts": 1, "role_gets": 0, "credential_gets": 1, "requests": 2,
        "max_concurrent": 1,
    }


def test_discovers_the_role(mock: MockMetadataServer) -> None:
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
    assert provider.role_name is None
    provider.get_credentials()
    assert mock.counters()["role_gets"] == 1


def test_warm_calls_return_the_same_snapshot_without_requests(mock: MockMetadataServer) -> None:
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
    first = provider.get_credentials()
    requests = mock.counters()["requests"]
    for _ in range(1000):
        assert provider.get_credentials() is first
    assert mock.counters()["requests"] == requests


def test_snapshot_satisfies_oss2_and_oss_v2(mock: MockMetadataServer) -> None:
    c = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    # oss2
    assert c.get_access_key_id() == c.access_key_id
    assert c.get_access_key_secret() == c.access_key_secret
    assert c.get_security_token() == c.security_token
    for value in (c.get_access_key_id(), c.get_access_key_secret(), c.get_security_token()):
        assert isinstance(value, str) and value
    # alibabacloud-oss-v2: attributes, aware UTC expiration, has_keys, is_expired
    assert c.has_keys() is True
    assert c.is_expired() is False
    assert isinstance(c.expiration, datetime.datetime)
    assert c.expiration.utcoffset() == datetime.timedelta(0)
    assert c.expiration > datetime.datetime.now(datetime.timezone.utc)
    import alibabacloud_oss_v2 as oss_v2

    theirs = oss_v2.credentials.StaticCredentialsProvider(
        c.access_key_id, c.access_key_secret, c.security_token).get_credentials()
    for name in ("access_key_id", "access_key_secret", "security_token"):
        assert getattr(c, name) == getattr(theirs, name)
    theirs.expiration = c.expiration
    assert theirs.is_expired() is False  # their comparison works with our datetime


def test_snapshot_is_immutable(mock: MockMetadataServer) -> None:
    c = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    for name in ("access_key_id", "access_key_secret", "security_token", "expiration"):
        with pytest.raises(AttributeError):
            setattr(c, name, "x")
    with pytest.raises(AttributeError):
        c.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        pickle.dumps(c)


def test_repr_redacts(mock: MockMetadataServer) -> None:
    provider = ecscred.EcsRamRoleCredentialsProvider("EcsRamRoleTest", endpoint=mock.url)
    c = provider.get_credentials()
    shown = repr(c) + str(c) + repr(provider) + repr(ecscred.EcsRamRoleAuth(provider=provider))
    assert c.access_key_id in repr(c)
    assert c.access_key_secret not in shown
    assert c.security_token not in shown
    assert "<redacted>" in repr(c)
    assert repr(provider) == f"EcsRamRoleCredentialsProvider(role_name='EcsRamRoleTest', endpoint='{mock.url}')"


def test_options_and_environment(mock: MockMetadataServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", mock.url + "/")
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA", "EcsRamRoleTest")
    provider = ecscred.EcsRamRoleCredentialsProvider()
    assert provider.endpoint == mock.url
    assert provider.role_name == "EcsRamRoleTest"
    provider.get_credentials()
    # The option wins over the environment.
    assert ecscred.EcsRamRoleCredentialsProvider("Other").role_name == "Other"


def test_timeouts_accept_int_and_float(mock: MockMetadataServer) -> None:
    provider = ecscred.EcsRamRoleCredentialsProvider(
        endpoint=mock.url, connect_timeout=1, read_timeout=0.5, fetch_timeout=2.5,
        token_ttl=60, disable_imds_v1=False, disabled=False)
    provider.get_credentials()


@pytest.mark.parametrize("mode, token_puts", [("hardened", 1), ("v1-only", 1), ("normal", 1)])
def test_metadata_modes(mode: str, token_puts: int) -> None:
    with MockMetadataServer(mode=mode) as mock:
        ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
        counters = mock.counters()
        assert counters["token_puts"] == token_puts
        assert counters["credential_gets"] == 1


def test_hardened_only_refuses_plain_requests() -> None:
    with MockMetadataServer(mode="v1-only") as mock:
        provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url, disable_imds_v1=True)
        with pytest.raises(ecscred.HardenedModeError):
            provider.get_credentials()
        assert mock.counters()["credential_gets"] == 0


def test_refresh_after_rotation_with_a_manual_clock(mock: MockMetadataServer) -> None:
    clock = ManualClock()
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url, clock=clock)
    first = provider.get_credentials()
    # 6 h + 1 min later on both clocks: the first credential has expired, ECS rotated at 5.5 h.
    mock.advance(6 * 3600 + 60)
    clock.advance(6 * 3600 + 60)
    second = provider.get_credentials()
    assert second.access_key_id != first.access_key_id
    assert second.access_key_id == mock.issued()[1]["access_key_id"]
    assert provider.get_credentials() is second
    assert mock.counters()["credential_gets"] == 2


def test_shared_provider_is_per_role(mock: MockMetadataServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", mock.url)
    # A role name no other test uses: the shared providers live as long as the process.
    with MockMetadataServer(role="SharedRoleTest") as other:
        monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", other.url)
        a = ecscred.get_credentials("SharedRoleTest")
        b = ecscred.get_credentials("SharedRoleTest")
        assert a is b
        assert other.counters()["credential_gets"] == 1


def test_manual_clock() -> None:
    clock = ManualClock(1_800_000_000.5)
    assert clock.now() == 1_800_000_000.5
    clock.advance(10)
    assert clock.now() == 1_800_000_010.5
    clock.set(5)
    assert clock.now() == 5
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_import_without_oss2() -> None:
    code = """
import sys
from typing import Any
sys.modules["oss2"] = None  # as if not installed
import ecscred
assert "oss2" not in [m for m in sys.modules if sys.modules[m] is not None]
try:
    ecscred.EcsRamRoleAuth()
except ImportError as e:
    assert "pip install oss2" in str(e), e
else:
    raise SystemExit("no ImportError")
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_version() -> None:
    assert ecscred.__version__
    assert set(ecscred.__all__) <= set(dir(ecscred))


def test_refresh_status_reports_health_without_secrets(closed_port: Any) -> None:
    with MockMetadataServer(role="EcsRamRoleTest") as mock:
        provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
        fresh = provider.refresh_status()
        assert isinstance(fresh, ecscred.RefreshStatus)
        assert (fresh.in_flight, fresh.consecutive_failures) == (False, 0)
        assert fresh.last_error is None and fresh.expiration is None
        assert fresh.next_attempt_at is None
        credential = provider.get_credentials()
        healthy = provider.refresh_status()
        assert healthy.expiration == credential.expiration
        assert healthy.expiration is not None and healthy.expiration.tzinfo is not None
        assert healthy.consecutive_failures == 0 and healthy.last_error is None
        with pytest.raises(AttributeError):
            healthy.consecutive_failures = 3  # type: ignore[misc]
        shown = repr(healthy)
        assert credential.access_key_secret not in shown
        assert credential.security_token not in shown

    broken = ecscred.EcsRamRoleCredentialsProvider(endpoint=closed_port.url)
    with pytest.raises(ecscred.MetadataUnreachableError):
        broken.get_credentials()
    status = broken.refresh_status()
    assert status.consecutive_failures == 1
    assert isinstance(status.last_error, ecscred.MetadataUnreachableError)
    assert status.next_attempt_at is not None and status.next_attempt_at.tzinfo is not None
    assert status.expiration is None
    assert "MetadataUnreachableError" in repr(status)
