"""``python -m tests.openapi_server --metadata-url http://127.0.0.1:PORT [--port 0]
[--key ID:SECRET]``: prints ``http://127.0.0.1:PORT`` on its first line, then serves
until SIGTERM/SIGINT (the OSS test server's command line, :func:`tests.oss_server.__main__.main`)."""

import sys

from tests.oss_server.__main__ import main

from .server import OpenApiTestServer

if __name__ == "__main__":
    sys.exit(main(OpenApiTestServer, "python -m tests.openapi_server"))
