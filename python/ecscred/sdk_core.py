"""The credential for aliyun-python-sdk-core (``aliyunsdkcore``, the older SDK generation
whose ``AcsClient`` the ``aliyun-python-sdk-*`` product packages use)::

    from aliyunsdkcore.client import AcsClient
    client = AcsClient(region_id="cn-hangzhou",
                       credential=ecscred.sdk_core_credential("EcsRamRoleTest"))

How it plugs in (aliyun-python-sdk-core 2.16): ``AcsClient`` picks its signer once, by
the class of ``credential`` (``SignerFactory.get_signer``); only the SDK's own credential
classes are recognised. :class:`EcsRamRoleStsCredential` is a ``StsTokenCredential``, so
``StsTokenSigner`` signs each request (RPC: the ``SecurityToken`` parameter; ROA: the
``x-acs-security-token`` header). That signer reads ``sts_token`` first, then
``sts_access_key_id`` and ``sts_access_key_secret`` (twice), all on the calling thread.
Here the ``sts_token`` read takes one snapshot from the provider and pins it to the
thread; the id and secret reads that follow return that same snapshot. So each request is
signed with one credential even when a rotation lands mid-signature; the next request
(or retry, which is signed again) takes the current one. (Do not use the SDK's
``EcsRamRoleCredential``: its signer fetches from 100.100.100.200 itself, blocking the
caller every 54 minutes, and hands out credentials without checking their expiry.)

A long-term AccessKey (the default chain's environment or profile AccessKey) has no
token, and ``StsTokenSigner`` always sends one: for it :func:`sdk_core_credential`
returns a :class:`ProviderAccessKeyCredential`, an ``AccessKeyCredential`` that
``AccessKeySigner`` signs with (no ``SecurityToken`` parameter, no
``x-acs-security-token`` header). Since the SDK picks the signer once, when the
``AcsClient`` is built, :func:`sdk_core_credential` decides then too: for a provider of
the ECS RAM role or of OIDC (STS credentials by nature) without asking the provider; for
any other source by the provider's current credential, which it gets (and caches) then.
Should a source later hand out the other kind (only the aliyun CLI's ``External`` command
could), signing raises :class:`~ecscred.InvalidResponseError` instead of sending a
request that cannot be accepted; build the credential again.

Note: ``AcsClient`` prefers ``ALIYUN_ACCESS_KEY_ID``/``ALIYUN_ACCESS_KEY_SECRET`` from the
environment over any ``credential`` argument; leave them unset.
"""

import threading
from typing import Any, Optional, Union

try:
    from aliyunsdkcore.auth.credentials import (  # type: ignore[import-untyped]
        AccessKeyCredential,
        StsTokenCredential,
    )
except ImportError:  # (no `as`: a module-level name; the cause stays as __context__)
    raise ImportError(
        "ecscred.sdk_core_credential needs aliyun-python-sdk-core "
        "(pip install aliyun-python-sdk-core)"
    )

from ._ecscred import Credentials
from ._errors import InvalidResponseError
from ._wiring import provider_for

__all__ = ["EcsRamRoleStsCredential", "ProviderAccessKeyCredential", "sdk_core_credential"]

# The sources whose credentials are STS credentials by nature: no need to ask.
_STS_SOURCES = ("ecs", "oidc")


class _Pinned:
    """One snapshot per thread per request: a fresh one on the signer's first read, the
    same one for the reads that follow."""

    #: Whether this class signs credentials that have a security token.
    _with_token = True

    def __init__(self, provider: Any) -> None:
        # No __init__ of the SDK class: its attributes are properties here.
        self.credentials_provider = provider
        self._pinned = threading.local()

    def _pin(self) -> Credentials:
        credential: Credentials = self.credentials_provider.get_credentials()
        if (credential.security_token is not None) != self._with_token:
            raise InvalidResponseError(
                f"the provider's credential {'lacks' if self._with_token else 'has'} a "
                f"security token, which the {type(self).__name__} that aliyunsdkcore "
                "chose its signer by cannot sign with; build it again with "
                "ecscred.sdk_core_credential()"
            )
        self._pinned.credential = credential
        return credential

    def _current(self) -> Credentials:
        credential: Optional[Credentials] = getattr(self._pinned, "credential", None)
        if credential is None or credential.is_expired():
            return self._pin()
        return credential

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self.credentials_provider!r})"


class EcsRamRoleStsCredential(_Pinned, StsTokenCredential):  # type: ignore[misc]
    """An aliyunsdkcore ``StsTokenCredential`` whose three fields come from one snapshot
    of an ecscred provider (:class:`~ecscred.EcsRamRoleCredentialsProvider`, OIDC, the
    default chain's STS source) per request (see the module documentation). Thread-safe:
    every thread pins its own snapshot.

    Reading ``sts_token`` may wait on the metadata service (only when nothing valid is
    cached, at most about the fetch timeout) and raises ecscred's
    :class:`~ecscred.CredentialError` subclasses.
    """

    @property
    def sts_token(self) -> str:
        """The SecurityToken of a fresh snapshot, which this thread's following id and
        secret reads return too (the signer reads the token first)."""
        token = self._pin().security_token
        assert token is not None  # _pin checked it
        return token

    @property
    def sts_access_key_id(self) -> str:
        """The AccessKeyId of this thread's pinned snapshot."""
        return self._current().access_key_id

    @property
    def sts_access_key_secret(self) -> str:
        """The AccessKeySecret of this thread's pinned snapshot."""
        return self._current().access_key_secret


class ProviderAccessKeyCredential(_Pinned, AccessKeyCredential):  # type: ignore[misc]
    """An aliyunsdkcore ``AccessKeyCredential`` (signed by ``AccessKeySigner``: no token)
    over an ecscred provider whose source is a long-term AccessKey. The signer reads
    ``access_key_id`` first (a fresh snapshot, pinned to the thread), then
    ``access_key_secret`` (the pinned one). Thread-safe."""

    _with_token = False

    @property
    def access_key_id(self) -> str:
        """The AccessKeyId of a fresh snapshot, pinned for the secret read that follows."""
        return self._pin().access_key_id

    @property
    def access_key_secret(self) -> str:
        """The AccessKeySecret of this thread's pinned snapshot."""
        return self._current().access_key_secret


def sdk_core_credential(
    role_name: Optional[str] = None, *, provider: Any = None, **provider_options: Any
) -> Union[EcsRamRoleStsCredential, ProviderAccessKeyCredential]:
    """A credential for ``aliyunsdkcore.client.AcsClient(credential=...)``.

    Cheap to build, even per request: without ``provider=`` it uses the process-wide
    provider of its role and options (the one ``ecscred.get_credentials()`` uses too).

    Args:
        role_name: the RAM role; ``None``: ``ALIBABA_CLOUD_ECS_METADATA``, else discovered.
        provider: an existing ecscred provider to share
            (:class:`~ecscred.EcsRamRoleCredentialsProvider`,
            :class:`~ecscred.OidcRoleArnCredentialsProvider`,
            :class:`~ecscred.DefaultCredentialsProvider`; then give no other argument).
            For a source other than the ECS RAM role and OIDC, its credential is fetched
            now, to choose the class (see the module documentation).
        **provider_options: ``endpoint``, ``disable_imds_v1``, ``fetch_timeout`` (seconds)…
            as :class:`~ecscred.EcsRamRoleCredentialsProvider` takes them.

    Returns:
        :class:`EcsRamRoleStsCredential` for STS credentials,
        :class:`ProviderAccessKeyCredential` for a long-term AccessKey.

    Raises:
        ValueError: ``provider`` together with a role name or options.
        InvalidConfigError: the provider options are unusable.
        CredentialError: a source other than ECS and OIDC could not give its credential.
    """
    chosen = provider_for(role_name, provider, provider_options)
    info = getattr(chosen, "source_info", None)  # (None: not an ecscred provider)
    if info is not None and info.kind not in _STS_SOURCES:
        if chosen.get_credentials().security_token is None:
            return ProviderAccessKeyCredential(chosen)
    return EcsRamRoleStsCredential(chosen)
