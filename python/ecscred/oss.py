"""The oss2 auth object: ``oss2.StsAuth`` whose credential comes from the instance RAM role.

oss2 needs nothing but duck typing from an auth object: ``Bucket``, ``Service`` and
``ObjectIterator`` call ``_sign_request``, ``Bucket.sign_url`` calls ``_sign_url`` (with
``in_additional_headers=`` when the caller passed ``additional_headers``),
``Bucket.sign_rtmp_url`` calls ``_sign_rtmp_url``, and ``auth_version()`` is looked up with
``hasattr``. Signing itself is oss2's own code (``ProviderAuth``, ``ProviderAuthV2``,
``ProviderAuthV4`` — the classes ``oss2.StsAuth`` delegates to), fed by an
:class:`~ecscred.EcsRamRoleCredentialsProvider`: oss2 asks the provider once per signature
and uses that one immutable snapshot for id, secret and token, so every request and URL is
signed exactly as ``oss2.StsAuth`` would sign it with the same credential at the same time,
and a refreshed credential is picked up by the next request (mid-iteration included).
"""

from typing import Any, Dict, Optional

from ._ecscred import EcsRamRoleCredentialsProvider
from ._wiring import provider_for

__all__ = ["EcsRamRoleAuth"]

_VERSIONS = ("v1", "v2", "v4")


class EcsRamRoleAuth:
    """An oss2 auth object signing with the instance RAM role's STS credential.

    A drop-in replacement for ``oss2.StsAuth(id, secret, token, auth_version)``::

        auth = ecscred.EcsRamRoleAuth("EcsRamRoleTest")
        bucket = oss2.Bucket(auth, endpoint, "ramroletest")

    Cheap to build, even per request: without ``provider=`` it uses the process-wide
    provider of its role and options (the one ``ecscred.get_credentials()`` uses too), so
    every ``EcsRamRoleAuth`` of the same role and options shares one cached credential and
    one refresh.

    Args:
        role_name: the RAM role; ``None``: ``ALIBABA_CLOUD_ECS_METADATA``, else discovered.
        auth_version: ``"v1"`` (oss2's default), ``"v2"`` or ``"v4"``. V4 needs a Bucket
            (or Service) built with ``region=...``, exactly like ``oss2.ProviderAuthV4``.
        provider: an existing provider to share (then give no other provider option):
            :class:`~ecscred.EcsRamRoleCredentialsProvider`, or its subclasses
            :class:`~ecscred.OidcRoleArnCredentialsProvider` and
            :class:`~ecscred.DefaultCredentialsProvider` (a long-term AccessKey of the
            chain is sent without a security token, as ``oss2.Auth`` does).
        endpoint, disable_imds_v1, connect_timeout, read_timeout, fetch_timeout: options
            of the shared provider used when ``provider`` is ``None`` (timeouts in
            seconds; see :class:`~ecscred.EcsRamRoleCredentialsProvider`).

    Raises:
        ImportError: oss2 is not installed.
        ValueError: unknown ``auth_version``, or ``provider`` together with provider options.
        InvalidConfigError: the provider options are unusable.
    """

    def __init__(
        self,
        role_name: Optional[str] = None,
        *,
        auth_version: str = "v1",
        provider: Optional[EcsRamRoleCredentialsProvider] = None,
        endpoint: Optional[str] = None,
        disable_imds_v1: Optional[bool] = None,
        connect_timeout: Optional[float] = None,
        read_timeout: Optional[float] = None,
        fetch_timeout: Optional[float] = None,
    ) -> None:
        try:
            import oss2  # type: ignore[import-untyped]
        except ImportError as e:
            raise ImportError(
                "ecscred.EcsRamRoleAuth needs oss2 (pip install oss2); "
                "EcsRamRoleCredentialsProvider works without it"
            ) from e

        version = str(auth_version).lower()
        if version not in _VERSIONS:
            raise ValueError(f"auth_version must be one of {_VERSIONS}, got {auth_version!r}")
        options: Dict[str, Any] = {
            "endpoint": endpoint,
            "disable_imds_v1": disable_imds_v1,
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
            "fetch_timeout": fetch_timeout,
        }
        given = {name: value for name, value in options.items() if value is not None}
        provider = provider_for(role_name, provider, given)

        if version == "v4":
            signer = oss2.ProviderAuthV4(provider)
        elif version == "v2":
            signer = oss2.ProviderAuthV2(provider)
        else:
            signer = oss2.ProviderAuth(provider)
        self._signer = signer
        self._version = version
        self.credentials_provider = provider

    def _sign_request(
        self, req: Any, bucket_name: str, key: str, in_additional_headers: Any = None
    ) -> None:
        if in_additional_headers is None or self._version == "v1":
            self._signer._sign_request(req, bucket_name, key)
        else:
            self._signer._sign_request(req, bucket_name, key, in_additional_headers)

    def _sign_url(
        self, req: Any, bucket_name: str, key: str, expires: int, in_additional_headers: Any = None
    ) -> str:
        # oss2's V1 `_sign_url` takes no `in_additional_headers` (TypeError from
        # `Bucket.sign_url(..., additional_headers=...)`, an oss2 bug). V1 has nothing to
        # put them in: its string to sign always covers Content-MD5, Content-Type and every
        # x-oss-* header of the request, and no other header can be signed. V2 and V4 keep
        # only the named headers the request actually carries, so under V1 that set is
        # empty and the URL is the one signed without them.
        if in_additional_headers is None or self._version == "v1":
            return self._signer._sign_url(req, bucket_name, key, expires)  # type: ignore[no-any-return]
        return self._signer._sign_url(  # type: ignore[no-any-return]
            req, bucket_name, key, expires, in_additional_headers=in_additional_headers
        )

    def _sign_rtmp_url(
        self, url: str, bucket_name: str, channel_name: str, expires: int, params: Dict[str, str]
    ) -> str:
        return self._signer._sign_rtmp_url(  # type: ignore[no-any-return]
            url, bucket_name, channel_name, expires, params
        )

    def auth_version(self) -> str:
        """``"v1"``, ``"v2"`` or ``"v4"`` (oss2 reads it when building a Bucket)."""
        return self._version

    def __repr__(self) -> str:
        return (
            f"EcsRamRoleAuth(auth_version={self._version!r}, "
            f"provider={self.credentials_provider!r})"
        )
