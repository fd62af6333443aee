"""Every cause the engine distinguishes raises its own exception class, with a message that
names the cause; the hierarchy has one base."""

import pickle
from typing import Any, Dict, Type

import pytest

import ecscred
from ecscred import _ecscred, _errors
from ecscred.testing import MockMetadataServer

from conftest import ClosedPort

CLASSES: Dict[int, Type[ecscred.CredentialError]] = {
    1: ecscred.MetadataDisabledError,
    2: ecscred.InvalidConfigError,
    3: ecscred.MetadataUnreachableError,
    4: ecscred.MetadataTimeoutError,
    5: ecscred.MetadataHTTPError,
    6: ecscred.RoleNotFoundError,
    7: ecscred.HardenedModeError,
    8: ecscred.InvalidResponseError,
    9: ecscred.InternalError,
}


def test_one_class_per_engine_error_kind() -> None:
    kinds = _ecscred.error_kinds()
    assert sorted(kinds) == sorted(CLASSES)
    assert len(set(CLASSES.values())) == len(CLASSES)
    for code, cls in CLASSES.items():
        assert issubclass(cls, ecscred.CredentialError)
        assert cls.kind == code == ecscred.ErrorKind(code)
        made = _errors._from_core("message", code, None, False)
        assert type(made) is cls
    assert issubclass(ecscred.InvalidConfigError, ValueError)


def get(**options: Any) -> ecscred.Credentials:
    return ecscred.EcsRamRoleCredentialsProvider(**options).get_credentials()


def expect(cls: Type[ecscred.CredentialError], *words: str, **options: Any) -> ecscred.CredentialError:
    with pytest.raises(cls) as info:
        get(**options)
    err = info.value
    assert type(err) is cls
    assert isinstance(err, ecscred.CredentialError)
    assert err.kind == cls.kind
    text = str(err)
    for word in words:
        assert word in text, text
    return err


def test_disabled_by_option(mock: MockMetadataServer) -> None:
    err = expect(ecscred.MetadataDisabledError, "disabled", endpoint=mock.url, disabled=True)
    assert err.retryable is False
    assert mock.counters()["requests"] == 0


def test_disabled_by_environment(mock: MockMetadataServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
    expect(ecscred.MetadataDisabledError, "ALIBABA_CLOUD_ECS_METADATA_DISABLED", endpoint=mock.url)
    assert mock.counters()["requests"] == 0


@pytest.mark.parametrize(
    "options, word",
    [
        ({"role_name": "a/b"}, "role name"),
        ({"endpoint": "https://127.0.0.1:1"}, "http://"),
        ({"endpoint": "http://"}, "endpoint"),
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"read_timeout": -1}, "read_timeout"),
        ({"fetch_timeout": float("nan")}, "fetch_timeout"),
        ({"token_ttl": 99999}, "token_ttl"),
    ],
)
def test_invalid_config(options: Dict[str, Any], word: str) -> None:
    with pytest.raises(ecscred.InvalidConfigError) as info:
        ecscred.EcsRamRoleCredentialsProvider(**options)
    assert word in str(info.value)
    assert isinstance(info.value, ValueError)


def test_invalid_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", "ftp://x")
    with pytest.raises(ecscred.InvalidConfigError, match="ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT"):
        ecscred.EcsRamRoleCredentialsProvider()


def test_unreachable(closed_port: ClosedPort) -> None:
    err = expect(ecscred.MetadataUnreachableError, f"127.0.0.1:{closed_port.port}", "connect",
                 endpoint=closed_port.url)
    assert err.retryable is True
    assert err.http_status is None


def test_unreachable_by_default_in_tests() -> None:
    # conftest points the environment at a closed loopback port: never the real service.
    expect(ecscred.MetadataUnreachableError, "127.0.0.1")


def test_timeout(mock: MockMetadataServer) -> None:
    mock.inject("delay", target="credential", ms=1500)
    expect(ecscred.MetadataTimeoutError, "200 ms", endpoint=mock.url, read_timeout=0.2)


def test_fetch_timeout(mock: MockMetadataServer) -> None:
    mock.inject("delay", target="token", ms=1500)
    expect(ecscred.MetadataTimeoutError, "fetch_timeout", endpoint=mock.url, read_timeout=5,
           fetch_timeout=0.3)


def test_http_status(mock: MockMetadataServer) -> None:
    mock.inject("status", target="credential", status=500)
    err = expect(ecscred.MetadataHTTPError, "500", endpoint=mock.url)
    assert err.http_status == 500
    assert err.retryable is True
    # The engine retried (3 attempts), then gave up.
    assert mock.counters()["credential_gets"] == 3


def test_role_not_found(mock: MockMetadataServer) -> None:
    err = expect(ecscred.RoleNotFoundError, "NoSuchRole", "404", endpoint=mock.url,
                 role_name="NoSuchRole")
    assert err.http_status == 404
    assert err.retryable is False


def test_no_role_attached(mock: MockMetadataServer) -> None:
    mock.inject("status", target="role", status=404)
    expect(ecscred.RoleNotFoundError, "no RAM role", endpoint=mock.url)


def test_hardened_mode_required_but_unavailable(mock: MockMetadataServer) -> None:
    mock.inject("status", target="token", status=403)
    mock.set_mode("hardened")
    expect(ecscred.HardenedModeError, "403", endpoint=mock.url)


def test_hardened_mode_only_but_no_token_service() -> None:
    with MockMetadataServer(mode="v1-only") as mock:
        expect(ecscred.HardenedModeError, "ALIBABA_CLOUD_IMDSV1_DISABLED", endpoint=mock.url,
               disable_imds_v1=True)


@pytest.mark.parametrize(
    "fault, word",
    [
        ({"kind": "malformed_json"}, "JSON"),
        ({"kind": "code", "code": "Failure"}, "Failure"),
        ({"kind": "expired"}, "expired"),
        ({"kind": "redirect", "location": "http://127.0.0.1:1/x"}, "redirect"),
        ({"kind": "huge_body", "bytes": 1 << 20}, "larger"),
    ],
)
def test_invalid_response(mock: MockMetadataServer, fault: Dict[str, Any], word: str) -> None:
    kind = fault.pop("kind")
    mock.inject(kind, target="credential", **fault)
    expect(ecscred.InvalidResponseError, word, endpoint=mock.url)


def test_backoff_reports_the_last_error_at_once(closed_port: ClosedPort) -> None:
    provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=closed_port.url)
    with pytest.raises(ecscred.MetadataUnreachableError):
        provider.get_credentials()
    with pytest.raises(ecscred.MetadataUnreachableError, match="next attempt in"):
        provider.get_credentials()


def test_errors_pickle_with_their_attributes(mock: MockMetadataServer) -> None:
    mock.inject("status", target="credential", status=503)
    with pytest.raises(ecscred.MetadataHTTPError) as info:
        get(endpoint=mock.url)
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is ecscred.MetadataHTTPError
    assert (str(again), again.http_status, again.retryable) == (
        str(info.value), 503, True)


def test_catching_the_base_class(closed_port: ClosedPort) -> None:
    try:
        get(endpoint=closed_port.url)
    except ecscred.CredentialError as e:
        assert e.kind is ecscred.ErrorKind.UNREACHABLE
    else:
        pytest.fail("no error")
