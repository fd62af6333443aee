"""Stubs of the native module ``ecscred._ecscred`` (checked against the built module by
``tests/python/test_stubs.py``, with ``mypy.stubtest``)."""

import datetime
import os
import pathlib
from typing import Awaitable, Dict, List, Literal, NoReturn, Optional, Tuple, Union, final

from typing_extensions import disjoint_base

from ._errors import CredentialError

__all__ = [
    "__version__",
    "Credentials",
    "EcsRamRoleCredentialsProvider",
    "OidcRoleArnCredentialsProvider",
    "DefaultCredentialsProvider",
    "SourceInfo",
    "RefreshStatus",
    "ManualClock",
    "MockServer",
    "MockSts",
    "MockCredentialsUri",
    "shared_provider",
    "flush_logs",
    "at_exit",
    "parked_threads",
    "error_kinds",
]

__version__: str

@final
class Credentials:
    """An immutable credential snapshot; ``repr`` redacts the secret and the token.

    A long-term AccessKey (from the environment or a profile) has no security token
    (``security_token`` is ``None``) and never expires (``expires`` is ``False``,
    ``expiration`` reads 9998-12-31T23:59:59Z)."""

    @property
    def access_key_id(self) -> str: ...
    @property
    def access_key_secret(self) -> str: ...
    @property
    def security_token(self) -> Optional[str]: ...
    @property
    def expiration(self) -> datetime.datetime: ...
    @property
    def expires(self) -> bool: ...
    @property
    def last_updated(self) -> Optional[datetime.datetime]: ...
    def get_access_key_id(self) -> str: ...
    def get_access_key_secret(self) -> str: ...
    def get_security_token(self) -> Optional[str]: ...
    def get_provider_name(self) -> str: ...
    def has_keys(self) -> bool: ...
    def is_expired(self) -> bool: ...
    def __reduce__(self) -> NoReturn: ...

@disjoint_base
class EcsRamRoleCredentialsProvider:
    """Gets, caches and refreshes the STS credential of the instance's RAM role.

    Options left ``None`` come from the environment (read once, here) or the default:
    ``role_name`` (``ALIBABA_CLOUD_ECS_METADATA``, else discovered), ``endpoint``
    (``ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT``, else ``http://100.100.100.200``),
    ``disable_imds_v1`` (the boolean ``ALIBABA_CLOUD_IMDSV1_DISABLED``), ``disabled``
    (``ALIBABA_CLOUD_ECS_METADATA_DISABLED``); in seconds, int or float:
    ``connect_timeout`` (0.001 to 3600, default 1), ``read_timeout`` (0.001 to 3600,
    default 1), ``fetch_timeout`` (0.001 to 3600, default 5), ``token_ttl`` (1 to 21600,
    default 21600). ``clock`` is for tests only (:class:`ecscred.testing.ManualClock`).
    Raises ``InvalidConfigError`` for an unusable configuration (a value out of range,
    NaN or infinite, a bad URL or role name, a boolean variable that is not one).
    """

    def __new__(
        cls,
        role_name: Optional[str] = None,
        *,
        endpoint: Optional[str] = None,
        disable_imds_v1: Optional[bool] = None,
        disabled: Optional[bool] = None,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        fetch_timeout: Optional[float] = None,
        token_ttl: Optional[float] = None,
        clock: Optional[ManualClock] = None,
    ) -> EcsRamRoleCredentialsProvider: ...
    def get_credentials(self) -> Credentials: ...
    def cached_credentials(self) -> Optional[Credentials]: ...
    def get_credentials_async(self) -> Awaitable[Credentials]: ...
    def get_provider_name(self) -> str: ...
    def refresh_status(self) -> RefreshStatus: ...
    @property
    def source_info(self) -> SourceInfo: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def role_name(self) -> Optional[str]: ...
    def __reduce__(self) -> NoReturn: ...

@final
class OidcRoleArnCredentialsProvider(EcsRamRoleCredentialsProvider):
    """Gets, caches and refreshes the STS credential of a RAM role assumed with an OIDC
    token (an ACK pod's role with RRSA): STS ``AssumeRoleWithOIDC`` over verified TLS,
    the token file read again at every fetch. Options left ``None`` come from
    ``ALIBABA_CLOUD_ROLE_ARN``, ``ALIBABA_CLOUD_OIDC_PROVIDER_ARN``,
    ``ALIBABA_CLOUD_OIDC_TOKEN_FILE``, ``ALIBABA_CLOUD_ROLE_SESSION_NAME``,
    ``ALIBABA_CLOUD_STS_ENDPOINT`` / ``ALIBABA_CLOUD_STS_REGION``. Never contacts the
    metadata service. ``duration`` and timeouts in seconds.
    """

    def __new__(
        cls,
        role_arn: Optional[str] = None,
        oidc_provider_arn: Optional[str] = None,
        oidc_token_file: Optional[Union[str, "os.PathLike[str]"]] = None,
        *,
        role_session_name: Optional[str] = None,
        duration: Optional[float] = None,
        policy: Optional[str] = None,
        sts_endpoint: Optional[str] = None,
        sts_extra_root_pem: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        fetch_timeout: Optional[float] = None,
        clock: Optional[ManualClock] = None,
    ) -> OidcRoleArnCredentialsProvider: ...

_SourceName = Literal["chain", "env", "oidc", "profile", "ecs", "uri"]

@final
class DefaultCredentialsProvider(EcsRamRoleCredentialsProvider):
    """Gets, caches and refreshes the credential of the source the default credential chain
    selects (environment AccessKey, OIDC, aliyun CLI profile, credentials ini profile, ECS
    RAM role named, credentials URI, ECS RAM role), or of the one ``source`` pins.

    Decided once, from the options, the variables and the profile files, when built (no
    thread, no network, no signal handler); a configured source that fails is reported,
    never skipped. ``profile``, ``config_file``, ``credentials_file``, ``credentials_uri``
    fall back to ``ALIBABA_CLOUD_PROFILE``, ``ALIBABA_CLOUD_CONFIG_FILE``,
    ``ALIBABA_CLOUD_CREDENTIALS_FILE``, ``ALIBABA_CLOUD_CREDENTIALS_URI``; the other options
    are those of :class:`EcsRamRoleCredentialsProvider` and
    :class:`OidcRoleArnCredentialsProvider` (durations and timeouts in seconds);
    ``help()`` lists them all with their ranges.
    """

    def __new__(
        cls,
        *,
        source: _SourceName = "chain",
        profile: Optional[str] = None,
        config_file: Optional[Union[str, "os.PathLike[str]"]] = None,
        credentials_file: Optional[Union[str, "os.PathLike[str]"]] = None,
        credentials_uri: Optional[str] = None,
        role_name: Optional[str] = None,
        endpoint: Optional[str] = None,
        disable_imds_v1: Optional[bool] = None,
        disabled: Optional[bool] = None,
        token_ttl: Optional[float] = None,
        role_arn: Optional[str] = None,
        oidc_provider_arn: Optional[str] = None,
        oidc_token_file: Optional[Union[str, "os.PathLike[str]"]] = None,
        role_session_name: Optional[str] = None,
        duration: Optional[float] = None,
        policy: Optional[str] = None,
        sts_endpoint: Optional[str] = None,
        sts_extra_root_pem: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        fetch_timeout: Optional[float] = None,
        clock: Optional[ManualClock] = None,
    ) -> DefaultCredentialsProvider: ...

@final
class SourceInfo:
    """Which source a provider uses and what selected it; holds no secret."""

    @property
    def kind(self) -> Literal["ecs", "oidc", "env", "profile", "uri"]: ...
    @property
    def name(self) -> str: ...
    @property
    def provider_name(self) -> str: ...
    @property
    def selected_by(self) -> str: ...
    @property
    def file(self) -> Optional[pathlib.Path]: ...
    @property
    def profile(self) -> Optional[str]: ...
    @property
    def chain(self) -> bool: ...

@final
class RefreshStatus:
    """How a provider's refreshing is going, for health checks; holds no secret."""

    @property
    def in_flight(self) -> bool: ...
    @property
    def consecutive_failures(self) -> int: ...
    @property
    def last_error(self) -> Optional[CredentialError]: ...
    @property
    def next_attempt_at(self) -> Optional[datetime.datetime]: ...
    @property
    def expiration(self) -> Optional[datetime.datetime]: ...

@final
class ManualClock:
    """A wall clock that moves only when told to (testing only)."""

    def __new__(cls, start: Optional[float] = None) -> ManualClock: ...
    def advance(self, seconds: float) -> None: ...
    def set(self, unix_seconds: float) -> None: ...
    def now(self) -> float: ...

@final
class MockServer:
    """The Rust mock metadata service; use ``ecscred.testing.MockMetadataServer``."""

    def __new__(
        cls,
        *,
        role: str,
        lifetime: float,
        rotate_before: Optional[float],
        mode: str,
        port: int = 0,
        faults: List[str] = ...,
    ) -> MockServer: ...
    @property
    def url(self) -> str: ...
    def counters_json(self) -> str: ...
    def requests_json(self) -> str: ...
    def reset_counters(self) -> None: ...
    def inject_json(self, fault: str) -> None: ...
    def clear_faults(self) -> None: ...
    def set_mode(self, mode: str) -> None: ...
    def advance(self, seconds: float) -> None: ...
    def now(self) -> float: ...
    def expire_tokens(self) -> None: ...
    def issued_json(self) -> str: ...
    def current_json(self) -> str: ...
    def stop(self) -> None: ...

@final
class MockSts:
    """The Rust mock STS; use ``ecscred.testing.MockSts``."""

    def __new__(
        cls,
        *,
        token: str,
        lifetime: Optional[float] = None,
        port: int = 0,
        faults: List[str] = ...,
        access_keys: List[Tuple[str, str]] = ...,
    ) -> MockSts: ...
    @property
    def url(self) -> str: ...
    @property
    def ca_pem(self) -> str: ...
    def set_token(self, token: str) -> None: ...
    def counters_json(self) -> str: ...
    def requests_json(self) -> str: ...
    def reset_counters(self) -> None: ...
    def inject_json(self, fault: str) -> None: ...
    def clear_faults(self) -> None: ...
    def advance(self, seconds: float) -> None: ...
    def now(self) -> float: ...
    def issued_json(self) -> str: ...
    def stop(self) -> None: ...

@final
class MockCredentialsUri:
    """The Rust mock credentials URI server; use ``ecscred.testing.MockCredentialsUri``."""

    def __new__(
        cls,
        *,
        lifetime: float,
        rotate_before: Optional[float] = None,
        path: str = ...,
        port: int = 0,
        faults: List[str] = ...,
    ) -> MockCredentialsUri: ...
    @property
    def url(self) -> str: ...
    def counters_json(self) -> str: ...
    def requests_json(self) -> str: ...
    def reset_counters(self) -> None: ...
    def inject_json(self, fault: str) -> None: ...
    def clear_faults(self) -> None: ...
    def advance(self, seconds: float) -> None: ...
    def now(self) -> float: ...
    def issued_json(self) -> str: ...
    def current_json(self) -> str: ...
    def stop(self) -> None: ...

def shared_provider(
    role_name: Optional[str] = None,
    *,
    endpoint: Optional[str] = None,
    disable_imds_v1: Optional[bool] = None,
    disabled: Optional[bool] = None,
    connect_timeout: Optional[float] = None,
    read_timeout: Optional[float] = None,
    fetch_timeout: Optional[float] = None,
    token_ttl: Optional[float] = None,
    clock: Optional[ManualClock] = None,
) -> EcsRamRoleCredentialsProvider: ...
def flush_logs(timeout: float = 5.0) -> bool: ...
def at_exit() -> None: ...
def parked_threads() -> int: ...
def error_kinds() -> Dict[int, str]: ...
