"""The ``provider=`` / provider-options argument pair of the SDK adapters."""

from typing import Any, Dict, Optional

from ._ecscred import EcsRamRoleCredentialsProvider

__all__ = ["provider_for"]


def provider_for(
    role_name: Optional[str], provider: Any, options: Dict[str, Any]
) -> Any:
    """``provider`` when given (then nothing else may be), else a new
    :class:`~ecscred.EcsRamRoleCredentialsProvider` of ``role_name`` with ``options``.

    Raises:
        ValueError: ``provider`` together with a role name or provider options.
        InvalidConfigError: the options are unusable.
        TypeError: an option the provider does not take.
    """
    if provider is None:
        return EcsRamRoleCredentialsProvider(role_name, **options)
    if role_name is not None or options:
        raise ValueError("pass either provider= or the options to build one, not both")
    return provider
