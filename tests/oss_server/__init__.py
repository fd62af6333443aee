"""The local OSS test server (stdlib only): see ``server.py``. Run it on its own with
``python -m tests.oss_server --metadata-url URL`` (from the repository root); it prints its
URL on the first line, then serves until killed."""

from .server import DEFAULT_BUCKETS, OssTestServer

__all__ = ["OssTestServer", "DEFAULT_BUCKETS"]
