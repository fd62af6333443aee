"""The local Alibaba Cloud OpenAPI test server (stdlib only): see ``server.py``. Run it on
its own with ``python -m tests.openapi_server --metadata-url URL`` (from the repository
root); it prints its URL on the first line, then serves until killed."""

from .server import OpenApiTestServer

__all__ = ["OpenApiTestServer"]
