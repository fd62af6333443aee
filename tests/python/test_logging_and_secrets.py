"""The engine's log events reach `logging` (logger "ecscred"), and no secret ever shows up
in a log record, an exception message or a repr."""

import logging
import re
from typing import Any, Dict, Iterable, List

import oss2
import pytest

import ecscred
from ecscred.testing import ManualClock, MockMetadataServer, flush_logs
from tests.oss_server import OssTestServer

# Metadata tokens of the mock are 56 letters and digits.
METADATA_TOKEN = re.compile(r"[A-Za-z0-9]{56}")


def secrets_of(issued: Iterable[Dict[str, Any]]) -> List[str]:
    out = []
    for c in issued:
        out += [c["access_key_secret"], c["security_token"]]
    assert out, "nothing was issued: the check would be vacuous"
    return out


def ecscred_records(caplog: pytest.LogCaptureFixture) -> List[logging.LogRecord]:
    assert flush_logs(10)
    return [r for r in caplog.records if r.name == "ecscred"]


def assert_clean(texts: Iterable[str], secrets: List[str]) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert not METADATA_TOKEN.search(text), text


def test_warnings_reach_logging(caplog: pytest.LogCaptureFixture, mock: MockMetadataServer) -> None:
    flush_logs()  # earlier tests' events are not this test's
    caplog.set_level(logging.WARNING, logger="ecscred")
    mock.inject("status", target="credential", status=500)
    with pytest.raises(ecscred.MetadataHTTPError):
        ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    records = [r for r in ecscred_records(caplog) if mock.url in r.getMessage()]
    [warning] = [r for r in records if r.levelno == logging.WARNING]
    assert "fetching a credential failed" in warning.getMessage()
    assert "500" in warning.getMessage()
    assert warning.threadName == "ecscred-refresh"
    assert warning.rust_target.startswith("ecscred")  # type: ignore[attr-defined]
    assert not [r for r in records if r.levelno < logging.WARNING]  # DEBUG not enabled


def test_debug_only_when_enabled(caplog: pytest.LogCaptureFixture, mock: MockMetadataServer) -> None:
    flush_logs()
    caplog.set_level(logging.DEBUG, logger="ecscred")
    ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url).get_credentials()
    messages = [r.getMessage() for r in ecscred_records(caplog) if r.levelno == logging.DEBUG]
    assert any("fetched a credential" in m for m in messages)
    assert any("discovered the instance's RAM role" in m for m in messages)
    # Only the engine's events: the HTTP stack's own chatter stays out.
    assert not any("pooling idle connection" in m for m in messages)


def test_no_secret_in_logs_errors_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="ecscred")
    texts: List[str] = []
    with MockMetadataServer(mode="hardened") as mock, OssTestServer(mock.url) as oss:
        clock = ManualClock()
        provider = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url, clock=clock)
        auth = ecscred.EcsRamRoleAuth(provider=provider)
        bucket = oss2.Bucket(auth, oss.url, "ramroletest")
        c = provider.get_credentials()
        texts += [repr(c), str(c), repr(provider), repr(auth), repr(mock)]
        list(oss2.ObjectIterator(bucket))
        # a rotation, a rejected metadata token, then every failure kind the mock can stage
        mock.advance(6 * 3600 + 60)
        clock.advance(6 * 3600 + 60)
        mock.expire_tokens()
        texts.append(repr(provider.get_credentials()))
        for fault in ({"kind": "malformed_json"}, {"kind": "code", "code": "Failure"},
                      {"kind": "expired"}, {"kind": "status", "status": 500},
                      {"kind": "huge_body", "bytes": 100_000}):
            mock.clear_faults()
            kind = fault.pop("kind")
            mock.inject(kind, target="credential", **fault)
            fresh = ecscred.EcsRamRoleCredentialsProvider(endpoint=mock.url)
            with pytest.raises(ecscred.CredentialError) as info:
                fresh.get_credentials()
            texts += [str(info.value), repr(info.value)]
        secrets = secrets_of(mock.issued())
        # Code/expired faults issued credentials too: they are in issued() and checked.
        assert len(mock.issued()) >= 4
    records = ecscred_records(caplog)
    assert records
    texts += [r.getMessage() for r in records]
    assert_clean(texts, secrets)

