"""The credential for tea-openapi, the core of Alibaba Cloud's generated Python SDKs
(``alibabacloud_ecs20140526``, ``alibabacloud_sts20150401``, ``alibabacloud_ram20150501``…)::

    from alibabacloud_tea_openapi.models import Config
    from alibabacloud_ecs20140526.client import Client as EcsClient

    config = Config(credential=ecscred.credential_client("EcsRamRoleTest"),
                    region_id="cn-hangzhou")
    ecs = EcsClient(config)            # sync and *_async calls alike

tea-openapi asks the credential once per request (``get_credential()``, or
``await get_credential_async()`` from the ``*_async`` methods) and signs with the id,
secret and token of the one model it gets back: the client builds that model from one
:class:`~ecscred.Credentials` snapshot, so a request is never signed with parts of two
credentials. The model's ``type`` says what the snapshot is: ``"access_key"`` for a
long-term AccessKey (no ``security_token``: tea-openapi then sends no token), else the
provider's name (``"ecs_ram_role"``, ``"default/oidc_role_arn"``...), as
alibabacloud-credentials' own ``Client(provider=...)`` has it.

Errors: tea-openapi 0.4 (darabonba) turns every exception raised while it prepares a
request into ``UnretryableException`` (the cause only in ``inner_exception``) unless it is
a darabonba ``ResponseException``. So the provider given to the client raises ecscred's
error as an instance of a class derived from both the ecscred class (``MetadataUnreachableError``…)
and ``ResponseException``: the SDK lets it through unchanged, ``except
ecscred.CredentialError`` (or the precise subclass) catches it around any SDK call, and so
does an existing ``except TeaException``. Its ``code`` is ``"ecscred.<KIND>"`` (for
example ``"ecscred.UNREACHABLE"``), which no retry condition of the SDK matches: the
engine has done the retrying already.
"""

from typing import TYPE_CHECKING, Any, Dict, Optional, Type

from ._ecscred import Credentials
from ._errors import CredentialError, _rebuild
from ._wiring import provider_for

if TYPE_CHECKING:
    # The SDK ships no type information: for readers, help() and IDEs, the name says
    # what is returned. (mypy reports an untyped import once per module: here.)
    from alibabacloud_credentials.client import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        Client as _Client,
    )

__all__ = ["credential_client"]


def credential_client(
    role_name: Optional[str] = None, *, provider: Any = None, **provider_options: Any
) -> "_Client":
    """An ``alibabacloud_credentials.client.Client`` over an
    :class:`~ecscred.EcsRamRoleCredentialsProvider` (or any ecscred provider: OIDC, the
    default chain), for ``alibabacloud_tea_openapi.models.Config(credential=...)``.

    Cheap to build, even per request: without ``provider=`` it uses the process-wide
    provider of its role and options (the one ``ecscred.get_credentials()`` uses too).

    Args:
        role_name: the RAM role; ``None``: ``ALIBABA_CLOUD_ECS_METADATA``, else discovered.
        provider: an existing provider to share (then give no other argument).
        **provider_options: ``endpoint``, ``disable_imds_v1``, ``fetch_timeout`` (seconds)…
            as :class:`~ecscred.EcsRamRoleCredentialsProvider` takes them.

    Raises:
        ImportError: alibabacloud-credentials is not installed.
        ValueError: ``provider`` together with a role name or options.
        InvalidConfigError: the provider options are unusable.
    """
    try:
        from alibabacloud_credentials.client import Client
        from alibabacloud_credentials.models import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            CredentialModel,
        )
    except ImportError as e:
        raise ImportError(
            "ecscred.credential_client needs alibabacloud-credentials "
            "(pip install alibabacloud-credentials; tea-openapi SDKs depend on it already)"
        ) from e
    client = _CLIENTS.get(Client)
    if client is None:
        client = _CLIENTS.setdefault(Client, _client_class(Client, CredentialModel))
    return client(provider=_SdkProvider(provider_for(role_name, provider, provider_options)))


# alibabacloud-credentials' Client → its subclass below (made once).
_CLIENTS: Dict[Any, Any] = {}


def _client_class(client: Any, model: Any) -> Any:
    """A subclass of alibabacloud-credentials' ``Client`` (``client``) whose
    ``get_credential()`` (what tea-openapi calls) builds each model from one snapshot and
    types it by its token: ``"access_key"`` without one, else the provider's name (what
    ``Client(provider=...)`` says)."""

    def __init__(self: Any, *, provider: "_SdkProvider") -> None:
        client.__init__(self, provider=provider)
        self._ecscred_provider = provider
        self._sts_type = provider.get_provider_name()

    def to_model(self: Any, credentials: Credentials) -> Any:
        token = credentials.security_token
        return model(
            access_key_id=credentials.access_key_id,
            access_key_secret=credentials.access_key_secret,
            security_token=token,
            type=self._sts_type if token is not None else "access_key",
            provider_name=credentials.get_provider_name(),
        )

    def get_credential(self: Any) -> Any:
        return to_model(self, self._ecscred_provider.get_credentials())

    async def get_credential_async(self: Any) -> Any:
        return to_model(self, await self._ecscred_provider.get_credentials_async())

    methods = {"__init__": __init__, "get_credential": get_credential,
               "get_credential_async": get_credential_async, "__module__": __name__}
    return type("ProviderClient", (client,), methods)


class _SdkProvider:
    """alibabacloud-credentials' ``ICredentialsProvider`` over an ecscred provider, whose
    errors it re-raises as SDK-transparent ones (see the module documentation).
    Thread-safe; ``get_credentials()`` may wait on the metadata service (only when
    nothing valid is cached), the coroutine never blocks the event loop."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    def get_credentials(self) -> Credentials:
        try:
            credentials: Credentials = self.provider.get_credentials()
        except CredentialError as e:
            raise _sdk_error(e) from None
        return credentials

    async def get_credentials_async(self) -> Credentials:
        try:
            credentials: Credentials = await self.provider.get_credentials_async()
        except CredentialError as e:
            raise _sdk_error(e) from None
        return credentials

    def get_provider_name(self) -> str:
        name: str = self.provider.get_provider_name()
        return name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.provider!r})"


_SDK_CLASSES: Dict[Type[CredentialError], Type[CredentialError]] = {}


def _sdk_error(error: CredentialError) -> CredentialError:
    """``error`` as an instance of its class joined with darabonba's
    ``ResponseException``; ``error`` itself when darabonba is not installed."""
    cls = type(error)
    joined = _SDK_CLASSES.get(cls)
    if joined is None:
        try:
            from darabonba.exceptions import ResponseException  # type: ignore[import-untyped]
        except ImportError:
            return error
        joined = _SDK_CLASSES.setdefault(cls, _join(cls, ResponseException))
    return joined(error.message, http_status=error.http_status, retryable=error.retryable)


def _join(cls: Type[CredentialError], response_exception: Any) -> Type[CredentialError]:
    def __init__(
        self: Any, message: str, *, http_status: Optional[int] = None, retryable: bool = False
    ) -> None:
        # Neither CredentialError's nor ResponseException's __init__: through the joined
        # MRO they would reach TeaException's, which assigns `message`, a read-only
        # property of CredentialError. The attributes of both, set directly:
        Exception.__init__(self, message)
        self.http_status = http_status
        self.retryable = retryable
        self.code = f"ecscred.{cls.kind.name}"
        self.name = cls.__name__
        self.data = None
        self.description = None
        self.detail = None
        self.accessDeniedDetail = None
        self.status_code = None
        self.retry_after = None
        self.stack = None

    def __reduce__(self: Any) -> Any:
        # Pickles as the plain ecscred class (the other side may lack the SDK).
        return (_rebuild, (cls, self.message, self.http_status, self.retryable))

    return type(
        cls.__name__,
        (cls, response_exception),
        {
            "__init__": __init__,
            "__reduce__": __reduce__,
            "__str__": Exception.__str__,  # the engine's message, not TeaException's
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
        },
    )
