#!/usr/bin/env python3
"""The fault matrix of ecscred (`make test-faults`): every fault of the mock metadata
service against every surface (Rust, C, Python, Go), checked against the documented
behaviour (README.md, "How it behaves"), then a leak scan of everything captured.

Stdlib only. Per fault x surface ("cell") it starts a fresh mock metadata service (the
`ecscred mock-metadata` command, port 0, 127.0.0.1), arms the fault (`--fault` at start or
the `/_mock/` admin endpoint), starts a fresh driver process of the surface and drives it:

    new [key=value ...]   build a provider (endpoint, role, disable_imds_v1,
                          connect_timeout_ms, read_timeout_ms, fetch_timeout_ms;
                          default=true: the process-wide provider configured from the
                          environment)                           -> ok | err ...
    get                   -> ok  <t0 ms> <t1 ms> <AccessKeyId> <expiration unix s>
                           | err <t0 ms> <t1 ms> <code> <native kind name> <http status|-> <message>
    quit                  -> bye

(t0/t1: the driver's wall clock just before and after the call.) Drivers log the engine
at DEBUG to stderr. A fresh driver per cell keeps cells independent: the engine's state
(refresh thread, process-wide providers, log subscriber) and the environment (proxy
variables, ALIBABA_CLOUD_*) are per process.

Checks of every cell: the outcome (credential, or the error kind in the surface's own
terms: Rust ErrorKind, C ecscred_status, Python exception class, Go Kind), the message
naming the cause, request counts from `/_mock/counters`, never an expired credential, and
recovery after the fault clears where that applies. No check depends on speed: times are
used only as generous liveness limits, and to know which side of a credential's real
expiry a call was on.

The "OIDC: ..." rows drive the OIDC source (RRSA) the same way against `ecscred mock-sts`
(STS AssumeRoleWithOIDC over HTTPS on 127.0.0.1, its CA written to a file; its `/_mock/`
admin endpoint is spoken to over HTTPS trusting that CA):

    new source=oidc role_arn=... oidc_provider_arn=... oidc_token_file=PATH
        sts_endpoint=https://127.0.0.1:PORT sts_ca_file=PATH [read_timeout_ms=...
        fetch_timeout_ms=...]                                 -> ok | err ...

The "Chain: ..." rows drive the default credential chain, configured by the driver's
environment (the row's ALIBABA_CLOUD_* variables, HOME pointed at a directory of the
cell's holding the profile files) and these options:

    new source=chain [profile=... config_file=PATH credentials_file=PATH
        credentials_uri=URL] sts_endpoint=https://127.0.0.1:PORT [sts_ca_file=PATH
        endpoint=... read_timeout_ms=... fetch_timeout_ms=...]  -> ok | err ...

(`source=env`, `profile` or `uri` pin one source.) Their mocks: `ecscred mock-sts
--access-key ID:SECRET` (STS AssumeRole for a RamRoleArn profile), `ecscred mock-uri`
(ALIBABA_CLOUD_CREDENTIALS_URI), and a mock metadata service where a fall-through to
ECS must show no request.

After all cells: every AccessKeySecret, SecurityToken and metadata token any mock issued
(fetched from `/_mock/credentials` and `/_mock/tokens` before each mock is stopped),
every OIDC token a mock STS accepted or was sent, and every secret a cell configured
itself (the environment's AccessKeySecret, every AccessKeySecret written into a profile
file) is searched in every driver's captured stdout and stderr, whole or as any
16-character piece; a hit fails the cell (the secret itself is never printed).
RELIABILITY.md is then written (and scanned too). Exit status 1 if any cell failed; the
last line is "N passed, M failed".

Safety: every endpoint is 127.0.0.1 (checked before any driver command is sent); "no
metadata service" is a closed loopback port. A chain cell must have its own HOME and
profile files under the run's log directory, the metadata service disabled or on
loopback, and a loopback STS endpoint and credentials URI (`check_chain_safe`).
"""

import argparse
import atexit
import concurrent.futures
import dataclasses
import datetime
import json
import math
import os
import platform
import queue
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import traceback
import urllib.request
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

ROLE = "EcsRamRoleTest"
SURFACES = ("Rust", "C", "Python", "Go", "tea-openapi", "sdk-core", "C++", "C++ OSS",
            "C++ OpenAPI")
# The general SDKs (project issue 9) are surfaces of their own: each error must come out of
# the SDK call as the binding's own error class. They name kinds as their binding does. The
# C++ surfaces (project issue 15: ecscred.hpp and the two C++ SDK adapters) use the C names.
KIND_COLUMN = {"tea-openapi": "Python", "sdk-core": "Python", "C++": "C", "C++ OSS": "C",
               "C++ OpenAPI": "C"}
ENDPOINT_ENV = "ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT"
DISABLED_ENV = "ALIBABA_CLOUD_ECS_METADATA_DISABLED"
ROLE_ENV = "ALIBABA_CLOUD_ECS_METADATA"
IMDSV1_ENV = "ALIBABA_CLOUD_IMDSV1_DISABLED"
LOOPBACK = "http://127.0.0.1:"
STS_LOOPBACK = "https://127.0.0.1:"
# The OIDC source's identity at the mock STS (any ARN-shaped text: the mock checks the token).
OIDC_ROLE_ARN = "acs:ram::1234567890:role/ecscred-faults"
OIDC_PROVIDER_ARN = "acs:ram::1234567890:oidc-provider/ack-rrsa-faults"
# Liveness only: the longest any single driver call may take (fetch timeout is 5 s).
CALL_LIMIT_S = 30.0
POLL_S = 0.1
# Secrets are searched whole and as any piece this long.
LEAK_WINDOW = 16

# The engine's error kinds (rust-core/src/error.rs) as each surface names them.
KINDS: Dict[int, Tuple[str, str, str, str]] = {
    1: ("Disabled", "ECSCRED_DISABLED", "MetadataDisabledError", "ErrDisabled"),
    2: ("InvalidConfig", "ECSCRED_INVALID_CONFIG", "InvalidConfigError", "ErrInvalidConfig"),
    3: ("Unreachable", "ECSCRED_UNREACHABLE", "MetadataUnreachableError", "ErrUnreachable"),
    4: ("Timeout", "ECSCRED_TIMEOUT", "MetadataTimeoutError", "ErrTimeout"),
    5: ("HttpStatus", "ECSCRED_HTTP_STATUS", "MetadataHTTPError", "ErrHTTPStatus"),
    6: ("RoleNotFound", "ECSCRED_ROLE_NOT_FOUND", "RoleNotFoundError", "ErrRoleNotFound"),
    7: ("HardenedMode", "ECSCRED_HARDENED_MODE", "HardenedModeError", "ErrHardenedMode"),
    8: ("InvalidResponse", "ECSCRED_INVALID_RESPONSE", "InvalidResponseError", "ErrInvalidResponse"),
    9: ("Internal", "ECSCRED_INTERNAL", "InternalError", "ErrInternal"),
}
DISABLED, INVALID_CONFIG, UNREACHABLE, TIMEOUT, HTTP_STATUS, ROLE_NOT_FOUND, HARDENED, INVALID = 1, 2, 3, 4, 5, 6, 7, 8
# Surfaces whose error carries the HTTP status: all of them (Rust Error::http_status,
# C ecscred_last_error_http_status, Python CredentialError.http_status, Go Error.HTTPStatus,
# C++ ecscred::ErrorInfo::http_status, also of the adapters' lastError()).
REPORTS_STATUS = SURFACES


class CellFailed(Exception):
    """A check that makes the rest of the cell meaningless failed."""


# Every process started and not yet stopped, so that an interrupted run leaves none behind.
_LIVE: "set[subprocess.Popen]" = set()
_LIVE_LOCK = threading.Lock()


def _started(proc: subprocess.Popen) -> subprocess.Popen:
    with _LIVE_LOCK:
        _LIVE.add(proc)
    return proc


def _stopped(proc: subprocess.Popen) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(proc)


@atexit.register
def _kill_leftovers() -> None:
    with _LIVE_LOCK:
        leftovers = list(_LIVE)
    for proc in leftovers:  # each by its own pid
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---- paths and environment ------------------------------------------------------------


@dataclasses.dataclass
class Paths:
    repo: Path
    # The drivers built by make (faults/, cpp-tests/) and the logs.
    target: Path
    # The release build holding the CLI (its mocks) and the Rust driver.
    release: Path
    python: str
    logs: Path

    @property
    def ecscred(self) -> Path:
        return self.release / "ecscred"

    def driver(self, surface: str) -> List[str]:
        return {
            "Rust": [str(self.release / "ecscred-faults-driver")],
            "C": [str(self.target / "faults" / "driver-c")],
            "Python": [self.python, str(self.repo / "tests" / "faults" / "driver.py")],
            "Go": [str(self.target / "faults" / "driver-go")],
            # Python's driver, getting each credential through one signed SDK call.
            "tea-openapi": [self.python, str(self.repo / "tests" / "faults" / "driver.py"), "--via", "tea-openapi"],
            "sdk-core": [self.python, str(self.repo / "tests" / "faults" / "driver.py"), "--via", "sdk-core"],
            # tests/faults/driver.cpp, built by tests/cpp (make cpp-build).
            "C++": [str(self.cpp_driver), "--via", "api"],
            "C++ OSS": [str(self.cpp_driver), "--via", "oss"],
            "C++ OpenAPI": [str(self.cpp_driver), "--via", "openapi"],
        }[surface]

    @property
    def cpp_driver(self) -> Path:
        return self.target / "cpp-tests" / "build" / "tests" / "faults_driver"


def clean_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The caller's environment without anything that configures ecscred or a proxy."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ALIBABA_CLOUD_")
        and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
        and not k.startswith("ECSCRED_")
    }
    env.update(extra or {})
    return env


def check_chain_safe(env: Mapping[str, str], opts: Mapping[str, object], logs: Path) -> None:
    """Refuses a `new source=chain` that could reach anything but loopback or read any
    file outside the run's log directory: HOME and the profile files under it, the
    metadata service disabled or on loopback, STS (which a RamRoleArn profile would call)
    and the credentials URI on loopback."""

    def inside(path: str) -> bool:
        return Path(path).resolve().is_relative_to(logs.resolve())

    if not inside(env.get("HOME", "/")):
        raise RuntimeError(f"refusing a chain without a HOME of its own (HOME={env.get('HOME')!r})")
    for key, var in (("config_file", "ALIBABA_CLOUD_CONFIG_FILE"),
                     ("credentials_file", "ALIBABA_CLOUD_CREDENTIALS_FILE")):
        for path in (opts.get(key), env.get(var)):
            if path is not None and not inside(str(path)):
                raise RuntimeError(f"refusing a chain reading {path!r}")
    if env.get(DISABLED_ENV) != "true" and not env.get(ENDPOINT_ENV, "").startswith(LOOPBACK):
        raise RuntimeError("refusing a chain that may fall back to the real metadata service")
    if "endpoint" in opts and not str(opts["endpoint"]).startswith(LOOPBACK):
        raise RuntimeError(f"refusing a non-loopback endpoint {opts['endpoint']!r}")
    if not str(opts.get("sts_endpoint", "")).startswith(STS_LOOPBACK):
        raise RuntimeError(f"refusing a chain without a loopback STS endpoint ({opts.get('sts_endpoint')!r})")
    for name in ("ALIBABA_CLOUD_STS_ENDPOINT", "ALIBABA_CLOUD_STS_REGION"):
        if name in env:
            raise RuntimeError(f"refusing a chain with {name} set")
    for uri in (opts.get("credentials_uri"), env.get("ALIBABA_CLOUD_CREDENTIALS_URI")):
        if uri is not None and not str(uri).startswith(LOOPBACK):
            raise RuntimeError(f"refusing a non-loopback credentials URI {uri!r}")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Blackhole:
    """A loopback port where connects hang, like the metadata address off ECS: a listener
    whose accept queue (backlog 0) is full and never accepted, so Linux drops every further
    SYN. Only 127.0.0.1 is involved."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        self.port = self.listener.getsockname()[1]
        self.queued: List[socket.socket] = []
        for _ in range(16):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.settimeout(0.2)
            try:
                probe.connect(("127.0.0.1", self.port))
            except socket.timeout:
                probe.close()
                return
            self.queued.append(probe)
        raise RuntimeError("the accept queue never filled: connects kept completing")

    def close(self) -> None:
        for s in self.queued:
            s.close()
        self.listener.close()


def rfc3339(unix_s: int) -> str:
    return datetime.datetime.fromtimestamp(unix_s, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


# The admin endpoint is loopback: never through a proxy, whatever the environment says.
_ADMIN = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# ---- the mock ------------------------------------------------------------------------


@dataclasses.dataclass
class Counters:
    token_puts: int
    role_gets: int
    credential_gets: int
    requests: int

    def __str__(self) -> str:
        return (
            f"{self.token_puts} PUT, {self.role_gets} role GET, "
            f"{self.credential_gets} credential GET, {self.requests} requests"
        )


class Mock:
    """One `ecscred mock-metadata` process."""

    COMMAND: Sequence[str] = ("mock-metadata", "--role", ROLE)

    def __init__(self, cell: "Cell", name: str, args: Sequence[str]):
        self.cell = cell
        self.name = name
        self.secrets: List[Tuple[str, str]] = []
        self.stopped = False
        self._stderr = open(cell.logdir / f"{name}.stderr", "wb")
        cmd = [str(cell.paths.ecscred), self.COMMAND[0], "--port", "0", *self.COMMAND[1:], *args]
        self.proc = _started(
            subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=clean_env(),
            )
        )
        out = self.proc.stdout
        assert out is not None
        first: "queue.Queue[bytes]" = queue.Queue()
        threading.Thread(target=lambda: first.put(out.readline()), daemon=True).start()
        try:
            line = first.get(timeout=CALL_LIMIT_S).decode().strip()
        except queue.Empty:
            line = ""
        if not line.startswith(LOOPBACK):
            self.stop()
            raise CellFailed(f"mock {name} did not start (first line {line!r})")
        self.url = line

    def admin(self, method: str, path: str, body: Optional[dict] = None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with _ADMIN.open(req, timeout=CALL_LIMIT_S) as resp:
            return json.loads(resp.read())

    def counters(self) -> Counters:
        c = self.admin("GET", "/_mock/counters")
        return Counters(c["token_puts"], c["role_gets"], c["credential_gets"], c["requests"])

    def arm(self, fault: dict) -> None:
        self.admin("POST", "/_mock/faults", fault)

    def clear(self) -> None:
        self.admin("DELETE", "/_mock/faults")

    def expire_tokens(self) -> None:
        self.admin("POST", "/_mock/tokens/expire")

    def tokens(self) -> List[str]:
        return self.admin("GET", "/_mock/tokens")

    def issued(self) -> List[dict]:
        return self.admin("GET", "/_mock/credentials")

    def current_id(self) -> str:
        return self.admin("GET", "/_mock/credential/current")["access_key_id"]

    def stop(self) -> None:
        """Collects every secret it issued, then stops it (its own pid)."""
        if self.stopped:
            return
        self.stopped = True
        if self.proc.poll() is None and getattr(self, "url", None):
            try:
                for c in self.issued():
                    self.secrets.append((f"AccessKeySecret of {c['access_key_id']}", c["access_key_secret"]))
                    self.secrets.append((f"SecurityToken of {c['access_key_id']}", c["security_token"]))
                for i, t in enumerate(self.tokens(), 1):
                    self.secrets.append((f"metadata token #{i}", t))
            except Exception as e:  # noqa: BLE001
                self.cell.fail(f"could not collect the secrets of mock {self.name}: {e}")
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        _stopped(self.proc)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()


class MockUri(Mock):
    """One `ecscred mock-uri` process: a credentials server (ALIBABA_CLOUD_CREDENTIALS_URI)
    with the metadata mock's admin endpoint (no token paths). `uri` is the URL to GET,
    `url` its origin (the admin endpoint's base)."""

    COMMAND = ("mock-uri",)

    def __init__(self, cell: "Cell", name: str, args: Sequence[str]):
        super().__init__(cell, name, args)
        self.uri = self.url
        self.url = re.sub(r"^(http://127\.0\.0\.1:\d+).*$", r"\1", self.uri)

    def uri_counters(self) -> Dict[str, int]:
        """requests, credential_gets, max_concurrent."""
        return self.admin("GET", "/_mock/counters")

    def tokens(self) -> List[str]:
        return []  # no metadata tokens here


def oidc_token() -> str:
    """A fresh JWT-shaped OIDC token (random, so that the leak scan can find it)."""
    return "eyJhbGciOiJSUzI1NiJ9" + secrets.token_hex(48)


class MockSts:
    """One `ecscred mock-sts` process (STS AssumeRoleWithOIDC over HTTPS with its own CA),
    and the OIDC token file the provider reads. The mock accepts `token`; the file holds
    `file_token` (default: the same). Its admin endpoint is spoken to over HTTPS trusting
    that CA. Files live in a directory without spaces (paths travel as `key=value` words)."""

    def __init__(self, cell: "Cell", name: str, token: str, file_token: Optional[str], faults: Sequence[dict],
                 access_keys: Sequence[Tuple[str, str]] = ()):
        self.cell = cell
        self.name = name
        self.secrets: List[Tuple[str, str]] = []
        self.stopped = False
        self.tokens = [token] if file_token in (None, token) else [token, file_token]
        self.dir = cell.paths.logs / "_sts" / f"{cell.fault.id}.{re.sub(r'[^A-Za-z0-9]+', '-', cell.surface)}.{name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.iterdir():
            old.unlink()
        self.token_file = self.dir / "oidc-token"
        self.token_file.write_text((file_token or token) + "\n")
        self.ca_file = self.dir / "ca.pem"
        accepted = self.dir / "accepted-token"
        accepted.write_text(token)
        self._stderr = open(cell.logdir / f"{name}.stderr", "wb")
        cmd = [str(cell.paths.ecscred), "mock-sts", "--port", "0", "--token-file", str(accepted),
               "--ca-file", str(self.ca_file)]
        for f in faults:
            cmd += ["--fault", json.dumps(f)]
        # AccessKeys allowed to sign AssumeRole (a RamRoleArn profile's key).
        for key_id, secret in access_keys:
            cmd += ["--access-key", f"{key_id}:{secret}"]
        self.proc = _started(
            subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
                             env=clean_env())
        )
        out = self.proc.stdout
        assert out is not None
        first: "queue.Queue[bytes]" = queue.Queue()
        threading.Thread(target=lambda: first.put(out.readline()), daemon=True).start()
        try:
            line = first.get(timeout=CALL_LIMIT_S).decode().strip()
        except queue.Empty:
            line = ""
        if not line.startswith(STS_LOOPBACK):
            self.stop()
            raise CellFailed(f"mock STS {name} did not start (first line {line!r})")
        self.url = line.rstrip("/")
        context = ssl.create_default_context(cafile=str(self.ca_file))
        self._admin = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
        )

    def admin(self, method: str, path: str, body: Optional[dict] = None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with self._admin.open(req, timeout=CALL_LIMIT_S) as resp:
            return json.loads(resp.read())

    def counters(self) -> Dict[str, int]:
        """requests (STS calls), issued, assume_role, assume_role_with_oidc,
        token_refusals, signature_refusals, max_concurrent."""
        return self.admin("GET", "/_mock/counters")

    def clear(self) -> None:
        self.admin("DELETE", "/_mock/faults")

    def issued(self) -> List[dict]:
        return self.admin("GET", "/_mock/credentials")

    def stop(self) -> None:
        """Collects the OIDC tokens and every secret it issued, then stops it (its own pid)."""
        if self.stopped:
            return
        self.stopped = True
        for i, t in enumerate(self.tokens, 1):
            self.secrets.append((f"OIDC token #{i}", t))
        if self.proc.poll() is None and getattr(self, "url", None):
            try:
                for c in self.issued():
                    self.secrets.append((f"AccessKeySecret of {c['access_key_id']}", c["access_key_secret"]))
                    self.secrets.append((f"SecurityToken of {c['access_key_id']}", c["security_token"]))
            except Exception as e:  # noqa: BLE001
                self.cell.fail(f"could not collect the secrets of mock STS {self.name}: {e}")
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        _stopped(self.proc)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()


# ---- the drivers ---------------------------------------------------------------------


@dataclasses.dataclass
class Reply:
    ok: bool
    t0: int  # ms, driver's clock before the call
    t1: int  # ms, after
    id: str = ""
    exp: int = 0  # unix s
    code: int = 0
    name: str = ""
    status: str = "-"
    message: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"ok {self.id} exp {rfc3339(self.exp)}"
        return f"err {self.code} {self.name} {self.status} {self.message}"


class Driver:
    """One driver process of one surface, spoken to over its stdin/stdout."""

    def __init__(self, cell: "Cell", env: Dict[str, str]):
        self.cell = cell
        self.env = env
        self.default = False
        self._stderr = open(cell.logdir / "driver.stderr", "wb")
        self._transcript = open(cell.logdir / "driver.transcript", "w")
        self.proc = _started(
            subprocess.Popen(
                cell.paths.driver(cell.surface),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=env,
                text=True,
                bufsize=1,
                cwd=str(cell.logdir),
            )
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._stdin = self.proc.stdin
        self._stdout = self.proc.stdout
        self._lines: "queue.Queue[Optional[str]]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.closed = False

    def _read(self) -> None:
        for line in self._stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def call(self, line: str, limit: float = CALL_LIMIT_S) -> str:
        self._transcript.write(f"> {line}\n")
        try:
            self._stdin.write(line + "\n")
            self._stdin.flush()
        except (BrokenPipeError, OSError):
            raise CellFailed(f"driver died before {line!r} (exit {self.proc.poll()})")
        try:
            reply = self._lines.get(timeout=limit)
        except queue.Empty:
            raise CellFailed(f"driver gave no answer to {line!r} within {limit:.0f} s (liveness)")
        if reply is None:
            raise CellFailed(f"driver exited during {line!r} (exit {self.proc.wait()})")
        self._transcript.write(f"< {reply}\n")
        self._transcript.flush()
        return reply

    def new(self, **opts) -> Optional[Reply]:
        """Builds the provider; the endpoint must be loopback (or, for default=true, the
        environment's). Returns None on success, the error otherwise."""
        if opts.get("default"):
            if not self.env.get(ENDPOINT_ENV, "").startswith(LOOPBACK):
                raise RuntimeError("refusing a default provider without a loopback endpoint variable")
        elif opts.get("source") == "oidc":
            if not str(opts.get("sts_endpoint", "")).startswith(STS_LOOPBACK):
                raise RuntimeError(f"refusing a non-loopback STS endpoint {opts.get('sts_endpoint')!r}")
        elif opts.get("source") == "chain":
            check_chain_safe(self.env, opts, self.cell.paths.logs)
        elif not str(opts.get("endpoint", "")).startswith(LOOPBACK):
            raise RuntimeError(f"refusing a non-loopback endpoint {opts.get('endpoint')!r}")
        words = ["new"]
        for k, v in opts.items():
            if v is None:
                continue
            v = ("true" if v else "false") if isinstance(v, bool) else str(v)
            words.append(f"{k}={v}")
        self.default = bool(opts.get("default"))
        reply = self.call(" ".join(words))
        if reply == "ok":
            return None
        if not reply.startswith("err "):
            raise CellFailed(f"bad answer to new: {reply!r}")
        return parse_reply(reply)

    def get(self) -> Reply:
        r = parse_reply(self.call("get"))
        self.cell.replies.append(r)
        if r.ok and r.exp * 1000 <= r.t0:
            self.cell.fail(f"handed out {r.id}, expired at {rfc3339(r.exp)}, at {r.t0} ms")
        if not r.ok:
            self.cell.messages.append(r.message)
        return r

    def quit(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            if self.proc.poll() is None:
                bye = self.call("quit")
                if bye != "bye":
                    self.cell.fail(f"driver answered {bye!r} to quit")
                self.proc.wait(timeout=CALL_LIMIT_S)
                if self.proc.returncode != 0:
                    self.cell.fail(f"driver exited with status {self.proc.returncode}")
            else:
                self.cell.fail(f"driver had exited with status {self.proc.returncode}")
        except (CellFailed, subprocess.TimeoutExpired) as e:
            self.cell.fail(f"driver did not quit: {e}")
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            _stopped(self.proc)
            try:
                self._stdin.close()
            except OSError:
                pass
            self._stderr.close()
            self._transcript.close()


def parse_reply(line: str) -> Reply:
    parts = line.split(" ", 6)
    try:
        if parts[0] == "ok" and len(parts) == 5:
            return Reply(True, int(parts[1]), int(parts[2]), id=parts[3], exp=int(parts[4]))
        if parts[0] == "err" and len(parts) >= 6:
            return Reply(
                False,
                int(parts[1]),
                int(parts[2]),
                code=int(parts[3]),
                name=parts[4],
                status=parts[5],
                message=parts[6] if len(parts) > 6 else "",
            )
    except ValueError:
        pass
    raise CellFailed(f"unparsable driver answer {line!r}")


# ---- a cell --------------------------------------------------------------------------


class Cell:
    def __init__(self, fault: "Fault", surface: str, paths: Paths):
        self.fault = fault
        self.surface = surface
        self.paths = paths
        self.logdir = paths.logs / fault.id / surface
        self.logdir.mkdir(parents=True, exist_ok=True)
        for old in self.logdir.iterdir():
            old.unlink()
        self.failures: List[str] = []
        self.messages: List[str] = []
        self.replies: List[Reply] = []
        self.mocks: List[Mock] = []
        self.sts_mocks: List[MockSts] = []
        # Secrets the cell configured itself (environment, profile files): leak-scanned too.
        self.secrets: List[Tuple[str, str]] = []
        self.drivers: List[Driver] = []
        self.text = ""
        self.seconds = 0.0

    # checks

    def fail(self, why: str) -> None:
        self.failures.append(why)

    def check(self, cond: bool, why: str) -> bool:
        if not cond:
            self.fail(why)
        return cond

    def kind_name(self, code: int) -> str:
        return KINDS[code][SURFACES.index(KIND_COLUMN.get(self.surface, self.surface))]

    def expect_ok(self, r: Reply, what: str = "the call") -> Reply:
        if not r.ok:
            raise CellFailed(f"{what}: expected a credential, got {r}")
        return r

    def expect_err(
        self, r: Reply, code: int, patterns: Sequence[str] = (), status: Optional[int] = None, what: str = "the call"
    ) -> Reply:
        if r.ok:
            raise CellFailed(f"{what}: expected {self.kind_name(code)}, got a credential ({r.id})")
        want = self.kind_name(code)
        self.check(
            r.code == code and r.name == want,
            f"{what}: expected {want} ({code}), got {r.name} ({r.code}): {r.message}",
        )
        for p in patterns:
            self.check(
                re.search(p, r.message, re.IGNORECASE) is not None,
                f"{what}: message does not match /{p}/: {r.message}",
            )
        if status is not None and self.surface in REPORTS_STATUS:
            self.check(r.status == str(status), f"{what}: http status {r.status}, expected {status}")
        return r

    def counts(self, k: Counters, what: str = "counters", **want: object) -> None:
        self.counts_dict(k, want, what)

    def counts_dict(self, k: Counters, want: Mapping[str, object], what: str = "counters") -> None:
        for field, expected in want.items():
            got = getattr(k, field)
            if isinstance(expected, tuple):
                lo, hi = expected
                self.check(lo <= got <= hi, f"{what}: {field} = {got}, expected {lo}..{hi} ({k})")
            else:
                self.check(got == expected, f"{what}: {field} = {got}, expected {expected} ({k})")

    def stderr(self) -> str:
        """Everything the cell's drivers wrote on stderr so far (the engine's logs)."""
        path = self.logdir / "driver.stderr"
        return path.read_text(errors="replace") if path.exists() else ""

    def check_warned(self, m: "Mock") -> None:
        """README: a failed fetch logs a warning naming the endpoint and the cause."""
        warned = [
            line
            for line in self.stderr().splitlines()
            if re.search(r"\bWARN(ING)?\b", line) and m.url in line and "failed" in line
        ]
        self.check(bool(warned), "no warning naming the endpoint in the engine's log")

    # resources

    def mock(self, *args: str, name: str = "mock", faults: Sequence[dict] = ()) -> Mock:
        fault_args: List[str] = []
        for f in faults:
            fault_args += ["--fault", json.dumps(f)]
        m = Mock(self, name, [*args, *fault_args])
        self.mocks.append(m)
        return m

    def sts(self, *, token: Optional[str] = None, file_token: Optional[str] = None,
            faults: Sequence[dict] = (), access_keys: Sequence[Tuple[str, str]] = ()) -> MockSts:
        m = MockSts(self, f"sts{len(self.sts_mocks) or ''}", token or oidc_token(), file_token, faults,
                    access_keys)
        self.sts_mocks.append(m)
        return m

    def uri(self, *args: str, faults: Sequence[dict] = ()) -> MockUri:
        fault_args: List[str] = []
        for f in faults:
            fault_args += ["--fault", json.dumps(f)]
        m = MockUri(self, "uri", [*args, *fault_args])
        self.mocks.append(m)
        return m

    def home(self) -> Path:
        """The cell's own HOME (created empty), in a directory without spaces: the chain
        reads ~/.aliyun/config.json and ~/.alibabacloud/credentials.ini there, never in
        the real home."""
        home = self.paths.logs / "_home" / f"{self.fault.id}.{re.sub(r'[^A-Za-z0-9]+', '-', self.surface)}"
        if home.exists():
            shutil.rmtree(home)
        home.mkdir(parents=True)
        return home

    def secret(self, label: str, value: str) -> str:
        """Records a secret the cell configures, for the leak scan; returns it."""
        self.secrets.append((label, value))
        return value

    def driver(self, env: Optional[Dict[str, str]] = None) -> Driver:
        d = Driver(self, clean_env(env))
        self.drivers.append(d)
        return d

    def close(self) -> None:
        for d in self.drivers:
            d.quit()
        for m in self.mocks:
            m.stop()
        for s in self.sts_mocks:
            s.stop()

    # polling

    def poll_until_ok(self, d: Driver, limit_s: float, not_id: str = "") -> Tuple[Reply, List[Reply]]:
        """Calls get every POLL_S until it returns a credential other than `not_id`;
        returns it and the errors seen meanwhile. `limit_s` is a liveness bound."""
        errors: List[Reply] = []
        deadline = time.time() + limit_s
        while True:
            r = d.get()
            if r.ok and r.id != not_id:
                return r, errors
            if not r.ok:
                errors.append(r)
            if time.time() > deadline:
                raise CellFailed(f"no new credential within {limit_s:.0f} s (liveness); last: {r}")
            time.sleep(POLL_S)


def describe(k: Counters) -> str:
    """'1 PUT + 3 GETs' (token PUTs and credential GETs)."""
    parts = []
    if k.token_puts:
        parts.append(f"{k.token_puts} PUT{'s' if k.token_puts > 1 else ''}")
    if k.role_gets:
        parts.append(f"{k.role_gets} role GET{'s' if k.role_gets > 1 else ''}")
    parts.append(f"{k.credential_gets or 'no'} GET{'s' if k.credential_gets != 1 else ''}")
    return " + ".join(parts) if k.requests else "no request"


def opts(m: Mock, **kw) -> dict:
    """Options of an own provider on mock m (a None value leaves the option unset)."""
    return {"endpoint": m.url, "role": ROLE, **kw}


# ---- scenarios -----------------------------------------------------------------------


def sc_baseline(c: Cell) -> str:
    m = c.mock()
    d = c.driver()
    d.new(**opts(m))
    a = c.expect_ok(d.get())
    b = c.expect_ok(d.get(), "second call")
    c.check(a.id == b.id, "the second call returned another credential")
    c.check(a.id == m.current_id(), "not the mock's current credential")
    k = m.counters()
    c.counts(k, token_puts=1, role_gets=0, credential_gets=1)
    c.check("fetched a credential" in c.stderr(), "no DEBUG log of the fetch in the driver's stderr")
    return "ok · 1 PUT + 1 GET · 2nd call cached"


def sc_discovery(c: Cell) -> str:
    m = c.mock()
    d = c.driver()
    d.new(endpoint=m.url)
    c.expect_ok(d.get())
    c.expect_ok(d.get(), "second call")
    c.counts(m.counters(), token_puts=1, role_gets=1, credential_gets=1)
    return "ok · role discovered once · 1 PUT + 1 role GET + 1 GET"


def sc_transient(fault: dict, want: Dict[str, int], text: str) -> Callable[[Cell], str]:
    def run(c: Cell) -> str:
        m = c.mock(faults=[fault])
        d = c.driver()
        d.new(**opts(m))
        a = c.expect_ok(d.get())
        c.check(a.id == m.current_id(), "not the mock's current credential")
        c.counts_dict(m.counters(), want)
        c.expect_ok(d.get(), "second call")
        c.counts_dict(m.counters(), want, "counters after a second call")
        return text

    return run


def sc_persistent(
    fault: Optional[dict],
    code: int,
    patterns: Sequence[str],
    *,
    status: Optional[int] = None,
    first: Dict[str, object],
    recover: bool = True,
    recover_delta: Optional[Dict[str, int]] = None,
    mock_args: Sequence[str] = (),
    driver_opts: Optional[dict] = None,
    env: Optional[Dict[str, str]] = None,
) -> Callable[[Cell], str]:
    """A fault that lasts until cleared: the first call fails as documented with bounded
    requests, a second call at once is answered from the backoff without a request,
    and after the fault is cleared a credential arrives with exactly the requests of one
    clean fetch."""

    def run(c: Cell) -> str:
        m = c.mock(*mock_args, faults=[fault] if fault else [])
        d = c.driver(env)
        d.new(**({**opts(m), **(driver_opts or {})}))
        c.expect_err(d.get(), code, [*patterns, re.escape(m.url)], status)
        k1 = m.counters()
        c.counts_dict(k1, first, "counters after the first call")
        c.check_warned(m)
        # A second call at once: the last error from the backoff (no request), or, if the
        # backoff (>= 500 ms) already passed on a slow machine, at most one more fetch.
        r2 = c.expect_err(d.get(), code, patterns, status, what="second call")
        k2 = m.counters()
        second = ""
        if k2.requests == k1.requests:
            c.check("next attempt in" in r2.message, f"second call: backoff not named: {r2.message}")
            second = " · 2nd call from backoff"
        else:
            c.check(
                k2.requests - k1.requests <= k1.requests,
                f"second call: more than one more fetch, counters {k1} -> {k2}",
            )
        name = c.kind_name(code) + (f" {status}" if status else "")
        text = f"{name} after {describe(k1)}{second}"
        if recover:
            if fault:
                m.clear()
            k3 = m.counters()
            ok, errors = c.poll_until_ok(d, 20.0)
            for e in errors:
                c.check(e.code == code, f"while recovering: {e}")
            c.check(ok.id == m.current_id(), "recovered to something else than the mock's current credential")
            k4 = m.counters()
            delta = recover_delta or {"credential_gets": 1}
            for field, n in delta.items():
                got = getattr(k4, field) - getattr(k3, field)
                c.check(got == n, f"recovery took {got} {field}, expected {n} ({k3} -> {k4})")
            text += " → recovered"
        return text

    return run


def sc_token_401(c: Cell) -> str:
    m = c.mock("--lifetime", "6", "--rotate-before", "1")
    d = c.driver()
    d.new(**opts(m))
    a = c.expect_ok(d.get())
    c.counts(m.counters(), token_puts=1, credential_gets=1)
    m.expire_tokens()
    # The next fetch is the background refresh (last 1/12 of the 6 s lifetime).
    b, errors = c.poll_until_ok(d, (a.exp - time.time()) + 20.0, not_id=a.id)
    c.check(not errors, f"errors while refreshing: {errors[:1]}")
    c.check(b.id == m.current_id(), "refreshed to something else than the mock's current credential")
    k = m.counters()
    c.counts(k, token_puts=2, credential_gets=3)
    c.check(len(m.tokens()) == 2, f"{len(m.tokens())} tokens issued, expected 2")
    return "ok · token expired → 401 → 1 new PUT → refreshed (3 GETs)"


def sc_redirect(c: Cell) -> str:
    target = c.mock(name="redirect-target")
    location = target.url + "/latest/meta-data/ram/security-credentials/" + ROLE
    run = sc_persistent(
        {"kind": "redirect", "location": location, "target": "credential"},
        INVALID,
        [r"redirect", r"302", r"never followed"],
        status=302,
        first={"token_puts": 1, "credential_gets": 1},
    )
    text = run(c)
    k = target.counters()
    c.check(k.requests == 0, f"the redirect target saw {k.requests} request(s)")
    return text + " · target saw nothing"


def sc_proxy(c: Cell) -> str:
    m = c.mock()
    dead = f"http://127.0.0.1:{closed_port()}"
    env = {k: dead for k in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")}
    d = c.driver(env)
    d.new(**opts(m))
    c.expect_ok(d.get())
    c.counts(m.counters(), token_puts=1, credential_gets=1)
    return "ok · proxy ignored · 1 PUT + 1 GET"


def sc_hardened(c: Cell) -> str:
    m = c.mock("--mode", "hardened")
    d = c.driver()
    d.new(**opts(m))
    a = c.expect_ok(d.get())
    c.check(a.id == m.current_id(), "not the mock's current credential")
    c.counts(m.counters(), token_puts=1, credential_gets=1)
    c.check(len(m.tokens()) == 1, f"{len(m.tokens())} tokens issued, expected 1")
    return "ok with a token · 1 PUT + 1 GET"


def sc_v1_only(c: Cell) -> str:
    m = c.mock("--mode", "v1-only")
    d = c.driver()
    d.new(**opts(m))
    c.expect_ok(d.get())
    c.counts(m.counters(), token_puts=1, credential_gets=1)
    c.check(not m.tokens(), "a token was issued")
    return "ok without token · PUT 404 + 1 GET"


def sc_token_dropped(c: Cell) -> str:
    m = c.mock(faults=[{"kind": "drop", "target": "token"}])
    d = c.driver()
    d.new(**opts(m))
    c.expect_ok(d.get())
    c.counts(m.counters(), token_puts=3, credential_gets=1)
    c.check(not m.tokens(), "a token was issued")
    return "ok without token · 3 dropped PUTs + 1 GET"


def sc_disabled(c: Cell) -> str:
    m = c.mock()
    d = c.driver({DISABLED_ENV: "true", ENDPOINT_ENV: m.url})
    d.new(default=True)
    c.expect_err(d.get(), DISABLED, [r"disabled", DISABLED_ENV])
    c.expect_err(d.get(), DISABLED, [r"disabled"], what="second call")
    k = m.counters()
    c.counts(k, requests=0)
    return f"{c.kind_name(DISABLED)} · no request"


def sc_no_service(c: Cell) -> str:
    port = closed_port()
    url = f"http://127.0.0.1:{port}"
    d = c.driver({ENDPOINT_ENV: url})
    d.new(default=True)
    r = c.expect_err(d.get(), UNREACHABLE, [r"could not connect", re.escape(url)])
    r2 = c.expect_err(d.get(), UNREACHABLE, [re.escape(url)], what="second call")
    c.check(r.t1 - r.t0 < CALL_LIMIT_S * 1000, "liveness")
    text = f"{c.kind_name(UNREACHABLE)} (refused)"
    if "next attempt in" in r2.message:
        text += " · 2nd call from backoff"
    return text


def sc_vanishing(c: Cell) -> str:
    hole = Blackhole()
    try:
        url = f"http://127.0.0.1:{hole.port}"
        d = c.driver({ENDPOINT_ENV: url})
        d.new(default=True)
        r = c.expect_err(
            d.get(), UNREACHABLE, [r"could not connect", r"is this an ECS instance", re.escape(url)]
        )
        c.check("read_timeout" not in r.message, "reported as a read timeout")
        c.check("GET" not in r.message, "the failed token request fell back to a plain GET")
        c.check(r.t1 - r.t0 < CALL_LIMIT_S * 1000, "liveness")
        return f"{c.kind_name(UNREACHABLE)} (no connection within the connect timeout) · {r.t1 - r.t0:.0f} ms"
    finally:
        hole.close()


def sc_default_env(c: Cell) -> str:
    m = c.mock()
    d = c.driver({ENDPOINT_ENV: m.url, ROLE_ENV: ROLE})
    d.new(default=True)
    a = c.expect_ok(d.get())
    c.expect_ok(d.get(), "second call")
    c.check(a.id == m.current_id(), "not the mock's current credential")
    c.counts(m.counters(), token_puts=1, role_gets=0, credential_gets=1)
    return "ok · 1 PUT + 1 GET (role from env, no discovery)"


def sc_env_disabled_own(c: Cell) -> str:
    m = c.mock()
    d = c.driver({DISABLED_ENV: "true"})
    d.new(**opts(m))
    c.expect_err(d.get(), DISABLED, [r"disabled"])
    c.counts(m.counters(), requests=0)
    return f"{c.kind_name(DISABLED)} · no request"


def sc_same_credential(c: Cell) -> str:
    """The engine's refresh lead (1/12 of 24 s = 2 s) is longer than the service's
    rotation lead (1 s): refreshes in the first second of the window get the cached
    credential again and must back off, not loop."""
    m = c.mock("--lifetime", "24", "--rotate-before", "1")
    d = c.driver()
    d.new(**opts(m))
    a = c.expect_ok(d.get())
    b, errors = c.poll_until_ok(d, (a.exp - time.time()) + 20.0, not_id=a.id)
    c.check(not errors, f"errors while refreshing: {errors[:1]}")
    c.check(b.id == m.current_id(), "refreshed to something else than the mock's current credential")
    k = m.counters()
    # Refreshes start at the earliest 2 s before expiry, the next credential exists 1 s
    # before: within that second at most 1 + log2(2 * 1 + 1) = 2 fetches (backoff 0.5 s,
    # then 1 s at the least), then one fetch gets the next credential. Polling every
    # 100 ms without a backoff would make about 10.
    c.counts(k, "counters", token_puts=1, credential_gets=(2, 4))
    return f"ok · same credential → backoff → rotated · {k.credential_gets - 1} refresh GETs (≤ 3)"


def sc_outage(c: Cell) -> str:
    """Short credentials (12 s, next one issued 1 s before expiry); a persistent 500 from
    just after the first fetch until 4 s past the real expiry; then recovery."""
    m = c.mock("--lifetime", "12", "--rotate-before", "1")
    d = c.driver()
    d.new(**opts(m))
    a = c.expect_ok(d.get())
    exp_ms = a.exp * 1000
    m.arm({"kind": "status", "status": 500, "target": "credential"})
    t_arm = time.time()
    served, errors_after = 0, []
    while True:
        r = d.get()
        if r.ok:
            c.check(r.id == a.id, f"during the outage got {r.id}, not the cached {a.id}")
            served += 1
        else:
            # The engine stops handing a credential out 1/600 of its lifetime (at most
            # 1 s; 20 ms of these 12 s) before it expires.
            margin_ms = 12_000 / 600
            if not c.check(r.t1 >= exp_ms - margin_ms, f"error while the cached credential was valid: {r}"):
                break
            c.expect_err(
                r,
                HTTP_STATUS,
                [r"\b500\b", re.escape(m.url), re.escape(rfc3339(a.exp)), r"expire[sd] at"],
                500,
                what="after expiry",
            )
            errors_after.append(r)
        if time.time() * 1000 > exp_ms + 4000 and len(errors_after) >= 2:
            break
        if time.time() * 1000 > exp_ms + CALL_LIMIT_S * 1000:
            raise CellFailed("no error after the real expiry (liveness)")
        time.sleep(POLL_S)
    m.clear()
    k_clear = m.counters()
    # No refresh starts before the refresh window (the last 1/12 of the 12 s lifetime).
    d_s = time.time() - max(t_arm, a.exp - 1.0)
    # Fetch k+1 starts at least 0.5 s * 2^(k-1) after fetch k (backoff 1 s doubling,
    # equal jitter): within d_s seconds at most 1 + log2(2 d_s + 1) fetches of 3 GETs.
    max_fetches = 1 + int(math.log2(2 * d_s + 1))
    outage_gets = k_clear.credential_gets - 1
    c.check(
        6 <= outage_gets <= 3 * max_fetches,
        f"{outage_gets} GETs in {d_s:.1f} s of refreshing; the backoff allows 6..{3 * max_fetches}",
    )
    c.check(served > 0, "the cached credential was not served during the outage")
    c.check_warned(m)
    b, errors = c.poll_until_ok(d, 75.0, not_id=a.id)
    for e in errors:
        c.check(e.code == HTTP_STATUS, f"while recovering: {e}")
    c.check(b.id == m.current_id(), "recovered to something else than the mock's current credential")
    k_end = m.counters()
    c.check(
        1 <= k_end.credential_gets - k_clear.credential_gets <= 3,
        f"recovery took {k_end.credential_gets - k_clear.credential_gets} GETs",
    )
    c.check(k_end.token_puts == 1, f"{k_end.token_puts} token PUTs; one token serves the whole cell")
    return (
        f"cached until expiry ({served} ok) → {c.kind_name(HTTP_STATUS)} 500 + expiry "
        f"({len(errors_after)}×) → recovered · {outage_gets} GETs in {d_s:.0f} s of refreshing (backoff bound {3 * max_fetches})"
    )


# ---- the OIDC source (STS AssumeRoleWithOIDC over HTTPS, `ecscred mock-sts`) ---------


def oidc_opts(s: MockSts, **kw) -> dict:
    """Options of an own OIDC provider on mock STS s (a None value leaves it unset)."""
    return {
        "source": "oidc",
        "role_arn": OIDC_ROLE_ARN,
        "oidc_provider_arn": OIDC_PROVIDER_ARN,
        "oidc_token_file": str(s.token_file),
        "sts_endpoint": s.url,
        "sts_ca_file": str(s.ca_file),
        **kw,
    }


def sts_calls(n: int) -> str:
    return f"{n or 'no'} STS call{'s' if n != 1 else ''}"


def check_sts(c: Cell, s: MockSts, what: str = "STS counters", **want: int) -> Dict[str, int]:
    k = s.counters()
    for field, expected in want.items():
        c.check(k[field] == expected, f"{what}: {field} = {k[field]}, expected {expected} ({k})")
    return k


def new_oidc(c: Cell, d: Driver, s: MockSts, **kw) -> None:
    r = d.new(**oidc_opts(s, **kw))
    if r is not None:
        raise CellFailed(f"building the OIDC provider failed: {r}")


def sc_oidc_baseline(c: Cell) -> str:
    s = c.sts()
    d = c.driver()
    new_oidc(c, d, s)
    a = c.expect_ok(d.get())
    b = c.expect_ok(d.get(), "second call")
    c.check(a.id == b.id, "the second call returned another credential")
    issued = s.issued()
    c.check([i["access_key_id"] for i in issued] == [a.id], f"not the credential STS issued ({len(issued)} issued)")
    check_sts(c, s, requests=1, issued=1, token_refusals=0)
    return "ok · 1 STS call · 2nd call cached"


def sc_oidc_rejected(c: Cell) -> str:
    s = c.sts(file_token=oidc_token())
    d = c.driver()
    new_oidc(c, d, s)
    r = c.expect_err(d.get(), HTTP_STATUS, [r"InvalidParameter\.OIDCToken", r"\b400\b"], status=400)
    for i, t in enumerate(s.tokens, 1):
        c.check(t not in r.message, f"the message holds OIDC token #{i}")
    check_sts(c, s, requests=1, issued=0, token_refusals=1)
    return f"{c.kind_name(HTTP_STATUS)} 400 InvalidParameter.OIDCToken · {sts_calls(1)} (not retried)"


def sc_oidc_retried(fault: dict, status: int, patterns: Sequence[str]) -> Callable[[Cell], str]:
    def run(c: Cell) -> str:
        s = c.sts(faults=[fault])
        d = c.driver()
        new_oidc(c, d, s)
        c.expect_err(d.get(), HTTP_STATUS, [*patterns, r"after 3 attempts"], status=status)
        check_sts(c, s, requests=3, issued=0)
        s.clear()
        r, _ = c.poll_until_ok(d, CALL_LIMIT_S)
        c.check([i["access_key_id"] for i in s.issued()] == [r.id], "recovered with a credential STS did not issue")
        return f"{c.kind_name(HTTP_STATUS)} {status} after {sts_calls(3)} → recovered"

    return run


def sc_oidc_hang(c: Cell) -> str:
    s = c.sts(faults=[{"kind": "delay", "ms": 120_000}])
    d = c.driver()
    # The read timeout is longer than the fetch timeout: the fetch deadline ends the call.
    new_oidc(c, d, s, read_timeout_ms=60_000, fetch_timeout_ms=1_500)
    r = c.expect_err(d.get(), TIMEOUT, [r"fetch_timeout"])
    c.check(r.t1 - r.t0 < 60_000, "the call outlasted the read timeout: the fetch timeout did not bound it")
    check_sts(c, s, requests=1, issued=0)
    return f"{c.kind_name(TIMEOUT)} after {sts_calls(1)} (fetch timeout)"


def sc_oidc_garbage(c: Cell) -> str:
    s = c.sts(faults=[{"kind": "malformed_json"}])
    d = c.driver()
    new_oidc(c, d, s)
    c.expect_err(d.get(), INVALID)
    k = check_sts(c, s, requests=1, issued=0)
    return f"{c.kind_name(INVALID)} after {sts_calls(k['requests'])}"


def sc_oidc_no_token_file(c: Cell) -> str:
    s = c.sts()
    missing = s.dir / "no-such-token"
    d = c.driver()
    r = d.new(**oidc_opts(s, oidc_token_file=str(missing)))
    when = "new"
    if r is None:
        r, when = d.get(), "get"
    c.expect_err(r, INVALID_CONFIG, [re.escape(str(missing)), r"does not exist"])
    check_sts(c, s, requests=0)
    return f"{c.kind_name(INVALID_CONFIG)} naming the path (at {when}) · no STS call"


# ---- the default credential chain (`new source=chain`) -------------------------------

# A long-term AccessKey never expires: every surface reports 9998-12-31T23:59:59Z.
NEVER_EXPIRES = 253370764799
ENV_AK_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_AK_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
ENV_CREDENTIALS_URI = "ALIBABA_CLOUD_CREDENTIALS_URI"
ENV_ROLE_ARN = "ALIBABA_CLOUD_ROLE_ARN"
ENV_OIDC_PROVIDER_ARN = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"
# The RamRoleArn profile's AccessKey (the mock STS knows it) and role.
PROFILE_AK_ID = "LTAI5tFaultsProfileKey"
PROFILE_ROLE_ARN = "acs:ram::1234567890:role/ecscred-faults-chain"
RAM_ROLE_SOURCE = "default/cli_profile/ram_role_arn"
URI_SOURCE = "default/credential_uri"


def random_secret() -> str:
    """A fresh AccessKeySecret-shaped value (30 characters; the leak scan looks for it)."""
    return secrets.token_hex(15)


def chain_env(c: Cell, home: Optional[Path] = None, **env: str) -> Dict[str, str]:
    """The driver environment of a chain cell: its own HOME (`home`, else a new empty
    one), `env` (the row's ALIBABA_CLOUD_* variables), and the metadata service disabled
    unless `env` points it at a mock (then a fall-through to ECS would show in the mock's
    counters)."""
    base = {"HOME": str(home or c.home())}
    if ENDPOINT_ENV not in env:
        base[DISABLED_ENV] = "true"
    return {**base, **env}


def chain_opts(sts: Optional[MockSts] = None, **kw) -> dict:
    """`new source=chain` options; STS is always a loopback endpoint (a closed port
    unless a mock STS is given), so that no profile can reach the real one."""
    opts = {"source": "chain", "sts_endpoint": f"{STS_LOOPBACK}{closed_port()}"}
    if sts is not None:
        opts.update(sts_endpoint=sts.url, sts_ca_file=str(sts.ca_file))
    return {**opts, **kw}


def new_chain(c: Cell, d: Driver, sts: Optional[MockSts] = None, **kw) -> None:
    r = d.new(**chain_opts(sts, **kw))
    if r is not None:
        raise CellFailed(f"building the chain's provider failed: {r}")


def new_chain_err(c: Cell, d: Driver, code: int, patterns: Sequence[str], **kw) -> str:
    """A chain configuration that is wrong: `new` fails, or (for a surface that builds
    lazily) the first `get`; returns where it failed."""
    r = d.new(**chain_opts(**kw))
    when = "new"
    if r is None:
        r, when = d.get(), "get"
    else:
        c.messages.append(r.message)
    c.expect_err(r, code, patterns, what=f"the chain's {when}")
    return when


def write_cli_config(home: Path, text: str) -> Path:
    path = home / ".aliyun" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def ram_role_profile(c: Cell, home: Path, secret: str, current: str = "dev") -> Path:
    """~/.aliyun/config.json with a RamRoleArn profile "dev" signing with `secret`, and an
    AK profile "other"; `current` names the current one."""
    profile = {"name": "dev", "mode": "RamRoleArn", "access_key_id": PROFILE_AK_ID,
               "access_key_secret": secret, "ram_role_arn": PROFILE_ROLE_ARN,
               "ram_session_name": "ecscred-faults", "expired_seconds": 3600}
    other = {"name": "other", "mode": "AK", "access_key_id": "LTAI5tFaultsOtherKey",
             "access_key_secret": c.secret("AccessKeySecret of the AK profile", random_secret())}
    config = {"current": current, "profiles": [profile, other]}
    return write_cli_config(home, json.dumps(config, indent=2) + "\n")


def sc_chain_env_ak(c: Cell) -> str:
    m = c.mock(name="metadata")
    key_id = "LTAI5tFaultsEnvKey" + secrets.token_hex(3)
    secret = c.secret("AccessKeySecret of the environment", random_secret())
    d = c.driver(chain_env(c, **{ENV_AK_ID: key_id, ENV_AK_SECRET: secret, ENDPOINT_ENV: m.url}))
    new_chain(c, d)
    a = c.expect_ok(d.get())
    b = c.expect_ok(d.get(), "second call")
    c.check(a.id == key_id and b.id == key_id, f"not the environment's AccessKey: {a.id}, {b.id}")
    for r in (a, b):
        c.check(r.exp == NEVER_EXPIRES,
                f"expiration {r.exp} ({rfc3339(r.exp)}), expected never ({NEVER_EXPIRES}, {rfc3339(NEVER_EXPIRES)})")
    c.counts(m.counters(), "metadata counters", requests=0)
    return f"ok · the key, never expires ({rfc3339(NEVER_EXPIRES)}) · no metadata request"


def sc_chain_ram_role(c: Cell) -> str:
    secret = c.secret("AccessKeySecret of the RamRoleArn profile", random_secret())
    s = c.sts(access_keys=[(PROFILE_AK_ID, secret)])
    home = c.home()
    ram_role_profile(c, home, secret, current="other")
    d = c.driver(chain_env(c, home))
    new_chain(c, d, s, profile="dev")
    a = c.expect_ok(d.get())
    b = c.expect_ok(d.get(), "second call")
    c.check(a.id == b.id, "the second call returned another credential")
    c.check([i["access_key_id"] for i in s.issued()] == [a.id], "not the credential STS issued")
    check_sts(c, s, requests=1, assume_role=1, issued=1, signature_refusals=0)
    return "ok · profile=dev over the current AK profile · 1 AssumeRole signed with its key · 2nd call cached"


def sc_chain_ram_role_fault(fault: Optional[dict], code: int, patterns: Sequence[str], *, status: Optional[int] = None,
                            want: Mapping[str, int], recover: bool, wrong_secret: bool = False,
                            **driver_opts: object) -> Callable[[Cell], str]:
    def run(c: Cell) -> str:
        secret = c.secret("AccessKeySecret the mock STS knows", random_secret())
        in_file = c.secret("AccessKeySecret of the RamRoleArn profile", random_secret()) if wrong_secret else secret
        s = c.sts(access_keys=[(PROFILE_AK_ID, secret)], faults=[fault] if fault else [])
        home = c.home()
        ram_role_profile(c, home, in_file)
        d = c.driver(chain_env(c, home))
        new_chain(c, d, s, **driver_opts)
        r = c.expect_err(d.get(), code, [*patterns, re.escape(RAM_ROLE_SOURCE)], status=status)
        k = check_sts(c, s, "STS counters", issued=0, **want)
        text = c.kind_name(code) + (f" {status}" if status else "") + f" naming {RAM_ROLE_SOURCE} after {sts_calls(k['requests'])}"
        if recover:
            s.clear()
            ok, _ = c.poll_until_ok(d, CALL_LIMIT_S)
            c.check([i["access_key_id"] for i in s.issued()] == [ok.id], "recovered with a credential STS did not issue")
            text += " → recovered"
        c.check(r.t1 - r.t0 < CALL_LIMIT_S * 1000, "liveness")
        return text

    return run


def sc_chain_uri(c: Cell) -> str:
    u = c.uri()
    d = c.driver(chain_env(c, **{ENV_CREDENTIALS_URI: u.uri}))
    new_chain(c, d)
    a = c.expect_ok(d.get())
    b = c.expect_ok(d.get(), "second call")
    c.check(a.id == b.id == u.current_id(), "not the credentials server's current credential")
    k = u.uri_counters()
    c.check(k["credential_gets"] == 1 and k["requests"] == 1, f"URI counters {k}, expected 1 GET")
    return "ok · 1 GET · 2nd call cached"


def sc_chain_uri_fault(fault: dict, code: int, patterns: Sequence[str], *, status: Optional[int] = None,
                       gets: int, option: bool = False) -> Callable[[Cell], str]:
    """`option`: the URI as the `credentials_uri` option, not the variable."""

    def run(c: Cell) -> str:
        u = c.uri(faults=[fault])
        if option:
            d = c.driver(chain_env(c))
            new_chain(c, d, credentials_uri=u.uri)
        else:
            d = c.driver(chain_env(c, **{ENV_CREDENTIALS_URI: u.uri}))
            new_chain(c, d)
        r = c.expect_err(d.get(), code, [*patterns, re.escape(URI_SOURCE)], status=status)
        k = u.uri_counters()
        c.check(k["credential_gets"] == gets, f"URI counters {k}, expected {gets} GETs")
        c.check(r.t1 - r.t0 < CALL_LIMIT_S * 1000, "liveness")
        u.clear()
        ok, errors = c.poll_until_ok(d, CALL_LIMIT_S)
        for e in errors:
            c.check(e.code == code, f"while recovering: {e}")
        c.check(ok.id == u.current_id(), "recovered to something else than the server's current credential")
        return (c.kind_name(code) + (f" {status}" if status else "")
                + f" naming {URI_SOURCE} after {gets} GET{'s' if gets != 1 else ''} → recovered")

    return run


def sc_chain_oidc_half(c: Cell) -> str:
    m = c.mock(name="metadata")
    d = c.driver(chain_env(c, **{ENV_ROLE_ARN: OIDC_ROLE_ARN, ENDPOINT_ENV: m.url}))
    when = new_chain_err(c, d, INVALID_CONFIG, [re.escape(ENV_OIDC_PROVIDER_ARN), re.escape(ENV_ROLE_ARN)])
    c.counts(m.counters(), "metadata counters", requests=0)
    return f"{c.kind_name(INVALID_CONFIG)} naming {ENV_OIDC_PROVIDER_ARN} (at {when}) · no metadata request"


# ~/.aliyun/config.json with a syntax error (a trailing comma) after the secret, line 9.
BROKEN_CONFIG = """{
  "current": "dev",
  "profiles": [
    {
      "name": "dev",
      "mode": "AK",
      "access_key_id": "LTAI5tFaultsBrokenKey",
      "access_key_secret": "%s",
    }
  ]
}
"""
BROKEN_LINE = 9


def sc_chain_bad_profile(c: Cell) -> str:
    m = c.mock(name="metadata")
    secret = c.secret("AccessKeySecret of the malformed profile file", random_secret())
    env = chain_env(c, **{ENDPOINT_ENV: m.url})
    path = write_cli_config(Path(env["HOME"]), BROKEN_CONFIG % secret)
    d = c.driver(env)
    when = new_chain_err(c, d, INVALID_CONFIG, [re.escape(str(path)), rf"\bline {BROKEN_LINE}\b"])
    c.counts(m.counters(), "metadata counters", requests=0)
    return f"{c.kind_name(INVALID_CONFIG)} naming the file and line {BROKEN_LINE} (at {when}) · no metadata request"


# ---- the table -----------------------------------------------------------------------


@dataclasses.dataclass
class Fault:
    id: str
    title: str
    documented: str
    setup: str
    run: Callable[[Cell], str]
    long: bool = False  # real-time scenarios, scheduled first


def status_rows(code: int) -> List[Fault]:
    doc = (
        "5xx, 429 and dropped connections are retried (3 attempts, capped jittered "
        "backoff). A failed fetch is reported with the HTTP status; later callers get the "
        "last error at once during the backoff (1 s doubling to 60 s)."
    )
    return [
        Fault(
            f"http-{code}-twice",
            f"HTTP {code} on 2 requests",
            doc,
            f'`{{"kind":"status","status":{code},"target":"credential","count":2}}`: the third attempt succeeds.',
            sc_transient(
                {"kind": "status", "status": code, "target": "credential", "count": 2},
                {"token_puts": 1, "credential_gets": 3},
                "ok after 3 GETs",
            ),
        ),
        Fault(
            f"http-{code}-persistent",
            f"HTTP {code} until cleared",
            doc,
            f"`{code}` on every credential request; then the fault is cleared.",
            sc_persistent(
                {"kind": "status", "status": code, "target": "credential"},
                HTTP_STATUS,
                [rf"\b{code}\b", r"after 3 attempts"],
                status=code,
                first={"token_puts": 1, "credential_gets": 3},
            ),
        ),
    ]


FAULTS: List[Fault] = [
    Fault(
        "baseline",
        "no fault",
        "First call fetches (hardened mode: one token PUT, then the credential); warm calls "
        "never touch the network.",
        "A normal mock, an explicit role.",
        sc_baseline,
    ),
    Fault(
        "role-discovery",
        "no fault, role discovered",
        "Without a role name the role attached to the instance is discovered (once).",
        "No role option.",
        sc_discovery,
    ),
    *status_rows(500),
    *status_rows(503),
    *status_rows(429),
    Fault(
        "unknown-role",
        "404 unknown role",
        "`RoleNotFound`: the role is not attached to this instance; the message names the "
        "role. A 404 is not retried.",
        "Role `NoSuchRole` (the mock serves `EcsRamRoleTest`).",
        sc_persistent(
            None,
            ROLE_NOT_FOUND,
            [r"NoSuchRole", r"\b404\b"],
            status=404,
            first={"token_puts": 1, "credential_gets": 1},
            recover=False,
            driver_opts={"role": "NoSuchRole"},
        ),
    ),
    Fault(
        "token-401",
        "401 expired metadata token",
        "Hardened mode with one token per TTL; a 401 renews it and retries once.",
        "`--lifetime 6 --rotate-before 1`; after the first fetch `POST /_mock/tokens/expire`; "
        "the background refresh (last 1/12 of the lifetime) must succeed with one new token.",
        sc_token_401,
        long=True,
    ),
    Fault(
        "token-401-persistent",
        "401 on every request with a token",
        "A 401 renews the token and retries once (not in a loop); an instance that rejects "
        "every token is a `HardenedMode` error.",
        '`{"kind":"status","status":401,"target":"credential"}` until cleared.',
        sc_persistent(
            {"kind": "status", "status": 401, "target": "credential"},
            HARDENED,
            [r"\b401\b"],
            status=401,
            first={"token_puts": 2, "credential_gets": 2},
        ),
    ),
    Fault(
        "same-credential",
        "refresh before the service rotated",
        "ECS issues the next credential 30 minutes before expiry (6 h); a fetch before that "
        "returns the same credential again. A refresh that returns the same credential backs "
        "off instead of looping; callers keep the cached credential.",
        "`--lifetime 24 --rotate-before 1` (the engine's lead is 2 s, the service's 1 s); "
        "`get` every 100 ms until the next credential.",
        sc_same_credential,
        long=True,
    ),
    Fault(
        "read-timeout",
        "read timeout",
        "`read_timeout` bounds the wait between reads of one answer; a timeout is not "
        "retried within the fetch; the message names the timeout.",
        '`read_timeout_ms=300`; `{"kind":"delay","ms":1500,"target":"credential"}` until cleared.',
        sc_persistent(
            {"kind": "delay", "ms": 1500, "target": "credential"},
            TIMEOUT,
            [r"did not answer within 300 ms|timed out", r"read_timeout"],
            first={"token_puts": 1, "credential_gets": 1},
            driver_opts={"read_timeout_ms": 300},
        ),
    ),
    Fault(
        "dropped-twice",
        "dropped connection on 2 requests",
        "Dropped connections are retried (3 attempts).",
        '`{"kind":"drop","target":"credential","count":2}`.',
        sc_transient(
            {"kind": "drop", "target": "credential", "count": 2},
            {"token_puts": 1, "credential_gets": 3},
            "ok after 3 GETs",
        ),
    ),
    Fault(
        "dropped-persistent",
        "dropped connection until cleared",
        "Dropped connections are retried (3 attempts), then reported as unreachable.",
        '`{"kind":"drop","target":"credential"}` until cleared.',
        sc_persistent(
            {"kind": "drop", "target": "credential"},
            UNREACHABLE,
            [r"dropped"],
            first={"token_puts": 1, "credential_gets": 3},
        ),
    ),
    Fault(
        "malformed-json",
        "malformed JSON",
        "Malformed credentials from the service are refused (`InvalidResponse`), never "
        "quoting the body.",
        '`{"kind":"malformed_json","target":"credential"}` until cleared.',
        sc_persistent(
            {"kind": "malformed_json", "target": "credential"},
            INVALID,
            [r"JSON"],
            first={"token_puts": 1, "credential_gets": 1},
        ),
    ),
    Fault(
        "code-not-success",
        "Code not Success",
        '`Code == "Success"` means valid; anything else is refused (`InvalidResponse`).',
        '`{"kind":"code","code":"Failure","target":"credential"}` until cleared.',
        sc_persistent(
            {"kind": "code", "code": "Failure", "target": "credential"},
            INVALID,
            [r"Code", r"Failure"],
            first={"token_puts": 1, "credential_gets": 1},
        ),
    ),
    Fault(
        "expired-credential",
        "expired credential from the server",
        "Expired credentials from the service are refused; an expired credential is never "
        "handed out.",
        '`{"kind":"expired","target":"credential"}` (expired an hour ago) until cleared.',
        sc_persistent(
            {"kind": "expired", "target": "credential"},
            INVALID,
            [r"expired at"],
            first={"token_puts": 1, "credential_gets": 1},
        ),
    ),
    Fault(
        "huge-body",
        "oversized body (1 MiB)",
        "Bodies are capped at 64 KiB.",
        '`{"kind":"huge_body","bytes":1048576,"target":"credential"}` until cleared.',
        sc_persistent(
            {"kind": "huge_body", "bytes": 1 << 20, "target": "credential"},
            INVALID,
            [r"64 KiB"],
            first={"token_puts": 1, "credential_gets": 1},
        ),
    ),
    Fault(
        "redirect",
        "redirect",
        "Redirects are never followed.",
        "302 to a second mock's credential URL until cleared; the second mock must see no "
        "request.",
        sc_redirect,
    ),
    Fault(
        "http-proxy",
        "HTTP_PROXY to a dead port",
        "`HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` are ignored for metadata traffic, always.",
        "`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` (both cases) = a closed loopback port.",
        sc_proxy,
    ),
    Fault(
        "hardened-only",
        "hardened-only instance",
        "Hardened mode (`PUT /latest/api/token`) with one token per TTL.",
        "`--mode hardened` (a GET without a token gets 403).",
        sc_hardened,
    ),
    Fault(
        "hardened-token-failing",
        "hardened-only, token path failing",
        "When the token path is unavailable plain requests are used; an instance that "
        "requires a token it would not give is a `HardenedMode` error.",
        '`--mode hardened`, `{"kind":"status","status":500,"target":"token"}` until cleared.',
        sc_persistent(
            {"kind": "status", "status": 500, "target": "token"},
            HARDENED,
            [r"\b403\b", r"hardened mode"],
            status=403,
            first={"token_puts": 3, "credential_gets": 1},
            mock_args=("--mode", "hardened"),
            recover_delta={"token_puts": 1, "credential_gets": 1},
        ),
    ),
    Fault(
        "token-path-dropped",
        "token path dropping connections (normal instance)",
        "When the token path is unavailable (404, 405, dropped connection, errors) plain "
        "requests are used unless v1 is disabled.",
        '`{"kind":"drop","target":"token"}`.',
        sc_token_dropped,
    ),
    Fault(
        "v1-only",
        "v1-only instance",
        "Token path unavailable (404): plain requests.",
        "`--mode v1-only` (the token path answers 404).",
        sc_v1_only,
    ),
    Fault(
        "v1-only-imdsv1-disabled",
        "v1-only instance, disable_imds_v1",
        "`disable_imds_v1`: hardened mode only, never plain requests.",
        "`--mode v1-only`, `disable_imds_v1=true`.",
        sc_persistent(
            None,
            HARDENED,
            [r"\b404\b", r"plain requests are disabled"],
            status=404,
            first={"token_puts": 1, "credential_gets": 0},
            recover=False,
            mock_args=("--mode", "v1-only"),
            driver_opts={"disable_imds_v1": True},
        ),
    ),
    Fault(
        "metadata-disabled",
        "metadata disabled by env",
        "`ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`: never contact the metadata service; "
        "calls fail with \"disabled\".",
        f"`{DISABLED_ENV}=true` and `{ENDPOINT_ENV}`=the mock in the driver's environment; "
        "the process-wide default provider.",
        sc_disabled,
    ),
    Fault(
        "default-provider-env",
        "process-wide provider from the environment",
        "The one-call API keeps one provider per role, configured from the same environment "
        "variables in every binding.",
        f"`{ENDPOINT_ENV}`=the mock, `{ROLE_ENV}={ROLE}`; `ecscred::get_credential(None)`, "
        "`ecscred_get_credential(NULL)`, `ecscred.get_credentials()`, `ecscred.Default(\"\")`.",
        sc_default_env,
    ),
    Fault(
        "env-role-own-provider",
        f"{ROLE_ENV} names an unknown role (own provider)",
        "Options win over the environment, which is read when a provider is built: without "
        "a role option the role comes from the environment.",
        f"Own provider with only the endpoint option; `{ROLE_ENV}=NoSuchRole`.",
        sc_persistent(
            None,
            ROLE_NOT_FOUND,
            [r"NoSuchRole", r"\b404\b"],
            status=404,
            first={"token_puts": 1, "role_gets": 0, "credential_gets": 1},
            recover=False,
            driver_opts={"role": None},
            env={ROLE_ENV: "NoSuchRole"},
        ),
    ),
    Fault(
        "env-imdsv1-disabled-own-provider",
        f"{IMDSV1_ENV}=true on a v1-only instance (own provider)",
        f"`{IMDSV1_ENV}=true`: hardened mode only, never plain requests.",
        f"`--mode v1-only`; own provider without the option; `{IMDSV1_ENV}=true`.",
        sc_persistent(
            None,
            HARDENED,
            [r"\b404\b", r"plain requests are disabled"],
            status=404,
            first={"token_puts": 1, "credential_gets": 0},
            recover=False,
            mock_args=("--mode", "v1-only"),
            env={IMDSV1_ENV: "true"},
        ),
    ),
    Fault(
        "env-disabled-own-provider",
        f"{DISABLED_ENV}=true (own provider)",
        "Disabled: never contact the metadata service.",
        f"Own provider with endpoint and role options; `{DISABLED_ENV}=true`.",
        sc_env_disabled_own,
    ),
    Fault(
        "fetch-timeout",
        "fetch timeout",
        "`fetch_timeout` bounds a whole fetch (token, discovery, credential, retries): the "
        "longest a caller can wait.",
        '`read_timeout_ms=3000 fetch_timeout_ms=500`; `{"kind":"delay","ms":2000,"target":"credential"}` '
        "until cleared.",
        sc_persistent(
            {"kind": "delay", "ms": 2000, "target": "credential"},
            TIMEOUT,
            [r"did not answer within 500 ms", r"fetch_timeout"],
            first={"token_puts": 1, "credential_gets": 1},
            driver_opts={"read_timeout_ms": 3000, "fetch_timeout_ms": 500},
        ),
    ),
    Fault(
        "no-service",
        "no metadata service",
        "A connect failure is never retried, so off ECS fails fast (`Unreachable`).",
        f"`{ENDPOINT_ENV}` = a closed loopback port; the process-wide default provider "
        "(role discovery).",
        sc_no_service,
    ),
    Fault(
        "packets-vanish",
        "metadata address where packets vanish",
        "Off ECS (a laptop, a VPN, a container without the route) a connect that never "
        "completes is `Unreachable` after one connect timeout (1 s), whichever timer ends "
        "it, with no second request.",
        f"`{ENDPOINT_ENV}` = a loopback port whose full accept queue drops every SYN; the "
        "process-wide default provider (role discovery).",
        sc_vanishing,
    ),
    Fault(
        "outage-past-expiry",
        "outage past expiry, then recovery",
        "A failed refresh leaves the cached credential in service until it really expires, "
        "with backoff from 1 s doubling to 60 s (jittered). An expired credential is never "
        "handed out: past expiry callers get an error naming the cause and the expiry. "
        "During the backoff, callers without a valid credential get the last error at once.",
        "`--lifetime 12 --rotate-before 1`; fetch; persistent 500 on the credential path; "
        "`get` every 100 ms until 4 s past the real expiry; clear; poll until a new "
        "credential. GETs during the outage must fit the backoff schedule.",
        sc_outage,
        long=True,
    ),
]


OIDC_DOC = (
    "OIDC source (RRSA): the token file is read at every fetch and exchanged at STS "
    "(`AssumeRoleWithOIDC`, verified TLS); the same cache and refresh engine serves it. "
)
OIDC_SETUP = (
    "`ecscred mock-sts` on 127.0.0.1 over HTTPS with its own CA (trusted through "
    "`sts_extra_root_pem`) and the OIDC token file; "
)

FAULTS += [
    Fault(
        "oidc-baseline",
        "OIDC: no fault",
        OIDC_DOC + "First call makes one STS call; warm calls never touch the network.",
        OIDC_SETUP + "the file holds the token the mock accepts, no fault.",
        sc_oidc_baseline,
    ),
    Fault(
        "oidc-token-rejected",
        "OIDC: STS rejects the token",
        OIDC_DOC + "An STS refusal is reported with STS's `Code` (HTTP status error), never "
        "with the token; a 4xx is not retried.",
        OIDC_SETUP + "the file holds another token than the one the mock accepts: "
        "`400 InvalidParameter.OIDCToken`.",
        sc_oidc_rejected,
    ),
    Fault(
        "oidc-throttling",
        "OIDC: Throttling until cleared",
        OIDC_DOC + "`Throttling` is retried (3 attempts), then reported with the HTTP status "
        "and STS's `Code`.",
        OIDC_SETUP + '`{"kind":"code","code":"Throttling"}` (HTTP 400) on every STS call; then '
        "the fault is cleared.",
        sc_oidc_retried({"kind": "code", "code": "Throttling"}, 400, [r"\bThrottling\b", r"\b400\b"]),
    ),
    Fault(
        "oidc-http-500",
        "OIDC: HTTP 500 until cleared",
        OIDC_DOC + "5xx is retried (3 attempts), then reported with the HTTP status.",
        OIDC_SETUP + '`{"kind":"status","status":500}` on every STS call; then the fault is '
        "cleared.",
        sc_oidc_retried({"kind": "status", "status": 500}, 500, [r"\b500\b"]),
    ),
    Fault(
        "oidc-hang",
        "OIDC: STS hangs",
        OIDC_DOC + "`fetch_timeout` bounds a whole fetch (token file, STS call, retries): a "
        "hanging STS is a `Timeout` at that deadline.",
        OIDC_SETUP + "a 120 s delay before every answer; `read_timeout_ms=60000`, "
        "`fetch_timeout_ms=1500`.",
        sc_oidc_hang,
    ),
    Fault(
        "oidc-malformed-json",
        "OIDC: malformed JSON",
        OIDC_DOC + "An answer that is not STS's credentials is an invalid response.",
        OIDC_SETUP + '`{"kind":"malformed_json"}`: HTTP 200 with a body that is not JSON.',
        sc_oidc_garbage,
    ),
    Fault(
        "oidc-no-token-file",
        "OIDC: missing token file",
        OIDC_DOC + "A missing, empty or unreadable token file is an invalid configuration "
        "naming the path; STS is not called.",
        OIDC_SETUP + "`oidc_token_file` names a file that does not exist.",
        sc_oidc_no_token_file,
    ),
]


CHAIN_DOC = (
    "The default credential chain (`new source=chain`: Rust `SourceKind::Chain`, C "
    "`ecscred_provider_new_source`, Python `DefaultCredentialsProvider`, Go "
    "`NewDefaultProvider`, C++ `Provider::create_chain`) picks the first source configured, "
    "decided when the provider is "
    "built; a configured source that fails is reported naming it "
    "(`default/<name>`), never skipped for the next one. "
)
CHAIN_SETUP = (
    "The driver's own `HOME` (a directory of the cell's), the row's `ALIBABA_CLOUD_*` "
    "variables, the metadata service disabled or a mock; STS always a loopback endpoint; "
)
RAM_ROLE_SETUP = (
    CHAIN_SETUP + "`~/.aliyun/config.json` with a current `RamRoleArn` profile; `ecscred mock-sts "
    "--access-key ID:SECRET` knowing its AccessKey; "
)
URI_SETUP = CHAIN_SETUP + f"`{ENV_CREDENTIALS_URI}` = `ecscred mock-uri`; "

FAULTS += [
    Fault(
        "chain-env-ak",
        "Chain: environment AccessKey",
        CHAIN_DOC + "An AccessKey in the environment comes first: a long-term key, without "
        "SecurityToken, that never expires (9998-12-31T23:59:59Z) and is never refreshed; the "
        "metadata service is not contacted.",
        CHAIN_SETUP + f"`{ENV_AK_ID}` and `{ENV_AK_SECRET}`; a mock metadata service as "
        f"`{ENDPOINT_ENV}`, which must see no request.",
        sc_chain_env_ak,
    ),
    Fault(
        "chain-ram-role-arn",
        "Chain: RamRoleArn profile",
        CHAIN_DOC + "A `RamRoleArn` profile of the aliyun CLI assumes its role at STS "
        "(`AssumeRole`, RPC signature V1 with the profile's AccessKey, verified TLS).",
        RAM_ROLE_SETUP + "no fault; the current profile is another (an `AK` one): `profile=dev` "
        "names the RamRoleArn one.",
        sc_chain_ram_role,
    ),
    Fault(
        "chain-ram-role-arn-500",
        "Chain: RamRoleArn profile, STS 500 until cleared",
        CHAIN_DOC + "5xx from STS is retried (3 attempts), then reported with the HTTP status "
        "and the chain's source.",
        RAM_ROLE_SETUP + '`{"kind":"status","status":500}` on every STS call; then cleared.',
        sc_chain_ram_role_fault({"kind": "status", "status": 500}, HTTP_STATUS, [r"\b500\b", r"after 3 attempts"],
                                status=500, want={"requests": 3}, recover=True),
    ),
    Fault(
        "chain-ram-role-arn-hang",
        "Chain: RamRoleArn profile, STS hangs",
        CHAIN_DOC + "`fetch_timeout` bounds a whole fetch: a hanging STS is a `Timeout` at "
        "that deadline, naming the chain's source.",
        RAM_ROLE_SETUP + "a 120 s delay before every answer; `read_timeout_ms=60000`, "
        "`fetch_timeout_ms=1500`.",
        sc_chain_ram_role_fault({"kind": "delay", "ms": 120_000}, TIMEOUT, [r"fetch_timeout"],
                                want={"requests": 1}, recover=False,
                                read_timeout_ms=60_000, fetch_timeout_ms=1_500),
    ),
    Fault(
        "chain-ram-role-arn-wrong-secret",
        "Chain: RamRoleArn profile with a wrong secret",
        CHAIN_DOC + "STS refusing the signature is reported with STS's `Code` (HTTP status "
        "error) and the chain's source, never with the secret; a 4xx is not retried.",
        RAM_ROLE_SETUP + "the profile's AccessKeySecret is not the one the mock STS knows: "
        "`400 SignatureDoesNotMatch`.",
        sc_chain_ram_role_fault(None, HTTP_STATUS, [r"SignatureDoesNotMatch", r"\b400\b"], status=400,
                                want={"requests": 1, "signature_refusals": 1}, recover=False,
                                wrong_secret=True),
    ),
    Fault(
        "chain-uri",
        "Chain: credentials URI",
        CHAIN_DOC + f"`{ENV_CREDENTIALS_URI}` (http to loopback, or https) is fetched, cached "
        "and refreshed like the metadata service's credentials.",
        URI_SETUP + "no fault.",
        sc_chain_uri,
    ),
    Fault(
        "chain-uri-500",
        "Chain: credentials URI, HTTP 500 until cleared",
        CHAIN_DOC + "5xx from the credentials server is retried (3 attempts), then reported "
        "with the HTTP status and the chain's source.",
        URI_SETUP + '`{"kind":"status","status":500}` until cleared.',
        sc_chain_uri_fault({"kind": "status", "status": 500}, HTTP_STATUS, [r"\b500\b"], status=500, gets=3),
    ),
    Fault(
        "chain-uri-malformed-json",
        "Chain: credentials URI, malformed JSON",
        CHAIN_DOC + "An answer that is not credentials is an invalid response, never quoting "
        "the body.",
        CHAIN_SETUP + "the `credentials_uri` option = `ecscred mock-uri` (no variable); "
        '`{"kind":"malformed_json"}` until cleared.',
        sc_chain_uri_fault({"kind": "malformed_json"}, INVALID, [r"JSON", r"the credentials_uri option"], gets=1,
                           option=True),
    ),
    Fault(
        "chain-oidc-half",
        "Chain: OIDC half-configured",
        CHAIN_DOC + "OIDC partly configured is an invalid configuration naming the missing "
        "variables, not a reason to try the next source.",
        CHAIN_SETUP + f"only `{ENV_ROLE_ARN}` of the three OIDC variables; a mock metadata "
        f"service as `{ENDPOINT_ENV}`, which must see no request.",
        sc_chain_oidc_half,
    ),
    Fault(
        "chain-malformed-profile",
        "Chain: malformed profile file",
        CHAIN_DOC + "A profile file that does not parse is an invalid configuration naming "
        "the file and the line, never quoting it.",
        CHAIN_SETUP + f"`~/.aliyun/config.json` with a trailing comma after the "
        f"AccessKeySecret (line {BROKEN_LINE}); a mock metadata service as `{ENDPOINT_ENV}`, "
        "which must see no request.",
        sc_chain_bad_profile,
    ),
]


# ---- leak scan -----------------------------------------------------------------------

_SECRET_RUN = re.compile(r"[A-Za-z0-9+/=]{%d,}" % LEAK_WINDOW)


class LeakScanner:
    """Finds any secret, whole or as any LEAK_WINDOW-character piece, in a text."""

    def __init__(self, secrets: Sequence[Tuple[str, str]]):
        self.windows: Dict[str, str] = {}
        for label, value in secrets:
            if len(value) < LEAK_WINDOW:
                continue
            for i in range(len(value) - LEAK_WINDOW + 1):
                self.windows.setdefault(value[i : i + LEAK_WINDOW], label)
        self.short = [(label, v) for label, v in secrets if 0 < len(v) < LEAK_WINDOW]

    def scan(self, text: str) -> List[str]:
        hits: List[str] = []
        for run in _SECRET_RUN.finditer(text):
            s = run.group(0)
            for i in range(len(s) - LEAK_WINDOW + 1):
                label = self.windows.get(s[i : i + LEAK_WINDOW])
                if label and label not in hits:
                    hits.append(label)
        for label, v in self.short:
            if v in text and label not in hits:
                hits.append(label)
        return hits


def leak_scanner_self_test() -> None:
    secret = "Zx8" * 20
    token = "q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9"
    s = LeakScanner([("secret", secret), ("token", token)])
    assert s.scan(f"x {secret} y") == ["secret"], "whole secret not found"
    assert s.scan(f"token={token[5:27]}...") == ["token"], "piece of a token not found"
    assert s.scan("GET http://127.0.0.1:1234/latest/meta-data/ram/security-credentials/EcsRamRoleTest") == []


# ---- running and reporting -----------------------------------------------------------


def run_cell(fault: Fault, surface: str, paths: Paths) -> Cell:
    c = Cell(fault, surface, paths)
    start = time.time()
    try:
        c.text = fault.run(c)
    except CellFailed as e:
        c.fail(str(e))
    except Exception:  # noqa: BLE001 - a bug in a scenario fails its cell, not the run
        c.fail("orchestrator error: " + traceback.format_exc().strip().splitlines()[-1])
        (c.logdir / "orchestrator.traceback").write_text(traceback.format_exc())
    finally:
        try:
            c.close()
        except Exception as e:  # noqa: BLE001
            c.fail(f"cleanup: {e}")
    c.seconds = time.time() - start
    return c


def normalize(message: str) -> str:
    message = re.sub(r"^ecscred: ", "", message)
    message = re.sub(r" \(last attempt failed; next attempt in \d+ ms\)$", "", message)
    message = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", message)
    message = re.sub(r"/\S*/_home/[^/\s]+/", "~/", message)  # a chain cell's own HOME
    message = re.sub(r"RequestId [A-Za-z0-9-]+", "RequestId ID", message)
    message = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", message)
    message = re.sub(r"next attempt in \d+ ms", "next attempt in N ms", message)
    return message


def cell_md(c: Cell) -> str:
    if c.failures:
        return "**FAIL**: " + c.failures[0].replace("|", "\\|")[:200]
    return c.text.replace("|", "\\|")


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} CPUs" + (
        f" ({cpu})" if cpu else ""
    )


def report(
    cells: Dict[Tuple[str, str], Cell], surfaces: Sequence[str], faults: Sequence[Fault], runtime: float, jobs: int
) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Reliability: the fault matrix",
        "",
        "Generated by `make test-faults` (`tests/faults/matrix.py`); do not edit by hand.",
        "",
        "Every fault of the mock metadata service (`ecscred mock-metadata`) against every "
        "surface of ecscred: the Rust crate, the C library, the Python package, the Go "
        "package and the C++ API and SDK adapters, each through a small driver program in "
        "`tests/faults/`. Each cell is a "
        "fresh mock on 127.0.0.1 and a fresh driver process; the cell passes when the "
        "outcome is the documented one (README.md, \"How it behaves\"): the error kind in "
        "the surface's own terms, a message naming the cause and the endpoint, bounded "
        "request counts (`/_mock/counters`), never an expired credential, and recovery once "
        "the fault is cleared. The rows named \"OIDC: …\" do the same for the OIDC source "
        "(RRSA) against the mock STS (`ecscred mock-sts`: `AssumeRoleWithOIDC` over HTTPS "
        "on 127.0.0.1 with its own CA, counted by its `/_mock/counters`), each surface "
        "building its OIDC provider (Rust `SourceKind::Oidc`, C `ecscred_provider_new_oidc`, "
        "Python `OidcRoleArnCredentialsProvider`, also as the SDK surfaces' `provider=`, Go "
        "`NewOIDCProvider`, C++ `Provider::create_oidc`). The rows named \"Chain: …\" drive "
        "the default credential chain (Rust `SourceKind::Chain`, C `ecscred_provider_new_source`, "
        "Python `DefaultCredentialsProvider`, also as the SDK surfaces' `provider=`, Go "
        "`NewDefaultProvider`, C++ `Provider::create_chain`), configured by the driver's "
        "environment only (`ALIBABA_CLOUD_*` variables, `HOME` pointed at a directory of the "
        "cell's with the profile files), against `ecscred mock-sts --access-key` (STS "
        "`AssumeRole` for a `RamRoleArn` profile) and `ecscred mock-uri` (the credentials "
        "URI). Afterwards every AccessKeySecret, "
        "SecurityToken, metadata token and OIDC token the mocks issued or accepted, and every "
        "AccessKeySecret a cell put into the environment or a profile file, is searched (whole, "
        "and as any 16-character piece) in "
        "everything the drivers printed, engine logs at DEBUG included; a hit fails the "
        "cell.",
        "",
        f"Run: {now} on {machine()}; {len(faults)} faults × {len(surfaces)} surfaces = "
        f"{len(cells)} cells in {runtime:.0f} s ({jobs} at a time).",
        "",
        "Counts: PUT = token requests, GET = credential requests, as seen by the mock; "
        "STS calls as seen by the mock STS. "
        "Kinds are named as each surface names them (Rust `ErrorKind`, C `ecscred_status`, "
        "Python exception class, Go `Kind`); the HTTP status after a kind is in the message "
        "(every surface also exposes it on its error, and the matrix checks it there). "
        "\"2nd call from backoff\": a second call made at once got the last error without a "
        "request.",
        "",
        "Messages below are shown with ports, times, STS request ids and the backoff note "
        "(`(last attempt failed; next attempt in N ms)`, present when the error came from "
        "the backoff) "
        "normalized, and without the `ecscred: ` prefix that Go's `Error()` adds.",
        "",
        "How each driver sees the engine: Rust `Provider::credential` / `ecscred::get_credential`, "
        "logs through a `tracing_subscriber::fmt` subscriber at DEBUG (every crate's events); "
        "C `ecscred_provider_get_credential` / `ecscred_get_credential`, logs through "
        "`ecscred_set_log_callback` at `ECSCRED_LOG_DEBUG`; Python "
        "`EcsRamRoleCredentialsProvider.get_credentials` / `ecscred.get_credentials`, logs "
        "through the `ecscred` logger at DEBUG; Go `Provider.Credentials` / `Default(\"\")`, "
        "logs through `ecscred.SetLogger` with a `log/slog` text handler at DEBUG. "
        "tea-openapi and sdk-core: the Python driver getting each credential through one "
        "signed STS GetCallerIdentity call to the local OpenAPI test server "
        "(`tests/openapi_server`), with tea-openapi's generated client over "
        "`ecscred.credential_client` and aliyun-python-sdk-core's `AcsClient` over "
        "`ecscred.sdk_core_credential`: every error must come out of the SDK call as "
        "ecscred's exception class. C++ (`tests/faults/driver.cpp`, built with "
        "`-fno-exceptions`): `ecscred::Provider::try_credential` / `ecscred::try_get_credential` "
        "through `ecscred::CredentialSource`; C++ OSS and C++ OpenAPI: `getCredentials()` of "
        "`ecscred::aliyun_oss::CredentialsProvider` and `ecscred::aliyun_openapi::CredentialsProvider`, "
        "as the SDKs call it before signing, a failure being the empty credentials the SDK gets "
        "plus the adapter's `lastError()`; logs through `ecscred_set_log_callback` at "
        "`ECSCRED_LOG_DEBUG`.",
        "",
        "| fault | " + " | ".join(surfaces) + " |",
        "| --- | " + " | ".join("---" for _ in surfaces) + " |",
    ]
    for f in faults:
        row = [f"[{f.title}](#{f.id})"] + [cell_md(cells[(f.id, s)]) for s in surfaces]
        out.append("| " + " | ".join(row) + " |")
    passed = sum(1 for c in cells.values() if not c.failures)
    out += ["", f"{passed} passed, {len(cells) - passed} failed.", "", "## Faults", ""]
    for f in faults:
        out += [f'<a id="{f.id}"></a>', f"### {f.title}", "", f"- Documented: {f.documented}", f"- Setup: {f.setup}"]
        seen: Dict[str, List[str]] = {}
        for s in surfaces:
            for m in dict.fromkeys(normalize(m) for m in cells[(f.id, s)].messages):
                seen.setdefault(m, []).append(s)
        if seen:
            out.append("- Messages:")
            for m, who in seen.items():
                label = "all" if len(who) == len(surfaces) else ", ".join(who)
                out.append(f"  - {label}: `{m}`")
        fails = [(s, cells[(f.id, s)].failures) for s in surfaces if cells[(f.id, s)].failures]
        for s, why in fails:
            out.append(f"- **{s} failed**: " + "; ".join(why))
        out.append("")
    return "\n".join(out)


def main(argv: Optional[Sequence[str]] = None) -> int:
    here = Path(__file__).resolve().parent
    repo = here.parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR") or str(repo / "target"))
    ap.add_argument("--release-dir", default="",
                    help="holds the ecscred CLI and ecscred-faults-driver (default: TARGET_DIR/release)")
    ap.add_argument("--python", default=str(repo / ".venv" / "bin" / "python"), help="runs driver.py")
    ap.add_argument(
        "--report",
        default=None,
        help="where to write the report ('' for none); default RELIABILITY.md for a full run, "
        "none with --only or --surfaces",
    )
    ap.add_argument("--surfaces", default=",".join(SURFACES))
    ap.add_argument("--only", default="", help="comma-separated fault ids")
    ap.add_argument("--jobs", type=int, default=4, help="cells run at once")
    ap.add_argument("--cpp-bench", default="",
                    help="tests/cpp's cpp_bench: the report then ends with the C++ SDK provider "
                    "comparison (tests/cpp/bench.py --section reliability)")
    args = ap.parse_args(argv)

    target = Path(args.target_dir).resolve()
    release = Path(args.release_dir).resolve() if args.release_dir else target / "release"
    paths = Paths(repo, target, release, args.python, target / "faults" / "logs")
    surfaces = [s for s in args.surfaces.split(",") if s]
    for s in surfaces:
        if s not in SURFACES:
            ap.error(f"unknown surface {s}")
    faults = [f for f in FAULTS if not args.only or f.id in args.only.split(",")]
    unknown = set(args.only.split(",")) - {f.id for f in FAULTS} - {""}
    if unknown:
        ap.error("unknown fault(s) " + ", ".join(sorted(unknown)))
    if args.report is None:
        full = len(faults) == len(FAULTS) and list(surfaces) == list(SURFACES)
        args.report = str(repo / "RELIABILITY.md") if full else ""
    # The driver program: the executable, or the script after the interpreter.
    programs = [Path(cmd[1] if len(cmd) > 1 and not cmd[1].startswith("--") else cmd[0])
                for cmd in map(paths.driver, surfaces)]
    missing = [p for p in [paths.ecscred] + programs if not p.exists()]
    if missing:
        print("missing (build them with make test-faults): " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    leak_scanner_self_test()
    # A SIGTERM (make interrupted) exits through atexit, which stops what is still running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started = time.time()
    jobs = [(f, s) for f in sorted(faults, key=lambda f: not f.long) for s in surfaces]
    cells: Dict[Tuple[str, str], Cell] = {}
    lock = threading.Lock()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_cell, f, s, paths): (f, s) for f, s in jobs}
        for fut in concurrent.futures.as_completed(futures):
            c = fut.result()
            cells[(c.fault.id, c.surface)] = c
            with lock:
                state = "ok  " if not c.failures else "FAIL"
                print(f"{state} {c.fault.id:<26} {c.surface:<7} {c.seconds:5.1f}s  {c.text}", flush=True)

    # Leak scan: every secret of every mock and every secret a cell configured (profile
    # files, environment), in everything every driver printed.
    secrets = [s for c in cells.values() for m in [*c.mocks, *c.sts_mocks] for s in m.secrets]
    secrets += [s for c in cells.values() for s in c.secrets]
    scanner = LeakScanner(secrets)
    scanned = 0
    for c in cells.values():
        for name in ("driver.transcript", "driver.stderr"):
            path = c.logdir / name
            if not path.exists():
                continue
            scanned += 1
            for label in scanner.scan(path.read_text(errors="replace")):
                c.fail(f"leak: the {label} appears in the {c.surface} driver's {name.split('.')[1]}")
    print(f"leak scan: {len(secrets)} secrets searched in {scanned} captured outputs")

    runtime = time.time() - started
    failed = [c for c in cells.values() if c.failures]
    if args.report:
        text = report(cells, surfaces, faults, runtime, max(1, args.jobs))
        if args.cpp_bench:
            print("C++ SDK providers: tests/cpp/bench.py --section reliability", flush=True)
            text += "\n" + subprocess.run(
                [sys.executable, str(repo / "tests" / "cpp" / "bench.py"), "--bin", args.cpp_bench,
                 "--ecscred", str(paths.ecscred), "--section", "reliability"],
                check=True, stdout=subprocess.PIPE, text=True).stdout.rstrip() + "\n"
        hits = scanner.scan(text)
        if hits:
            print(f"FAIL the report would contain {len(hits)} secret(s); not written", file=sys.stderr)
            return 1
        Path(args.report).write_text(text + "\n")
        print(f"wrote {args.report}")
    for c in sorted(failed, key=lambda c: (c.fault.id, c.surface)):
        print(f"FAIL {c.fault.id} / {c.surface} (logs: {c.logdir}):")
        for why in c.failures:
            print(f"    {why}")
    print(f"{len(cells) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
