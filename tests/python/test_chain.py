"""The default credential chain from Python: ecscred.DefaultCredentialsProvider.

Every test runs with HOME in a temporary directory and no ALIBABA_CLOUD_* variable but
those it sets (the metadata endpoint stays the closed port of conftest.py unless a test
points it at a mock), so the machine's own ~/.aliyun and ~/.alibabacloud are never read.
Covered: each source the chain selects (environment AccessKey with and without token,
config.json AK / StsToken / EcsRamRole / OIDC / RamRoleArn profiles, the ini file's
access_key section, the credentials URI), precedence, a failing configured source reported and never skipped, invalid
configuration, what building does not do (thread, signal handler, network; off the main
thread), secrets kept out of repr/str, and every adapter signing with a long-term
AccessKey (no token) against the OSS and OpenAPI test servers."""

import asyncio
import datetime
import inspect
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest
import requests
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

import ecscred
from ecscred.sdk_core import EcsRamRoleStsCredential, ProviderAccessKeyCredential
from ecscred.testing import MockCredentialsUri, MockMetadataServer, MockSts
from tests.openapi_server import OpenApiTestServer
from tests.oss_server import OssTestServer

ENV_ID, ENV_SECRET = "LTAI5tEnvironmentKey01", "env-secret-Qw3rTy-0123456789"
ENV_TOKEN = "CAIS-environment-token-zxcvb"
PROFILE_ID, PROFILE_SECRET = "LTAI5tProfileKey000002", "profile-secret-AsDfGh-9876543210"
PROFILE_TOKEN = "CAIS-profile-token-qwertyuiop"
SECRETS = (ENV_SECRET, ENV_TOKEN, PROFILE_SECRET, PROFILE_TOKEN)

OIDC_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaGFpbi10ZXN0In0.Y2hhaW4tdGVzdC1zaWduYXR1cmU"
ROLE_ARN = "acs:ram::1234567890:role/chain-test"
PROVIDER_ARN = "acs:ram::1234567890:oidc-provider/ack-rrsa"
ROLE = "EcsRamRoleTest"

KEEP = ("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT",)  # conftest's closed port


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary HOME and no other chain configuration."""
    for name in list(os.environ):
        if (name.startswith("ALIBABA_CLOUD_") and name not in KEEP) or name.startswith(
                "ALIYUN_ACCESS_KEY"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def _private(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return path


def cli_config(home: Path, *profiles: Dict[str, Any], current: Optional[str] = None) -> Path:
    """~/.aliyun/config.json with these profiles; ``current``: the first one's name."""
    document = {"current": current or profiles[0]["name"], "profiles": list(profiles)}
    return _private(home / ".aliyun" / "config.json", json.dumps(document))


def ak_profile(name: str = "default") -> Dict[str, Any]:
    return {"name": name, "mode": "AK", "access_key_id": PROFILE_ID,
            "access_key_secret": PROFILE_SECRET, "region_id": "cn-hangzhou"}


def ini_file(home: Path, section: str = "default") -> Path:
    return _private(home / ".alibabacloud" / "credentials.ini",
                    f"[{section}]\ntype = access_key\naccess_key_id = {PROFILE_ID}\n"
                    f"access_key_secret = {PROFILE_SECRET}\n")


def set_env_key(monkeypatch: pytest.MonkeyPatch, token: Optional[str] = None) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", ENV_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ENV_SECRET)
    if token is not None:
        monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", token)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS + (OIDC_TOKEN,):
            assert secret not in text, text


@pytest.fixture
def sts() -> Iterator[MockSts]:
    with MockSts(OIDC_TOKEN) as server:
        yield server


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    return _private(tmp_path / "oidc-token", OIDC_TOKEN + "\n")


def set_oidc_env(monkeypatch: pytest.MonkeyPatch, token_file: Path) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ROLE_ARN", ROLE_ARN)
    monkeypatch.setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", PROVIDER_ARN)
    monkeypatch.setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", str(token_file))


def _sts_options(sts: MockSts) -> Dict[str, Any]:
    return {"sts_endpoint": sts.url, "sts_extra_root_pem": sts.ca_pem}


# -- the environment's AccessKey -----------------------------------------------------------


def test_environment_access_key_without_token(home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    set_env_key(monkeypatch)
    p = ecscred.DefaultCredentialsProvider()
    assert isinstance(p, ecscred.EcsRamRoleCredentialsProvider)  # every adapter takes it
    assert p.get_provider_name() == "default/env"
    info = p.source_info
    assert (info.kind, info.name, info.provider_name, info.chain) == (
        "env", "env", "default/env", True)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in info.selected_by
    assert (info.file, info.profile) == (None, None)
    assert str(info).startswith("default/env (selected by ALIBABA_CLOUD_ACCESS_KEY_ID")

    c = p.get_credentials()
    assert (c.access_key_id, c.access_key_secret) == (ENV_ID, ENV_SECRET)
    assert c.security_token is None and c.get_security_token() is None
    assert c.expires is False and not c.is_expired() and c.has_keys()
    assert c.expiration == datetime.datetime(9998, 12, 31, 23, 59, 59,
                                             tzinfo=datetime.timezone.utc)
    assert c.get_provider_name() == "default/env"
    assert p.get_credentials() is c and p.cached_credentials() is c
    assert asyncio.run(p.get_credentials_async()) is c
    status = p.refresh_status()
    assert status.last_error is None and status.consecutive_failures == 0
    assert "security_token=None" in repr(c)
    assert_no_secret(repr(c), str(c), repr(p), str(p), repr(info), str(info), repr(status))


def test_environment_access_key_with_token(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_env_key(monkeypatch, ENV_TOKEN)
    p = ecscred.DefaultCredentialsProvider()
    assert p.get_provider_name() == "default/env"
    assert "ALIBABA_CLOUD_SECURITY_TOKEN" in p.source_info.selected_by
    c = p.get_credentials()
    assert (c.access_key_id, c.access_key_secret, c.security_token) == (
        ENV_ID, ENV_SECRET, ENV_TOKEN)
    assert c.get_security_token() == ENV_TOKEN and c.expires is False
    assert "security_token=<redacted>" in repr(c)
    assert_no_secret(repr(c), repr(p))


@pytest.mark.parametrize("only, missing", [
    ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
    ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_ACCESS_KEY_ID"),
])
def test_a_half_set_pair_is_invalid_config(home: Path, monkeypatch: pytest.MonkeyPatch,
                                           only: str, missing: str) -> None:
    monkeypatch.setenv(only, ENV_SECRET)
    cli_config(home, ak_profile())  # configured later in the chain: never used instead
    with pytest.raises(ecscred.InvalidConfigError) as raised:
        ecscred.DefaultCredentialsProvider()
    assert only in str(raised.value) and missing in str(raised.value)
    assert_no_secret(str(raised.value), repr(raised.value))


# -- profile files ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode, name, token", [
    ("AK", "static_ak", None),
    ("StsToken", "static_sts", PROFILE_TOKEN),
])
def test_cli_profile_keys(home: Path, mode: str, name: str, token: Optional[str]) -> None:
    profile = {**ak_profile("dev"), "mode": mode}
    if token is not None:
        profile["sts_token"] = token
    path = cli_config(home, profile)
    p = ecscred.DefaultCredentialsProvider()
    assert p.get_provider_name() == f"default/cli_profile/{name}"
    info = p.source_info
    assert (info.kind, info.file, info.profile) == ("profile", path, "dev")
    c = p.get_credentials()
    assert (c.access_key_id, c.access_key_secret, c.security_token) == (
        PROFILE_ID, PROFILE_SECRET, token)
    assert c.expires is False
    assert_no_secret(repr(p), repr(info), str(info), repr(c))


def test_profile_option_and_variable_pick_the_profile(home: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cli_config(home, {"name": "default", "mode": "AK", "access_key_id": "LTAI5tOther",
                      "access_key_secret": "other-secret"}, ak_profile("dev"))
    assert ecscred.DefaultCredentialsProvider().get_credentials().access_key_id == "LTAI5tOther"
    p = ecscred.DefaultCredentialsProvider(profile="dev")
    assert p.source_info.profile == "dev"
    assert p.get_credentials().access_key_id == PROFILE_ID
    monkeypatch.setenv("ALIBABA_CLOUD_PROFILE", "dev")
    assert ecscred.DefaultCredentialsProvider().get_credentials().access_key_id == PROFILE_ID
    with pytest.raises(ecscred.InvalidConfigError, match="nosuch"):
        ecscred.DefaultCredentialsProvider(profile="nosuch")


def test_config_file_and_credentials_file_options(home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    config = _private(elsewhere / "config.json",
                      json.dumps({"current": "x", "profiles": [ak_profile("x")]}))
    p = ecscred.DefaultCredentialsProvider(config_file=config)
    assert (p.source_info.file, p.get_credentials().access_key_id) == (config, PROFILE_ID)
    ini = ini_file(elsewhere)
    p = ecscred.DefaultCredentialsProvider(credentials_file=str(ini))
    assert p.get_provider_name() == "default/profile/access_key"
    assert p.source_info.file == ini
    with pytest.raises(ecscred.InvalidConfigError, match="does not exist"):
        ecscred.DefaultCredentialsProvider(config_file=elsewhere / "missing.json")


def test_ini_access_key_section(home: Path) -> None:
    path = ini_file(home)
    p = ecscred.DefaultCredentialsProvider()
    assert p.get_provider_name() == "default/profile/access_key"
    assert (p.source_info.kind, p.source_info.file, p.source_info.profile) == (
        "profile", path, "default")
    c = p.get_credentials()
    assert (c.access_key_id, c.access_key_secret, c.security_token) == (
        PROFILE_ID, PROFILE_SECRET, None)


def test_cli_profile_ecs_ram_role(home: Path, mock: MockMetadataServer) -> None:
    cli_config(home, {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": ROLE})
    p = ecscred.DefaultCredentialsProvider(endpoint=mock.url)
    assert p.get_provider_name() == "default/cli_profile/ecs_ram_role"
    c = p.get_credentials()
    (issued,) = mock.issued()
    assert (c.access_key_id, c.security_token) == (
        issued["access_key_id"], issued["security_token"])
    assert c.expires is True and c.get_provider_name() == "default/cli_profile/ecs_ram_role"


def test_cli_profile_oidc(home: Path, sts: MockSts, token_file: Path) -> None:
    cli_config(home, {"name": "pod", "mode": "OIDC", "ram_role_arn": ROLE_ARN,
                      "oidc_provider_arn": PROVIDER_ARN, "oidc_token_file": str(token_file),
                      "role_session_name": "chain-session"})
    p = ecscred.DefaultCredentialsProvider(**_sts_options(sts))
    assert p.get_provider_name() == "default/cli_profile/oidc_role_arn"
    c = p.get_credentials()
    (issued,) = sts.issued()
    assert (c.access_key_id, c.security_token) == (
        issued["access_key_id"], issued["security_token"])
    assert "RoleSessionName=chain-session" in sts.requests()[0]


# -- precedence and failures -------------------------------------------------------------------


def test_environment_beats_profile(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli_config(home, ak_profile())
    ini_file(home)
    set_env_key(monkeypatch)
    p = ecscred.DefaultCredentialsProvider()
    assert p.get_provider_name() == "default/env"
    assert p.get_credentials().access_key_id == ENV_ID


def test_oidc_beats_profile(home: Path, monkeypatch: pytest.MonkeyPatch, sts: MockSts,
                            token_file: Path) -> None:
    cli_config(home, ak_profile())
    set_oidc_env(monkeypatch, token_file)
    p = ecscred.DefaultCredentialsProvider(**_sts_options(sts))
    assert p.get_provider_name() == "default/oidc_role_arn"
    assert p.get_credentials().access_key_id == sts.issued()[0]["access_key_id"]


def test_profile_beats_ecs(home: Path, monkeypatch: pytest.MonkeyPatch,
                           mock: MockMetadataServer) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA", ROLE)
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", mock.url)
    ini_file(home)
    p = ecscred.DefaultCredentialsProvider()
    assert p.get_provider_name() == "default/profile/access_key"
    assert p.get_credentials().access_key_id == PROFILE_ID
    assert mock.counters()["requests"] == 0


def test_ecs_when_nothing_else_is_configured(home: Path, mock: MockMetadataServer) -> None:
    p = ecscred.DefaultCredentialsProvider(endpoint=mock.url)
    assert p.get_provider_name() == "default/ecs_ram_role"
    assert p.source_info.kind == "ecs" and "nothing else" in p.source_info.selected_by
    assert mock.counters()["requests"] == 0  # building sent nothing
    assert p.get_credentials().access_key_id == mock.issued()[0]["access_key_id"]


def test_a_failing_oidc_source_is_reported_not_skipped(
        home: Path, monkeypatch: pytest.MonkeyPatch, mock: MockMetadataServer,
        tmp_path: Path) -> None:
    missing = tmp_path / "no-such-token"
    set_oidc_env(monkeypatch, missing)
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", mock.url)
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA", ROLE)  # ECS configured too
    cli_config(home, ak_profile())
    p = ecscred.DefaultCredentialsProvider()
    assert p.get_provider_name() == "default/oidc_role_arn"
    with pytest.raises(ecscred.CredentialError) as raised:
        p.get_credentials()
    message = str(raised.value)
    assert "default/oidc_role_arn" in message and str(missing) in message
    assert p.refresh_status().last_error is not None
    assert mock.counters()["requests"] == 0  # never the node's role
    assert_no_secret(message, repr(raised.value))


def test_pinned_sources(home: Path, monkeypatch: pytest.MonkeyPatch,
                        mock: MockMetadataServer) -> None:
    set_env_key(monkeypatch)
    ini_file(home)
    env = ecscred.DefaultCredentialsProvider(source="env")
    assert env.get_provider_name() == "env" and env.source_info.chain is False
    profile = ecscred.DefaultCredentialsProvider(source="profile")
    assert profile.get_provider_name() == "profile/access_key"
    assert profile.get_credentials().access_key_id == PROFILE_ID
    ecs = ecscred.DefaultCredentialsProvider(source="ecs", role_name=ROLE, endpoint=mock.url)
    assert ecs.get_provider_name() == "ecs_ram_role"
    assert ecs.role_name == ROLE and ecs.endpoint == mock.url
    with pytest.raises(ecscred.InvalidConfigError, match="ALIBABA_CLOUD_CREDENTIALS_URI"):
        ecscred.DefaultCredentialsProvider(source="uri")
    with pytest.raises(ecscred.InvalidConfigError, match="source must be one of"):
        ecscred.DefaultCredentialsProvider(source="laptop")
    with pytest.raises(TypeError):
        ecscred.DefaultCredentialsProvider("env")  # type: ignore[misc]


def test_other_providers_report_their_source(mock: MockMetadataServer) -> None:
    p = ecscred.EcsRamRoleCredentialsProvider(ROLE, endpoint=mock.url)
    assert p.get_provider_name() == "ecs_ram_role"
    assert (p.source_info.kind, p.source_info.chain) == ("ecs", False)
    c = p.get_credentials()
    assert c.get_provider_name() == "ecs_ram_role" and c.expires is True
    assert isinstance(c.security_token, str)


def test_profile_secrets_stay_out_of_errors(home: Path) -> None:
    # A secret that is not valid (a non-ASCII character), and a mode that does not exist.
    bad_secret = PROFILE_SECRET + "\u00e9"
    cli_config(home, {**ak_profile(), "access_key_secret": bad_secret})
    with pytest.raises(ecscred.InvalidConfigError) as raised:
        ecscred.DefaultCredentialsProvider()
    assert "access_key_secret" in str(raised.value)
    assert_no_secret(str(raised.value), repr(raised.value))
    cli_config(home, {**ak_profile(), "mode": "Laptop", "sts_token": PROFILE_TOKEN})
    with pytest.raises(ecscred.InvalidConfigError) as raised:
        ecscred.DefaultCredentialsProvider()
    assert "Laptop" in str(raised.value)
    assert_no_secret(str(raised.value), repr(raised.value))


def test_every_option_is_documented_in_help() -> None:
    doc = ecscred.DefaultCredentialsProvider.__doc__ or ""
    options = inspect.signature(ecscred.DefaultCredentialsProvider).parameters
    assert len(options) > 20
    for name in options:
        assert f"``{name}``" in doc, name
    assert "seconds, 0.001 to 3600" in doc and "seconds, 900 to 43200" in doc


# -- building does nothing else ----------------------------------------------------------------


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _caught_signals() -> str:
    with open("/proc/self/status") as status:
        return next(line for line in status if line.startswith("SigCgt:"))


def test_building_starts_no_thread_installs_no_handler_sends_nothing(
        home: Path, mock: MockMetadataServer) -> None:
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    threads, caught = _threads(), _caught_signals()
    providers = [ecscred.DefaultCredentialsProvider(endpoint=mock.url) for _ in range(3)]
    assert (_threads(), _caught_signals()) == (threads, caught)
    assert {s: signal.getsignal(s) for s in handlers} == handlers
    assert mock.counters()["requests"] == 0
    assert all(p.get_provider_name() == "default/ecs_ram_role" for p in providers)


def test_building_off_the_main_thread(home: Path, monkeypatch: pytest.MonkeyPatch,
                                      mock: MockMetadataServer) -> None:
    set_env_key(monkeypatch)
    results: List[Tuple[str, str]] = []
    errors: List[BaseException] = []

    def worker() -> None:
        try:
            env = ecscred.DefaultCredentialsProvider()
            ecs = ecscred.DefaultCredentialsProvider(source="ecs", endpoint=mock.url)
            results.append((env.get_credentials().access_key_id,
                            ecs.get_credentials().access_key_id))
        except BaseException as e:  # reported below, on the main thread
            errors.append(e)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive() and errors == []
    assert results == [(ENV_ID, mock.issued()[0]["access_key_id"])]


# -- every adapter with a long-term AccessKey --------------------------------------------------


@pytest.fixture(params=["env", "profile"])
def long_term(request: pytest.FixtureRequest, home: Path, monkeypatch: pytest.MonkeyPatch
              ) -> Tuple[ecscred.DefaultCredentialsProvider, str, str]:
    """A chain provider over a long-term AccessKey from the environment or an ini profile,
    with the key's id and secret."""
    if request.param == "env":
        set_env_key(monkeypatch)
        return ecscred.DefaultCredentialsProvider(), ENV_ID, ENV_SECRET
    ini_file(home)
    return ecscred.DefaultCredentialsProvider(), PROFILE_ID, PROFILE_SECRET


def test_oss_adapters_sign_without_token(
        long_term: Tuple[ecscred.DefaultCredentialsProvider, str, str]) -> None:
    p, key_id, secret = long_term
    with OssTestServer(keys={key_id: secret}) as oss:
        auths = [ecscred.EcsRamRoleAuth(provider=p, auth_version=v) for v in ("v1", "v2")]
        auths.append(oss2.ProviderAuth(p))
        for auth in auths:
            bucket = oss2.Bucket(auth, oss.url, "ramroletest")
            assert [o.key for o in oss2.ObjectIterator(bucket)] == ["ramroletest.txt", "test.sh"]
        v4 = oss2.Bucket(ecscred.EcsRamRoleAuth(provider=p, auth_version="v4"), oss.url,
                         "ramroletest", region="cn-hangzhou")
        assert v4.get_object("test.sh").read() == b"#!/bin/sh\necho ok\n"
        assert requests.get(v4.sign_url("GET", "test.sh", 60), timeout=10).status_code == 200
        cfg = oss_v2.config.load_default()
        cfg.credentials_provider = p
        cfg.region = "cn-hangzhou"
        cfg.endpoint = oss.url
        oss_v2.Client(cfg).get_object(
            oss_v2.GetObjectRequest(bucket="ramroletest", key="ramroletest.txt"))
        assert len(oss.requests) >= 6
        assert {(r["access_key_id"], r["security_token"], r["status"])
                for r in oss.requests} == {(key_id, False, 200)}


def test_openapi_adapters_sign_without_token(
        long_term: Tuple[ecscred.DefaultCredentialsProvider, str, str]) -> None:
    p, key_id, secret = long_term
    with OpenApiTestServer(keys={key_id: secret}) as api:
        client = ecscred.credential_client(provider=p)
        model = client.get_credential()
        assert (model.type, model.security_token, model.provider_name) == (
            "access_key", None, p.get_provider_name())
        model = asyncio.run(client.get_credential_async())
        assert (model.access_key_id, model.type, model.security_token) == (
            key_id, "access_key", None)
        for extra in ({}, {"signature_algorithm": "v2"}):  # ACS3 and RPC
            config = Config(credential=client, endpoint=api.endpoint, protocol="http",
                            region_id="cn-hangzhou", **extra)
            assert StsClient(config).get_caller_identity().body.identity_type == "Account"
        credential = ecscred.sdk_core_credential(provider=p)
        assert isinstance(credential, ProviderAccessKeyCredential)
        acs = AcsClient(region_id="cn-hangzhou", credential=credential)
        rpc = CommonRequest(domain=api.endpoint, version="2014-05-26",
                            action_name="DescribeRegions")
        roa = CommonRequest(domain=api.endpoint, version="2014-05-26", uri_pattern="/regions")
        roa.set_method("GET")
        for req in (rpc, roa):
            req.set_protocol_type("http")
            req.set_accept_format("json")
            assert b"cn-hangzhou" in acs.do_action_with_exception(req)
        assert [r["scheme"] for r in api.requests] == ["acs3", "rpc", "rpc", "roa"]
        assert {(r["access_key_id"], r["security_token"], r["status"])
                for r in api.requests} == {(key_id, False, 200)}


def test_sdk_core_credential_of_the_wrong_kind_refuses_to_sign(
        mock: MockMetadataServer, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_env_key(monkeypatch)
    sts_only = EcsRamRoleStsCredential(ecscred.DefaultCredentialsProvider())
    with pytest.raises(ecscred.InvalidResponseError, match="lacks a security token"):
        sts_only.sts_token
    key_only = ProviderAccessKeyCredential(ecscred.EcsRamRoleCredentialsProvider(
        ROLE, endpoint=mock.url))
    with pytest.raises(ecscred.InvalidResponseError, match="has a security token"):
        key_only.access_key_id


def test_sdk_core_keeps_the_sts_signer_for_sts_sources(mock: MockMetadataServer,
                                                       home: Path) -> None:
    ecs = ecscred.DefaultCredentialsProvider(endpoint=mock.url)
    assert isinstance(ecscred.sdk_core_credential(provider=ecs), EcsRamRoleStsCredential)
    assert mock.counters()["requests"] == 0  # chosen without a fetch


# -- STS AssumeRole and the credentials URI ------------------------------------------------


def test_cli_profile_ram_role_arn(home: Path, tmp_path: Path) -> None:
    """AssumeRole signed with the profile's AccessKey, against the mock STS; the issued
    credential then signs OSS requests."""
    cli_config(home, {**ak_profile("laptop"), "mode": "RamRoleArn", "ram_role_arn": ROLE_ARN,
                      "ram_session_name": "chain-ram"})
    with MockSts(OIDC_TOKEN, access_keys={PROFILE_ID: PROFILE_SECRET}) as sts:
        p = ecscred.DefaultCredentialsProvider(**_sts_options(sts))
        assert p.get_provider_name() == "default/cli_profile/ram_role_arn"
        assert sts.counters()["requests"] == 0  # building sent nothing
        c = p.get_credentials()
        (issued,) = sts.issued()
        assert (c.access_key_id, c.access_key_secret, c.security_token) == (
            issued["access_key_id"], issued["access_key_secret"], issued["security_token"])
        assert c.expires is True
        assert sts.counters()["assume_role"] == 1
        (line,) = sts.requests()
        assert PROFILE_ID in line and "verdict=issued" in line and "chain-ram" in line
        assert_no_secret(line, repr(p), str(p.source_info))
        ca = _private(tmp_path / "ca.pem", sts.ca_pem)
        with OssTestServer(None, sts_url=sts.url, sts_cafile=str(ca)) as oss:
            bucket = oss2.Bucket(ecscred.EcsRamRoleAuth(provider=p), oss.url, "ramroletest")
            assert bucket.get_object("test.sh").read() == b"#!/bin/sh\necho ok\n"
            assert [(r["access_key_id"], r["security_token"], r["status"])
                    for r in oss.requests] == [(c.access_key_id, True, 200)]


def test_a_refused_assume_role_names_the_profile_source(home: Path) -> None:
    cli_config(home, {**ak_profile("laptop"), "mode": "RamRoleArn", "ram_role_arn": ROLE_ARN})
    with MockSts(OIDC_TOKEN, access_keys={PROFILE_ID: "the-secret-sts-knows"}) as sts:
        p = ecscred.DefaultCredentialsProvider(**_sts_options(sts))
        with pytest.raises(ecscred.CredentialError) as raised:
            p.get_credentials()
        assert "default/cli_profile/ram_role_arn" in str(raised.value)
        assert sts.counters()["signature_refusals"] >= 1 and sts.issued() == []
        assert_no_secret(str(raised.value), repr(raised.value))


def test_credentials_uri(home: Path, monkeypatch: pytest.MonkeyPatch,
                         mock: MockMetadataServer) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", mock.url)
    with MockCredentialsUri() as uri:
        monkeypatch.setenv("ALIBABA_CLOUD_CREDENTIALS_URI", uri.url)
        p = ecscred.DefaultCredentialsProvider()
        assert p.get_provider_name() == "default/credential_uri"
        assert p.source_info.kind == "uri"
        assert uri.counters()["requests"] == 0  # building sent nothing
        c = p.get_credentials()
        (issued,) = uri.issued()
        assert (c.access_key_id, c.access_key_secret, c.security_token) == (
            issued["access_key_id"], issued["access_key_secret"], issued["security_token"])
        assert c.expires is True
        pinned = ecscred.DefaultCredentialsProvider(source="uri", credentials_uri=uri.url)
        assert pinned.get_provider_name() == "credential_uri"
        assert pinned.get_credentials().access_key_id == c.access_key_id
        # The URI beats the discovered ECS role; a role named by the variable beats the URI.
        assert mock.counters()["requests"] == 0
        monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA", ROLE)
        assert ecscred.DefaultCredentialsProvider().get_provider_name() == (
            "default/ecs_ram_role")


def test_a_failing_credentials_uri_is_reported_not_skipped(
        home: Path, monkeypatch: pytest.MonkeyPatch, mock: MockMetadataServer,
        closed_port: Any) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", mock.url)
    monkeypatch.setenv("ALIBABA_CLOUD_CREDENTIALS_URI", closed_port.url + "/credentials")
    p = ecscred.DefaultCredentialsProvider(fetch_timeout=2)
    with pytest.raises(ecscred.CredentialError) as raised:
        p.get_credentials()
    assert "default/credential_uri" in str(raised.value)
    assert mock.counters()["requests"] == 0
