"""``python -m tests.oss_server --metadata-url http://127.0.0.1:PORT [--sts-url https://127.0.0.1:PORT --sts-ca-file CA.pem] [--port 0]``

Prints ``http://127.0.0.1:PORT`` on its first line, then serves until SIGTERM/SIGINT.
Other languages' tests (Go) can run it the same way. The OpenAPI test server's
``python -m tests.openapi_server`` is this same command line (:func:`main`)."""

import argparse
import signal
import sys
import threading
from typing import Any, Callable

from .server import OssTestServer


def main(server_class: Callable[..., Any] = OssTestServer,
         prog: str = "python -m tests.oss_server") -> int:
    """Runs ``server_class(metadata_url, keys=..., port=...)`` until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--metadata-url",
                        help="the mock metadata service whose credentials are accepted")
    parser.add_argument("--sts-url", help="a mock STS whose credentials are accepted too")
    parser.add_argument("--sts-ca-file", help="the mock STS's CA (PEM file)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--key", action="append", default=[], metavar="ID:SECRET",
                        help="a static access key accepted too (repeatable)")
    args = parser.parse_args()
    if not args.metadata_url and not args.sts_url:
        parser.error("give --metadata-url, --sts-url or both")
    keys = dict(k.split(":", 1) for k in args.key)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server = server_class(args.metadata_url, keys=keys, port=args.port,
                          sts_url=args.sts_url, sts_cafile=args.sts_ca_file)
    print(server.url, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
