"""The coroutine behind ``EcsRamRoleCredentialsProvider.get_credentials_async()``.

The warm path (a valid credential cached, nothing due) returns without leaving the event
loop; anything that may wait on the metadata service runs ``get_credentials()`` in the
running loop's default executor, so the loop keeps serving other tasks meanwhile.
Concurrent awaiters share the engine's one fetch."""

import asyncio

from ._ecscred import Credentials, EcsRamRoleCredentialsProvider

__all__ = ["get_credentials_async"]


async def get_credentials_async(provider: EcsRamRoleCredentialsProvider) -> Credentials:
    """The current credential of ``provider``; raises what ``get_credentials()`` raises."""
    cached = provider.cached_credentials()
    if cached is not None:
        return cached
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, provider.get_credentials)
