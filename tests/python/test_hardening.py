"""What an adversarial review asks of the Python surface: values at the edges of the
engine's range convert exactly (the same instants as the Rust, C and Go tests), or are
refused with the library's own error; no role name or endpoint changes where a request
goes; no configuration is silently replaced by the real metadata address."""

import datetime
import os
import subprocess
import sys

import pytest

import ecscred
from ecscred.testing import ManualClock, MockMetadataServer

UTC = datetime.timezone.utc
LATEST = datetime.datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)
CREDENTIALS = "/latest/meta-data/ram/security-credentials/"


def provider(mock: MockMetadataServer, **options: object) -> ecscred.EcsRamRoleCredentialsProvider:
    return ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "sent, want",
    [
        ("9998-12-31T23:59:59Z", LATEST),
        ("9999-01-01T07:59:59+08:00", LATEST),
        ("9998-12-31t23:59:59.5z", LATEST.replace(microsecond=500_000)),
        ("2030-01-02T11:04:05+08:00", datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        # A leap second is the second before it (the instant the system clock shows).
        ("2030-06-30T23:59:60Z", datetime.datetime(2030, 6, 30, 23, 59, 59, tzinfo=UTC)),
        ("2030-07-01T07:59:60.5+08:00",
         datetime.datetime(2030, 6, 30, 23, 59, 59, 500_000, tzinfo=UTC)),
        ("9998-12-31T23:59:60Z", LATEST),
    ],
)
def test_expiration_in_range_converts_exactly(mock: MockMetadataServer, sent: str, want: datetime.datetime) -> None:
    mock.inject("expiration", target="credential", count=1, expiration=sent)
    creds = provider(mock, role_name=mock.role).get_credentials()
    assert creds.expiration == want
    assert creds.expiration.tzinfo is not None
    assert "9998" in repr(creds) or "2030" in repr(creds)


@pytest.mark.parametrize(
    "sent", ["9999-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2030-01-02T03:04:05", "2030-06-29T23:59:60Z"]
)
def test_expiration_out_of_range_is_the_librarys_error(mock: MockMetadataServer, sent: str) -> None:
    mock.inject("expiration", target="credential", count=1, expiration=sent)
    with pytest.raises(ecscred.InvalidResponseError) as info:
        provider(mock, role_name=mock.role).get_credentials()
    assert "Expiration" in str(info.value)
    # The engine refused it: the next fetch (fault consumed) works as usual.
    assert provider(mock, role_name=mock.role).get_credentials().access_key_id.startswith("STS.")


@pytest.mark.parametrize("role", [".", ".."])
def test_dot_role_names_are_refused(mock: MockMetadataServer, role: str) -> None:
    with pytest.raises(ecscred.InvalidConfigError) as info:
        provider(mock, role_name=role)
    assert f'"{role}"' in str(info.value)
    assert mock.counters()["requests"] == 0


def test_a_dotted_role_name_reaches_the_service_verbatim(mock: MockMetadataServer) -> None:
    with pytest.raises(ecscred.RoleNotFoundError):
        provider(mock, role_name="...").get_credentials()
    gets = [line for line in mock.requests() if line.startswith("GET")]
    assert gets == [f"GET {CREDENTIALS}..."]


def test_a_discovered_dot_role_is_refused_without_a_second_listing() -> None:
    with MockMetadataServer(role="..") as mock:
        with pytest.raises(ecscred.InvalidResponseError) as info:
            provider(mock).get_credentials()
        assert '".."' in str(info.value)
        assert [line for line in mock.requests() if line.startswith("GET")] == [f"GET {CREDENTIALS}"]


@pytest.mark.parametrize(
    "endpoint",
    ["http://:pw-secret@127.0.0.1:1", "http://user:pw-secret@127.0.0.1:1", "http://127.0.0.1:1/?pw-secret"],
)
def test_endpoint_with_user_info_or_query_is_refused_without_echo(endpoint: str) -> None:
    with pytest.raises(ecscred.InvalidConfigError) as info:
        ecscred.EcsRamRoleCredentialsProvider(endpoint=endpoint)
    assert "pw-secret" not in str(info.value)
    assert "pw-secret" not in repr(info.value)


def test_an_endpoint_variable_that_is_not_utf8_is_an_error() -> None:
    # A child process, so that this process's environment stays clean. Its endpoint
    # variable holds bytes that are not UTF-8: it must fail, never fall back to the
    # real metadata address.
    env = {k: v for k, v in os.environb.items() if not k.startswith(b"ALIBABA_CLOUD_")}
    env[b"ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT"] = b"http://127.0.0.1:\xff"
    code = (
        "import ecscred\n"
        "try:\n"
        "    ecscred.EcsRamRoleCredentialsProvider()\n"
        "except ecscred.InvalidConfigError as e:\n"
        "    print('refused:', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert b"refused:" in out.stdout and b"not valid UTF-8" in out.stdout, out.stdout


def test_manual_clock_refuses_instants_it_cannot_hold() -> None:
    end = 2**64 / 1e9  # 2554-07-21
    with pytest.raises(ValueError):
        ManualClock(start=end + 1)
    clock = ManualClock(start=end - 10)
    with pytest.raises(ValueError):
        clock.advance(20)
    with pytest.raises(ValueError):
        clock.set(end + 1)
    with pytest.raises(ValueError):
        ManualClock(start=-1)
    before = clock.now()
    clock.advance(5)
    assert clock.now() == pytest.approx(before + 5)
