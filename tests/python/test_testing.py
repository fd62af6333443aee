"""ecscred.testing.MockMetadataServer: the Rust mock as a context manager."""

import datetime
import json
import urllib.request

import pytest

import ecscred
from ecscred.testing import MockMetadataServer


def admin(url: str, path: str) -> object:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url + path, timeout=10) as resp:
        return json.loads(resp.read())


def test_lifecycle_and_counters() -> None:
    with MockMetadataServer(role="SomeRole", lifetime=3600, rotate_before=300) as mock:
        assert mock.url.startswith("http://127.0.0.1:")
        assert mock.counters()["requests"] == 0
        c = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
        assert mock.counters()["credential_gets"] == 1
        [issued] = mock.issued()
        assert issued["access_key_id"] == c.access_key_id
        assert issued["expiration"] - issued["last_updated"] == datetime.timedelta(hours=1)
        assert mock.current()["access_key_id"] == c.access_key_id
        # the admin endpoint serves other processes the same data
        assert admin(mock.url, "/_mock/counters") == mock.counters()
        mock.reset_counters()
        assert mock.counters()["requests"] == 0
        before = mock.now()
        mock.advance(3300)
        assert mock.now() - before >= datetime.timedelta(seconds=3300)
        assert mock.current()["access_key_id"] != c.access_key_id
        url = mock.url
    with pytest.raises(OSError):
        admin(url, "/_mock/counters")
    with pytest.raises(RuntimeError, match="stopped"):
        mock.counters()
    mock.stop()  # idempotent


def test_faults(mock: MockMetadataServer) -> None:
    mock.inject("status", target="credential", count=1, status=503)
    mock.inject_json('{"kind": "status", "status": 404, "target": "role", "count": 1}')
    with pytest.raises(ecscred.RoleNotFoundError):
        ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    # 503 once, then the retry succeeds
    ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    assert mock.counters()["credential_gets"] == 2
    mock.inject("drop")
    mock.clear_faults()
    ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    with pytest.raises(ValueError, match="unknown fault kind"):
        mock.inject("explode")
    with pytest.raises(ValueError, match="target"):
        mock.inject("drop", target="everything")
    with pytest.raises(ValueError):
        mock.inject("status", status=99)


def test_faults_at_start_and_modes() -> None:
    with MockMetadataServer(mode="hardened", faults=[{"kind": "status", "status": 500,
                                                      "target": "token", "count": 3}]) as mock:
        with pytest.raises(ecscred.HardenedModeError):
            ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
        mock.set_mode("normal")
        ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
        with pytest.raises(ValueError):
            mock.set_mode("paranoid")


def test_expire_tokens(mock: MockMetadataServer) -> None:
    clock = ecscred.testing.ManualClock()
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url, clock=clock)
    first = provider.get_credentials()
    assert mock.counters()["token_puts"] == 1
    mock.expire_tokens()
    # Into the last minutes before expiry, while the engine's token is still fresh to it.
    mock.advance(5 * 3600 + 57 * 60)
    clock.advance(5 * 3600 + 57 * 60)
    # The engine's cached metadata token is refused (401): it gets a new one and goes on.
    assert provider.get_credentials().access_key_id != first.access_key_id
    assert mock.counters()["token_puts"] == 2


def test_bad_configuration() -> None:
    with pytest.raises(ValueError, match="rotate_before"):
        MockMetadataServer(lifetime=60, rotate_before=60)
    with pytest.raises(ValueError, match="mode"):
        MockMetadataServer(mode="strict")
