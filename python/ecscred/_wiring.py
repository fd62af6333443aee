"""The ``provider=`` / provider-options argument pair of the SDK adapters."""

from typing import Any, Dict, Optional

from ._ecscred import shared_provider

__all__ = ["provider_for"]


def provider_for(
    role_name: Optional[str], provider: Any, options: Dict[str, Any]
) -> Any:
    """``provider`` when given (then nothing else may be), else the process-wide
    :class:`~ecscred.EcsRamRoleCredentialsProvider` of ``role_name`` with ``options``: the
    same cache for the same role and options (and the one ``get_credentials()`` uses), so
    that an adapter built per request costs a dictionary lookup, not a fetch.

    Raises:
        ValueError: ``provider`` together with a role name or provider options.
        InvalidConfigError: the options are unusable.
        TypeError: an option the provider does not take.
    """
    if provider is None:
        return shared_provider(role_name, **options)
    if role_name is not None or options:
        raise ValueError("pass either provider= or the options to build one, not both")
    return provider
