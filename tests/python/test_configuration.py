"""Options at their edges: boolean variables, out-of-range keyword arguments (never a
panic), and what help() says about each option."""

import math
import pydoc
from typing import Any

import pytest

import ecscred
from ecscred.testing import MockMetadataServer

BOOLEANS = ("ALIBABA_CLOUD_IMDSV1_DISABLED", "ALIBABA_CLOUD_ECS_METADATA_DISABLED")


@pytest.mark.parametrize("value", ["1", "yes", "ON", " True ", "on\n"])
def test_imdsv1_disabled_true_spellings_refuse_plain_requests(
        value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_IMDSV1_DISABLED", value)
    with MockMetadataServer(mode="v1-only") as mock:
        provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
        with pytest.raises(ecscred.HardenedModeError):
            provider.get_credentials()
        assert mock.counters()["credential_gets"] == 0


@pytest.mark.parametrize("value", ["1", "Yes", "on"])
def test_metadata_disabled_true_spellings_disable(value: str, monkeypatch: pytest.MonkeyPatch,
                                                  mock: MockMetadataServer) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", value)
    with pytest.raises(ecscred.MetadataDisabledError):
        ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    assert mock.counters()["credential_gets"] == 0


@pytest.mark.parametrize("name", BOOLEANS)
@pytest.mark.parametrize("value", ["0", "no", "OFF", "false", "", "  "])
def test_false_spellings_and_empty(name: str, value: str, monkeypatch: pytest.MonkeyPatch,
                                   mock: MockMetadataServer) -> None:
    monkeypatch.setenv(name, value)
    ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()


@pytest.mark.parametrize("name", BOOLEANS)
@pytest.mark.parametrize("value", ["2", "y", "enabled", "tru e", "-1"])
def test_other_values_are_invalid_configuration_naming_the_variable(
        name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ecscred.InvalidConfigError, match=name):
        ecscred.EcsRamRoleCredentialsProvider(endpoint="http://127.0.0.1:9")


TIMEOUTS = ("connect_timeout", "read_timeout", "fetch_timeout", "token_ttl")
EXTREMES: Any = [0, 0.0, -0.0, -1, -1e-9, 1e-9, math.nan, -math.nan, math.inf, -math.inf,
                 1e300, 1.8e19, 2**64, 10**400, -(10**400), 3601, 21601]


@pytest.mark.parametrize("option", TIMEOUTS)
@pytest.mark.parametrize("value", EXTREMES)
def test_extreme_durations_are_invalid_configuration(option: str, value: Any) -> None:
    if option == "token_ttl" and value == 3601:
        pytest.skip("in range")
    for build in (ecscred.EcsRamRoleCredentialsProvider, ecscred._ecscred.shared_provider):
        with pytest.raises(ecscred.InvalidConfigError, match=option):
            build(endpoint="http://127.0.0.1:9", **{option: value})


def test_the_bounds_themselves_are_accepted(mock: MockMetadataServer) -> None:
    ecscred.EcsRamRoleCredentialsProvider(
        endpoint=mock.url, connect_timeout=3600, read_timeout=3600.0, fetch_timeout=3600,
        token_ttl=21600).get_credentials()
    ecscred.EcsRamRoleCredentialsProvider(
        endpoint=mock.url, connect_timeout=0.001, read_timeout=0.001, fetch_timeout=0.001,
        token_ttl=1)


def test_help_states_each_option_and_its_unit() -> None:
    text = pydoc.render_doc(ecscred.EcsRamRoleCredentialsProvider, renderer=pydoc.plaintext)
    for option in ("role_name", "endpoint", "disable_imds_v1", "disabled", *TIMEOUTS):
        assert option in text
    assert "seconds" in text
    assert "0.001 to 3600" in text and "1 to 21600" in text
