"""The Python surface of the fault matrix (tests/faults/matrix.py), run by the venv's python.

Line protocol on stdin/stdout (the same for every surface; see matrix.py):

    new [key=value ...]  -> ok | err ...
        keys: endpoint, role, disable_imds_v1, connect_timeout_ms, read_timeout_ms,
        fetch_timeout_ms, default=true (ecscred.get_credentials(): the process-wide
        provider configured from the environment)
    get                  -> ok <t0 ms> <t1 ms> <AccessKeyId> <expiration unix s>
                          | err <t0 ms> <t1 ms> <code> <exception class> <http_status|-> <message>
    quit                 -> bye

The engine's log records (logger "ecscred", DEBUG) go to stderr; they are flushed with
ecscred.testing.flush_logs() before every answer, so that stderr is complete at quit.
"""

import logging
import sys
import time

import ecscred
from ecscred.testing import flush_logs


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def err_line(t0: int, t1: int, e: BaseException) -> str:
    if isinstance(e, ecscred.CredentialError):
        status = "-" if e.http_status is None else str(e.http_status)
        return f"err {t0} {t1} {int(e.kind)} {type(e).__name__} {status} {one_line(str(e))}"
    # Not an ecscred error: code 0 makes the orchestrator fail the cell.
    return f"err {t0} {t1} 0 {type(e).__name__} - {one_line(str(e))}"


def build(args):
    kwargs = {}
    role = None
    default = False
    for arg in args:
        key, _, value = arg.partition("=")
        if key == "endpoint":
            kwargs["endpoint"] = value
        elif key == "role":
            role = value
        elif key == "disable_imds_v1":
            kwargs["disable_imds_v1"] = value == "true"
        elif key in ("connect_timeout_ms", "read_timeout_ms", "fetch_timeout_ms"):
            kwargs[key[: -len("_ms")]] = int(value) / 1000.0
        elif key == "default":
            default = value == "true"
        else:
            print(f"driver.py: unknown option {key!r} ignored", file=sys.stderr)
    if default:
        return None
    return ecscred.EcsRamRoleCredentialsProvider(role, **kwargs)


def main() -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(created).3f %(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("ecscred")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    provider = None
    ready = False
    for raw in sys.stdin:
        words = raw.split()
        if not words:
            continue
        cmd, args = words[0], words[1:]
        if cmd == "new":
            t0 = now_ms()
            try:
                provider = build(args)
                ready = True
                reply = "ok"
            except Exception as e:  # noqa: BLE001 - reported to the orchestrator
                reply = err_line(t0, now_ms(), e)
        elif cmd == "get":
            if not ready:
                reply = "error no provider: send new first"
            else:
                t0 = now_ms()
                try:
                    if provider is None:
                        c = ecscred.get_credentials()
                    else:
                        c = provider.get_credentials()
                    t1 = now_ms()
                    reply = f"ok {t0} {t1} {c.access_key_id} {int(c.expiration.timestamp())}"
                except Exception as e:  # noqa: BLE001 - reported to the orchestrator
                    reply = err_line(t0, now_ms(), e)
        elif cmd == "quit":
            flush_logs()
            sys.stdout.write("bye\n")
            sys.stdout.flush()
            return 0
        else:
            reply = f"error unknown command {cmd}"
        flush_logs()
        sys.stdout.write(reply + "\n")
        sys.stdout.flush()
    flush_logs()
    return 0


if __name__ == "__main__":
    sys.exit(main())
