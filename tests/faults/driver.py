"""The Python surfaces of the fault matrix (tests/faults/matrix.py), run by the venv's python.

``driver.py`` gets credentials from the provider itself; ``driver.py --via tea-openapi``
through an STS GetCallerIdentity call of tea-openapi's generated client
(``ecscred.credential_client``), ``--via sdk-core`` through aliyun-python-sdk-core's
AcsClient (``ecscred.sdk_core_credential``), both against a local OpenAPI test server
(tests/openapi_server) in this process, which verifies the signature against the
credentials of the mock metadata service: the AccessKeyId and expiration reported are
those of the credential that signed the call (for a long-term AccessKey, which the server
knows no expiration of, the provider's credential of that same key says it). Any failure that is not an ecscred error
class raised out of the SDK call (a wrapped or bare SDK exception) is reported with
code 0, which fails the cell.

Line protocol on stdin/stdout (the same for every surface; see matrix.py):

    new [key=value ...]  -> ok | err ...
        keys: endpoint, role, disable_imds_v1, connect_timeout_ms, read_timeout_ms,
        fetch_timeout_ms, default=true (ecscred.get_credentials(): the process-wide
        provider configured from the environment); source=oidc with role_arn,
        oidc_provider_arn, oidc_token_file, sts_endpoint, sts_ca_file (a PEM file trusted
        for STS): an ecscred.OidcRoleArnCredentialsProvider, which the SDK surfaces get as
        provider= (their OpenAPI test server then trusts that mock STS's credentials);
        source=chain (or env, profile, uri: one source pinned) with those keys and profile,
        config_file, credentials_file, credentials_uri: an
        ecscred.DefaultCredentialsProvider, likewise given to the SDK surfaces, whose test
        server then trusts the environment's AccessKey, the mock STS's credentials and the
        credentials server's (the SDK client is made at the first get: sdk-core's fetches
        a credential of such a source to choose its class)
    get                  -> ok <t0 ms> <t1 ms> <AccessKeyId> <expiration unix s>
                          | err <t0 ms> <t1 ms> <code> <exception class> <http_status|-> <message>
    quit                 -> bye

The engine's log records (logger "ecscred", DEBUG) go to stderr; they are flushed with
ecscred.testing.flush_logs() before every answer, so that stderr is complete at quit.
"""

import argparse
import functools
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional, Tuple
from urllib.parse import urlsplit

import ecscred
from ecscred.testing import flush_logs

# The sources ``source=`` names for a DefaultCredentialsProvider (``oidc``:
# OidcRoleArnCredentialsProvider).
CHAIN_SOURCES = ("chain", "env", "profile", "uri")

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.openapi_server import OpenApiTestServer  # noqa: E402


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def err_line(t0: int, t1: int, e: BaseException) -> str:
    if isinstance(e, ecscred.CredentialError):
        status = "-" if e.http_status is None else str(e.http_status)
        return f"err {t0} {t1} {int(e.kind)} {type(e).__name__} {status} {one_line(str(e))}"
    # Not an ecscred error: code 0 makes the orchestrator fail the cell.
    return f"err {t0} {t1} 0 {type(e).__name__} - {one_line(str(e))}"


def build(args: list) -> Tuple[Optional[str], dict, bool]:
    """Role, provider keyword arguments and default=true from the ``new`` arguments."""
    kwargs = {}
    role = None
    default = False
    for arg in args:
        key, _, value = arg.partition("=")
        if key == "endpoint":
            kwargs["endpoint"] = value
        elif key == "role":
            role = value
        elif key == "disable_imds_v1":
            kwargs["disable_imds_v1"] = value == "true"
        elif key in ("connect_timeout_ms", "read_timeout_ms", "fetch_timeout_ms"):
            kwargs[key[: -len("_ms")]] = int(value) / 1000.0
        elif key == "default":
            default = value == "true"
        elif key in ("source", "role_arn", "oidc_provider_arn", "oidc_token_file", "sts_endpoint", "sts_ca_file",
                     "profile", "config_file", "credentials_file", "credentials_uri"):
            kwargs[key] = value
        else:
            print(f"driver.py: unknown option {key!r} ignored", file=sys.stderr)
    return role, kwargs, default


def is_oidc(kwargs: dict) -> bool:
    return kwargs.get("source") == "oidc"


def oidc_provider(kwargs: dict) -> ecscred.OidcRoleArnCredentialsProvider:
    """The OIDC provider of ``source=oidc`` arguments (the CA file read as its PEM)."""
    options = {k: v for k, v in kwargs.items() if k not in ("source", "sts_ca_file")}
    if "sts_ca_file" in kwargs:
        options["sts_extra_root_pem"] = Path(kwargs["sts_ca_file"]).read_text()
    return ecscred.OidcRoleArnCredentialsProvider(**options)


def is_chain(kwargs: dict) -> bool:
    return kwargs.get("source") in CHAIN_SOURCES


def chain_provider(role: Optional[str], kwargs: dict) -> ecscred.DefaultCredentialsProvider:
    """The provider of ``source=chain`` (or a pinned source) arguments."""
    options = {k: v for k, v in kwargs.items() if k != "sts_ca_file"}
    if "sts_ca_file" in kwargs:
        options["sts_extra_root_pem"] = Path(kwargs["sts_ca_file"]).read_text()
    if role is not None:
        options["role_name"] = role
    return ecscred.DefaultCredentialsProvider(**options)


def direct(role: Optional[str], kwargs: dict, default: bool) -> Callable[[], Tuple[str, int]]:
    provider: Optional[ecscred.EcsRamRoleCredentialsProvider]
    if default:
        provider = None
    elif is_chain(kwargs):
        provider = chain_provider(role, kwargs)
    elif is_oidc(kwargs):
        provider = oidc_provider(kwargs)
    else:
        provider = ecscred.EcsRamRoleCredentialsProvider(role, **kwargs)

    def get() -> Tuple[str, int]:
        c = ecscred.get_credentials() if provider is None else provider.get_credentials()
        return c.access_key_id, int(c.expiration.timestamp())

    return get


class ThroughSdk:
    """``get`` as one signed SDK call to the OpenAPI test server (started on first use,
    trusting the mock the provider talks to)."""

    def __init__(self, via: str) -> None:
        self.via = via
        self.server: Optional[OpenApiTestServer] = None

    def __call__(self, role: Optional[str], kwargs: dict, default: bool) -> Callable[[], Tuple[str, int]]:
        metadata = kwargs.get("endpoint") or os.environ.get("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT")
        if self.server is None:
            if is_oidc(kwargs):
                self.server = OpenApiTestServer(sts_url=kwargs["sts_endpoint"], sts_cafile=kwargs["sts_ca_file"])
            elif is_chain(kwargs):
                self.server = chain_server(kwargs, metadata)
            else:
                self.server = OpenApiTestServer(metadata)
        server = self.server
        # default=true: configured from the environment only, as a user of the SDK would.
        role, kwargs = (None, {}) if default else (role, kwargs)
        provider = chain_provider(role, kwargs) if is_chain(kwargs) else None
        if provider is not None:
            role, kwargs = None, {"provider": provider}
        elif is_oidc(kwargs):
            role, kwargs = None, {"provider": oidc_provider(kwargs)}
        make = functools.partial(self.make_client, server, role, kwargs)
        # A chain's SDK client is made at the first get (sdk-core's fetches then).
        call: Optional[Callable[[], Any]] = None if provider is not None else make()

        # The SDKs send API calls through HTTP(S)_PROXY, and neither honours NO_PROXY. A
        # cell's proxy variables are about ecscred's metadata traffic, which ignores them
        # (the provider is built by now): the SDKs' calls to the local server must not
        # see them.
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            os.environ.pop(name, None)

        def get() -> Tuple[str, int]:
            nonlocal call
            if call is None:
                call = make()
            server.clear_requests()
            call()
            (signed,) = server.requests
            expiration = signed["expiration"]
            if expiration is None and provider is not None:
                # A permanent AccessKey (the server accepted it without any token), whose
                # expiration the server does not know: the provider's credential says it
                # (the same key, else the driver reports code 0 and the cell fails).
                own = provider.get_credentials()
                if own.access_key_id != signed["access_key_id"] or signed["security_token"]:
                    raise RuntimeError("the SDK signed with another key than the provider's")
                expiration = own.expiration.timestamp()
            return signed["access_key_id"], int(expiration)

        return get

    def make_client(self, server: OpenApiTestServer, role: Optional[str], kwargs: dict) -> Callable[[], Any]:
        """The SDK client over ecscred's credential, as its one call."""
        if self.via == "tea-openapi":
            from alibabacloud_sts20150401.client import Client as StsClient
            from alibabacloud_tea_openapi.models import Config

            sts = StsClient(Config(credential=ecscred.credential_client(role, **kwargs),
                                   endpoint=server.endpoint, protocol="http", region_id="cn-hangzhou"))

            def call() -> Any:
                return sts.get_caller_identity()
        else:
            from aliyunsdkcore.client import AcsClient
            from aliyunsdkcore.request import CommonRequest

            client = AcsClient(region_id="cn-hangzhou", credential=ecscred.sdk_core_credential(role, **kwargs))

            def call() -> Any:
                request = CommonRequest(domain=server.endpoint, version="2015-04-01",
                                        action_name="GetCallerIdentity")
                request.set_protocol_type("http")
                request.set_accept_format("json")
                return client.do_action_with_exception(request)

        return call


def chain_server(kwargs: dict, metadata: Optional[str]) -> OpenApiTestServer:
    """The OpenAPI test server of a chain cell, trusting every key the chain could use:
    the environment's AccessKey, the mock STS's credentials (when its CA is given), and
    the credentials server's (its admin endpoint is the metadata mock's), else the
    metadata mock's."""
    keys = {}
    key_id, secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID"), os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    if key_id and secret:
        keys[key_id] = secret
    uri = kwargs.get("credentials_uri") or os.environ.get("ALIBABA_CLOUD_CREDENTIALS_URI")
    if uri:
        parts = urlsplit(uri)
        metadata = f"{parts.scheme}://{parts.netloc}"
    sts = kwargs.get("sts_endpoint") if "sts_ca_file" in kwargs else None
    return OpenApiTestServer(metadata, keys=keys, sts_url=sts, sts_cafile=kwargs.get("sts_ca_file"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--via", choices=["provider", "tea-openapi", "sdk-core"], default="provider")
    via = ap.parse_args().via
    how = direct if via == "provider" else ThroughSdk(via)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(created).3f %(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("ecscred")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    get: Optional[Callable[[], Tuple[str, int]]] = None
    for raw in sys.stdin:
        words = raw.split()
        if not words:
            continue
        cmd, args = words[0], words[1:]
        if cmd == "new":
            t0 = now_ms()
            try:
                get = how(*build(args))
                reply = "ok"
            except Exception as e:  # noqa: BLE001 - reported to the orchestrator
                reply = err_line(t0, now_ms(), e)
        elif cmd == "get":
            if get is None:
                reply = "error no provider: send new first"
            else:
                t0 = now_ms()
                try:
                    access_key_id, expiration = get()
                    reply = f"ok {t0} {now_ms()} {access_key_id} {expiration}"
                except Exception as e:  # noqa: BLE001 - reported to the orchestrator
                    reply = err_line(t0, now_ms(), e)
        elif cmd == "quit":
            flush_logs()
            sys.stdout.write("bye\n")
            sys.stdout.flush()
            return 0
        else:
            reply = f"error unknown command {cmd}"
        flush_logs()
        sys.stdout.write(reply + "\n")
        sys.stdout.flush()
    flush_logs()
    return 0


if __name__ == "__main__":
    sys.exit(main())
