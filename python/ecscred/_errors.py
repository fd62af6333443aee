"""The exception hierarchy: one base class, one subclass per cause the engine distinguishes.

The native module raises these through :func:`_from_core`, choosing the class by the
engine's stable error code (``ErrorKind::code()`` in rust-core, 1..9). Messages are the
engine's: they name the cause (endpoint, HTTP status, timeout, role) and never a secret.
"""

import enum
from typing import Dict, Optional, Type

__all__ = [
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


class ErrorKind(enum.IntEnum):
    """What went wrong; the numbers are the engine's stable error codes."""

    DISABLED = 1
    INVALID_CONFIG = 2
    UNREACHABLE = 3
    TIMEOUT = 4
    HTTP_STATUS = 5
    ROLE_NOT_FOUND = 6
    HARDENED_MODE = 7
    INVALID_RESPONSE = 8
    INTERNAL = 9


class CredentialError(Exception):
    """No credential could be had. Catch this to handle every ecscred failure.

    Attributes:
        kind: the :class:`ErrorKind`.
        http_status: the metadata service's HTTP status when that was the cause, else ``None``.
        retryable: ``True`` if a later call may succeed without any configuration change.
    """

    kind: ErrorKind = ErrorKind.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        http_status: Optional[int] = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.retryable = retryable

    @property
    def message(self) -> str:
        """The engine's message (same as ``str(error)``)."""
        return str(self.args[0]) if self.args else ""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Keeps the keyword-only attributes through pickling (multiprocessing results).
        return (_rebuild, (type(self), self.message, self.http_status, self.retryable))


def _rebuild(
    cls: "Type[CredentialError]", message: str, http_status: Optional[int], retryable: bool
) -> "CredentialError":
    return cls(message, http_status=http_status, retryable=retryable)


class MetadataDisabledError(CredentialError):
    """The metadata service is disabled (``ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`` or
    ``disabled=True``); nothing was sent."""

    kind = ErrorKind.DISABLED


class InvalidConfigError(CredentialError, ValueError):
    """The configuration is unusable: endpoint URL, role name, an option out of range."""

    kind = ErrorKind.INVALID_CONFIG


class MetadataUnreachableError(CredentialError):
    """No connection to the metadata service: not on ECS, or a wrong endpoint."""

    kind = ErrorKind.UNREACHABLE


class MetadataTimeoutError(CredentialError):
    """The metadata service accepted the connection but did not answer in time."""

    kind = ErrorKind.TIMEOUT


class MetadataHTTPError(CredentialError):
    """The metadata service answered an unexpected HTTP status (see ``http_status``)."""

    kind = ErrorKind.HTTP_STATUS


class RoleNotFoundError(CredentialError):
    """The role does not exist on this instance, or no role is attached to it."""

    kind = ErrorKind.ROLE_NOT_FOUND


class HardenedModeError(CredentialError):
    """Hardened mode (the metadata token) failed and plain requests are not allowed, or
    the instance requires a token it would not give."""

    kind = ErrorKind.HARDENED_MODE


class InvalidResponseError(CredentialError):
    """The metadata service answered something unusable: malformed JSON, ``Code`` not
    ``Success``, missing fields, an expired credential, a redirect, an oversized body."""

    kind = ErrorKind.INVALID_RESPONSE


class InternalError(CredentialError):
    """A bug in ecscred. Please report it."""

    kind = ErrorKind.INTERNAL


_BY_CODE: Dict[int, Type[CredentialError]] = {
    cls.kind.value: cls
    for cls in (
        MetadataDisabledError,
        InvalidConfigError,
        MetadataUnreachableError,
        MetadataTimeoutError,
        MetadataHTTPError,
        RoleNotFoundError,
        HardenedModeError,
        InvalidResponseError,
        InternalError,
    )
}


def _from_core(
    message: str, code: int, http_status: Optional[int], retryable: bool
) -> CredentialError:
    """Called by the native module: the exception for an engine error."""
    cls = _BY_CODE.get(code, CredentialError)
    return cls(message, http_status=http_status, retryable=retryable)
