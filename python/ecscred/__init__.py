"""Alibaba Cloud ECS instance RAM role credentials, for every Python program on the instance.

The credential of the instance's RAM role is fetched from the ECS metadata service, cached
and refreshed ahead of expiry on a background thread of the native engine, so that calls
almost never wait on the network::

    import oss2, ecscred
    auth = ecscred.EcsRamRoleAuth("EcsRamRoleTest")          # instead of oss2.StsAuth(...)
    bucket = oss2.Bucket(auth, "oss-cn-hangzhou.aliyuncs.com", "ramroletest")

    provider = ecscred.EcsRamRoleCredentialsProvider("EcsRamRoleTest")
    cfg.credentials_provider = provider                      # alibabacloud-oss-v2
    oss2.ProviderAuthV4(provider)                            # or any oss2 provider auth

    # tea-openapi SDKs (alibabacloud_ecs20140526, alibabacloud_sts20150401, ...)
    Config(credential=ecscred.credential_client("EcsRamRoleTest"), region_id=...)
    # aliyun-python-sdk-core
    AcsClient(region_id=..., credential=ecscred.sdk_core_credential("EcsRamRoleTest"))

Environment (read when a provider is built; options win): ``ALIBABA_CLOUD_ECS_METADATA``
(role), ``ALIBABA_CLOUD_ECS_METADATA_DISABLED``, ``ALIBABA_CLOUD_IMDSV1_DISABLED``,
``ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT``.

The same program off ECS (an ACK pod with RRSA, a CI job with an AccessKey in the
environment, a laptop with an aliyun CLI profile): ``ecscred.DefaultCredentialsProvider()``
is the default credential chain, decided once from the configuration; every adapter takes
it as ``provider=`` (``get_provider_name()`` and ``source_info`` say which source won).

The one-liners (``EcsRamRoleAuth``, ``credential_client``, ``sdk_core_credential`` without
``provider=``) share the process-wide provider of their role and options, as
``get_credentials()`` does: building one per request costs no fetch.
``provider.refresh_status()`` reports how refreshing goes, for health checks.

Failures raise :class:`CredentialError` subclasses; warnings of the engine go to the
``logging`` logger ``"ecscred"``.
"""

import atexit
import logging
from typing import TYPE_CHECKING, Any, Dict, Optional, Union

from ._ecscred import (
    Credentials,
    DefaultCredentialsProvider,
    EcsRamRoleCredentialsProvider,
    OidcRoleArnCredentialsProvider,
    RefreshStatus,
    SourceInfo,
    __version__,
)
from ._ecscred import shared_provider as _shared_provider
from ._ecscred import at_exit as _at_exit
from ._errors import (
    CredentialError,
    ErrorKind,
    HardenedModeError,
    InternalError,
    InvalidConfigError,
    InvalidResponseError,
    MetadataDisabledError,
    MetadataHTTPError,
    MetadataTimeoutError,
    MetadataUnreachableError,
    RoleNotFoundError,
)
from .credentials_client import credential_client
from .oss import EcsRamRoleAuth

if TYPE_CHECKING:
    from .sdk_core import EcsRamRoleStsCredential, ProviderAccessKeyCredential

__all__ = [
    "__version__",
    "Credentials",
    "EcsRamRoleCredentialsProvider",
    "OidcRoleArnCredentialsProvider",
    "DefaultCredentialsProvider",
    "SourceInfo",
    "RefreshStatus",
    "EcsRamRoleAuth",
    "get_credentials",
    "credential_client",
    "sdk_core_credential",
    "ErrorKind",
    "CredentialError",
    "MetadataDisabledError",
    "InvalidConfigError",
    "MetadataUnreachableError",
    "MetadataTimeoutError",
    "MetadataHTTPError",
    "RoleNotFoundError",
    "HardenedModeError",
    "InvalidResponseError",
    "InternalError",
]

# Before the interpreter finalizes: from then on no ecscred thread may take the GIL again
# (CPython < 3.14 ends such threads with pthread_exit, which aborts through native frames).
atexit.register(_at_exit)

# Like the engine (silent unless the application installs a tracing subscriber), silent
# unless the application configures logging: no "last resort" printing to stderr.
logging.getLogger("ecscred").addHandler(logging.NullHandler())

_shared: Dict[Optional[str], EcsRamRoleCredentialsProvider] = {}


def get_credentials(role_name: Optional[str] = None) -> Credentials:
    """The credential of ``role_name`` from a provider kept for the life of the process
    (``None``: the role from ``ALIBABA_CLOUD_ECS_METADATA``, else discovered), configured
    from the environment when first used and shared with every other ecscred user of the
    process (C, Go, Python). Same contract as
    :meth:`EcsRamRoleCredentialsProvider.get_credentials`."""
    provider = _shared.get(role_name)
    if provider is None:
        # No lock (a lock held by another thread at a fork would stay locked in the child):
        # racing first callers wrap the same core provider; setdefault keeps one wrapper.
        provider = _shared.setdefault(role_name, _shared_provider(role_name))
    return provider.get_credentials()


def sdk_core_credential(
    role_name: Optional[str] = None, *, provider: Any = None, **provider_options: Any
) -> "Union[EcsRamRoleStsCredential, ProviderAccessKeyCredential]":
    """A credential for aliyun-python-sdk-core's ``AcsClient(credential=...)`` that signs
    each request with one snapshot; see :func:`ecscred.sdk_core.sdk_core_credential`.

    Raises:
        ImportError: aliyun-python-sdk-core is not installed.
    """
    from .sdk_core import sdk_core_credential as build

    return build(role_name, provider=provider, **provider_options)
