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

Note: ``AcsClient`` prefers ``ALIYUN_ACCESS_KEY_ID``/``ALIYUN_ACCESS_KEY_SECRET`` from the
environment over any ``credential`` argument; leave them unset.
"""

import threading
from typing import Any, Optional

try:
    from aliyunsdkcore.auth.credentials import (  # type: ignore[import-untyped]
        StsTokenCredential,
    )
except ImportError:  # (no `as`: a module-level name; the cause stays as __context__)
    raise ImportError(
        "ecscred.sdk_core_credential needs aliyun-python-sdk-core "
        "(pip install aliyun-python-sdk-core)"
    )

from ._ecscred import Credentials
from ._wiring import provider_for

__all__ = ["EcsRamRoleStsCredential", "sdk_core_credential"]


class EcsRamRoleStsCredential(StsTokenCredential):  # type: ignore[misc]
    """An aliyunsdkcore ``StsTokenCredential`` whose three fields come from one snapshot
    of an :class:`~ecscred.EcsRamRoleCredentialsProvider` per request (see the module
    documentation). Thread-safe: every thread pins its own snapshot.

    Reading ``sts_token`` may wait on the metadata service (only when nothing valid is
    cached, at most about the fetch timeout) and raises ecscred's
    :class:`~ecscred.CredentialError` subclasses.
    """

    def __init__(self, provider: Any) -> None:
        # No StsTokenCredential.__init__: its three attributes are properties here.
        self.credentials_provider = provider
        self._pinned = threading.local()

    def _pin(self) -> Credentials:
        credential: Credentials = self.credentials_provider.get_credentials()
        self._pinned.credential = credential
        return credential

    def _current(self) -> Credentials:
        credential: Optional[Credentials] = getattr(self._pinned, "credential", None)
        if credential is None or credential.is_expired():
            return self._pin()
        return credential

    @property
    def sts_token(self) -> str:
        """The SecurityToken of a fresh snapshot, which this thread's following id and
        secret reads return too (the signer reads the token first)."""
        return self._pin().security_token

    @property
    def sts_access_key_id(self) -> str:
        """The AccessKeyId of this thread's pinned snapshot."""
        return self._current().access_key_id

    @property
    def sts_access_key_secret(self) -> str:
        """The AccessKeySecret of this thread's pinned snapshot."""
        return self._current().access_key_secret

    def __repr__(self) -> str:
        return f"EcsRamRoleStsCredential(provider={self.credentials_provider!r})"


def sdk_core_credential(
    role_name: Optional[str] = None, *, provider: Any = None, **provider_options: Any
) -> EcsRamRoleStsCredential:
    """A credential for ``aliyunsdkcore.client.AcsClient(credential=...)``.

    Cheap to build, even per request: without ``provider=`` it uses the process-wide
    provider of its role and options (the one ``ecscred.get_credentials()`` uses too).

    Args:
        role_name: the RAM role; ``None``: ``ALIBABA_CLOUD_ECS_METADATA``, else discovered.
        provider: an existing :class:`~ecscred.EcsRamRoleCredentialsProvider` to share
            (then give no other argument).
        **provider_options: ``endpoint``, ``disable_imds_v1``, ``fetch_timeout`` (seconds)…
            as :class:`~ecscred.EcsRamRoleCredentialsProvider` takes them.

    Raises:
        ValueError: ``provider`` together with a role name or options.
        InvalidConfigError: the provider options are unusable.
    """
    return EcsRamRoleStsCredential(provider_for(role_name, provider, provider_options))
