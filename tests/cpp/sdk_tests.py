"""The C++ SDK tests: runs the programs of tests/cpp (and the tutorial of examples/cpp)
against the mock metadata service and the repository's OSS and OpenAPI test servers, and
checks both what each program reports and what the servers recorded.

    python3 tests/cpp/sdk_tests.py --ecscred target/release/ecscred --build DIR --tutorial EXE

Each case gets a fresh mock (``ecscred mock-metadata --port 0``, a process of its own), for
the OIDC cases a mock STS beside it (``ecscred mock-sts``, HTTPS with its own CA), and
fresh test servers (in this process, on 127.0.0.1; they verify every signature against the
credentials the mock issued and keep a record of every request). A case passes when the
program exits as expected, prints ``N passed, 0 failed`` (tests/c/check.h) or the expected
listing, no secret the mock handed out appears in its output, and the servers' records
say what the case expects (every request verified, signed by the credentials the mock
issued, ...). Prints one line per check and last ``N passed, M failed``; exit status 1 on
any failure. Stdlib only (the test servers are stdlib only too).
"""

import argparse
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.request
from typing import Any, Callable, Dict, List, Optional

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from tests.openapi_server.server import OpenApiTestServer  # noqa: E402
from tests.oss_server.server import OssTestServer  # noqa: E402

ROLE = "EcsRamRoleTest"
# The long-term AccessKeys of the chain cases: the environment's and a config.json profile's
# ("cpp-ak"); the test servers accept both (without any token). Fresh secrets per run.
ENV_KEY_ID = "LTAI5tCppChainEnvKey"
PROFILE_KEY_ID = "LTAI5tCppChainProfileKey"
# The longest a program may run: a hang is a failure, not a stuck CI job.
PROGRAM_TIMEOUT = 300


def closed_port_url() -> str:
    """A loopback URL on which nothing listens (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


class Mock:
    """``ecscred mock-metadata`` in a process of its own, stopped by :meth:`stop`."""

    def __init__(self, ecscred: str, args: List[str]) -> None:
        self.proc = subprocess.Popen([ecscred, "mock-metadata", "--port", "0", "--role", ROLE, *args],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"the mock did not start: {self.url!r}")

    def get(self, path: str) -> Any:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(self.url + path, timeout=10) as resp:
            return json.loads(resp.read())

    def issued_ids(self) -> List[str]:
        return [c["access_key_id"] for c in self.get("/_mock/credentials")]

    def secrets(self) -> List[str]:
        out = []
        for c in self.get("/_mock/credentials"):
            out += [c["access_key_secret"], c["security_token"]]
        return out + [t for t in self.get("/_mock/tokens") if t]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Sts:
    """``ecscred mock-sts`` in a process of its own (HTTPS, its CA written to a file),
    accepting the OIDC token it writes to a token file; stopped by :meth:`stop`."""

    def __init__(self, ecscred: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="ecscred-cpp-sts-")
        self.token_file = os.path.join(self.dir, "token")
        self.ca_file = os.path.join(self.dir, "ca.pem")
        self.token = "eyJhbGciOiJSUzI1NiJ9.cpp-sdk-tests." + os.urandom(12).hex()
        with open(self.token_file, "w") as f:
            f.write(self.token + "\n")
        self.proc = subprocess.Popen([ecscred, "mock-sts", "--port", "0", "--token-file",
                                      self.token_file, "--ca-file", self.ca_file],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("https://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"the mock STS did not start: {self.url!r}")

    def issued(self) -> List[Dict[str, Any]]:
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=self.ca_file)))
        with opener.open(self.url + "/_mock/credentials", timeout=10) as resp:
            return json.loads(resp.read())

    def secrets(self) -> List[str]:
        out = [self.token]
        for c in self.issued():
            out += [c["access_key_secret"], c["security_token"]]
        return out

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


class Run:
    """What one case saw: the program's output and exit status, the servers' records."""

    def __init__(self, mock: Mock, sts: Optional[Sts], output: str, status: int,
                 oss: List[Dict[str, Any]], openapi: List[Dict[str, Any]]) -> None:
        self.mock, self.sts, self.output, self.status = mock, sts, output, status
        self.oss, self.openapi = oss, openapi

    def issued_ids(self) -> List[str]:
        """Every AccessKeyId the mock metadata service and the mock STS (if any) issued."""
        sts = [c["access_key_id"] for c in self.sts.issued()] if self.sts else []
        return self.mock.issued_ids() + sts


Check = Callable[[Run], Optional[str]]  # None: passed; else what is wrong


def suite_passed(run: Run) -> Optional[str]:
    m = re.findall(r"^(\d+) passed, (\d+) failed$", run.output, re.M)
    if run.status != 0 or not m or m[-1][1] != "0" or m[-1][0] == "0":
        return f"exit status {run.status}, summary {m[-1] if m else None}"
    return None


def listed_tutorial_keys(run: Run) -> Optional[str]:
    if run.status != 0 or run.output.split() != ["ramroletest.txt", "test.sh"]:
        return f"exit status {run.status}, output {run.output!r}"
    return None


def tutorial_fails_cleanly(run: Run) -> Optional[str]:
    """Exit status 1 (no crash), with ecscred's cause on stderr."""
    if run.status != 1 or "ecscred: unreachable: " not in run.output:
        return f"exit status {run.status}, output {run.output!r}"
    return None


def all_verified(records_of: str, scheme: Optional[str] = None, at_least: int = 1) -> Check:
    """Every request the server got was verified (200) and signed by a credential the mocks
    issued (with ``scheme``, if given)."""

    def check(run: Run) -> Optional[str]:
        records = getattr(run, records_of)
        issued = set(run.issued_ids())
        bad = [r for r in records if r["status"] != 200 or r["access_key_id"] not in issued
               or (scheme and r["scheme"] != scheme)]
        if len(records) < at_least:
            return f"{len(records)} requests at the {records_of} server, want >= {at_least}"
        if bad:
            return f"{len(bad)} of {len(records)} requests not verified, e.g. {bad[0]}"
        return None

    check.__name__ = f"every {records_of} request verified" + (f" ({scheme})" if scheme else "")
    return check


def schemes_used(records_of: str, schemes: List[str]) -> Check:
    def check(run: Run) -> Optional[str]:
        used = {r["scheme"] for r in getattr(run, records_of)}
        return None if set(schemes) <= used else f"schemes used {sorted(used)}, want {schemes}"

    check.__name__ = f"{records_of} requests signed with {', '.join(schemes)}"
    return check


def rotated(records_of: str) -> Check:
    """Requests were signed with the first and with a later credential, the last ones all
    with the newest credential used."""

    def check(run: Run) -> Optional[str]:
        records = [r for r in getattr(run, records_of) if r["access_key_id"]]
        issued = run.mock.issued_ids()
        used = [r["access_key_id"] for r in records]
        if len(issued) < 2 or issued[0] not in used or not set(issued[1:]) & set(used):
            return f"mock issued {len(issued)}, requests used {len(set(used))} credentials"
        newest = max(used, key=issued.index)
        if used[-8:] != [newest] * 8:
            return "the last 8 requests were not all signed with the newest credential"
        return None

    check.__name__ = f"{records_of} requests moved to the rotated credential"
    return check


def none_verified(records_of: str) -> Check:
    """The server got the requests and refused every one (nothing signed with a key)."""

    def check(run: Run) -> Optional[str]:
        records = getattr(run, records_of)
        ok = [r for r in records if r["status"] == 200 or r["access_key_id"]]
        if not records:
            return f"no request reached the {records_of} server"
        return f"{len(ok)} requests were signed with a key: {ok[0]}" if ok else None

    check.__name__ = f"every {records_of} request refused, none signed with a key"
    return check


def from_sts(records_of: str) -> Check:
    """Every request was signed with a credential of the mock STS, none of the metadata
    service, which nobody asked."""

    def check(run: Run) -> Optional[str]:
        sts = {c["access_key_id"] for c in run.sts.issued()} if run.sts else set()
        other = [r for r in getattr(run, records_of) if r["access_key_id"] not in sts]
        asked = run.mock.get("/_mock/counters")["requests"]
        if other or asked:
            return f"{len(other)} requests not signed by the mock STS's credentials, " \
                   f"{asked} metadata requests"
        return None

    check.__name__ = f"every {records_of} request signed by the mock STS's credentials"
    return check


def static_keys_only(records_of: str, empty_token_schemes: List[str]) -> Check:
    """Every request was verified (200) and signed by one of the case's long-term keys,
    without any security token, except in the ``empty_token_schemes``, where the server
    (``empty_rpc_token``) accepted an empty one and refused any other."""

    def check(run: Run) -> Optional[str]:
        records = getattr(run, records_of)
        bad = [r for r in records if r["status"] != 200
               or r["access_key_id"] not in (ENV_KEY_ID, PROFILE_KEY_ID)
               or (r["security_token"] and r["scheme"] not in empty_token_schemes)]
        used = {r["access_key_id"] for r in records}
        if bad:
            return f"{len(bad)} of {len(records)} requests wrong, e.g. {bad[0]}"
        if used != {ENV_KEY_ID, PROFILE_KEY_ID}:
            return f"keys used: {sorted(used)}"
        return None

    check.__name__ = f"every {records_of} request signed by a long-term key, no token" + \
        (f" (empty in {', '.join(empty_token_schemes)})" if empty_token_schemes else "")
    return check


class Case:
    def __init__(self, name: str, argv: List[str], checks: List[Check],
                 mock_args: Optional[List[str]] = None, outage: bool = False,
                 sts: bool = False, static: bool = False) -> None:
        self.name, self.argv, self.checks = name, argv, checks
        self.mock_args, self.outage, self.sts = mock_args or [], outage, sts
        # Long-term AccessKeys in the environment and in a config.json (HOME: a temporary
        # directory), known to the test servers.
        self.static = static


def run_case(case: Case, ecscred: str, results: List[bool]) -> None:
    def report(ok: bool, what: str, detail: Optional[str] = None) -> None:
        results.append(ok)
        print(f"{'ok' if ok else 'FAIL'} - {case.name}: {what}" + (f": {detail}" if detail else ""),
              flush=True)

    mock = Mock(ecscred, case.mock_args)
    sts = Sts(ecscred) if case.sts else None
    trust: Dict[str, Any] = dict(sts_url=sts.url, sts_cafile=sts.ca_file) if sts else {}
    home = tempfile.mkdtemp(prefix="ecscred-cpp-home-")
    static_env: Dict[str, str] = {}
    static_secrets: List[str] = []
    if case.static:
        env_secret, profile_secret = os.urandom(15).hex(), os.urandom(15).hex()
        static_secrets = [env_secret, profile_secret]
        trust["keys"] = {ENV_KEY_ID: env_secret, PROFILE_KEY_ID: profile_secret}
        config = os.path.join(home, "config.json")
        with open(config, "w") as f:
            json.dump({"current": "cpp-ak", "profiles": [
                {"name": "cpp-ak", "mode": "AK", "access_key_id": PROFILE_KEY_ID,
                 "access_key_secret": profile_secret}]}, f)
        static_env = dict(ALIBABA_CLOUD_ACCESS_KEY_ID=ENV_KEY_ID,
                          ALIBABA_CLOUD_ACCESS_KEY_SECRET=env_secret,
                          ECSCRED_TEST_CONFIG_FILE=config)
    oss = OssTestServer(mock.url, **trust)
    openapi = OpenApiTestServer(mock.url, empty_rpc_token=case.static, **trust)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}
        # Never the machine's own ~/.aliyun or ~/.alibabacloud.
        env.update(static_env, HOME=home)
        env.update(ECSCRED_TEST_MOCK_URL=mock.url, ECSCRED_TEST_OSS_URL=oss.url,
                   ECSCRED_TEST_OPENAPI_ENDPOINT=openapi.endpoint,
                   ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=(
                       closed_port_url() if case.outage else mock.url))
        if sts:
            env.update(ECSCRED_TEST_STS_URL=sts.url, ECSCRED_TEST_STS_CA_FILE=sts.ca_file,
                       ECSCRED_TEST_OIDC_TOKEN_FILE=sts.token_file)
        argv = [a.replace("{oss}", oss.url) for a in case.argv]
        try:
            proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=PROGRAM_TIMEOUT)
            output, status = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as e:
            output = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            status = -1
            output += f"\n(killed after {PROGRAM_TIMEOUT} s)"
        run = Run(mock, sts, output, status, oss.requests, openapi.requests)
        failed_before = results.count(False)
        for check in case.checks:
            detail = check(run)
            report(detail is None, check.__name__.replace("_", " "), detail)
        secrets = mock.secrets() + (sts.secrets() if sts else []) + static_secrets
        leaked = [s for s in secrets if s and s in output]
        report(not leaked, "no secret in the output", f"{len(leaked)} secrets" if leaked else None)
        if results.count(False) > failed_before:
            print("    its output:\n" + "\n".join("    " + line for line in output.splitlines()))
    finally:
        oss.stop()
        openapi.stop()
        mock.stop()
        if sts:
            sts.stop()
        shutil.rmtree(home, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ecscred", required=True, help="the ecscred command (for its mock)")
    parser.add_argument("--build", required=True, help="where test_oss and test_openapi are")
    parser.add_argument("--tutorial", required=True, help="examples/cpp's ecscred_tutorial")
    args = parser.parse_args()
    test_oss = os.path.join(args.build, "test_oss")
    test_openapi = os.path.join(args.build, "test_openapi")
    lifetime = ["--lifetime", "12"]  # the mock rotates 1 s before expiry, ecscred follows
    cases = [
        Case("tutorial (OSS V1)", [args.tutorial, "{oss}"],
             [listed_tutorial_keys, all_verified("oss", "v1")]),
        Case("tutorial (OSS V4)", [args.tutorial, "--v4", "{oss}"],
             [listed_tutorial_keys, all_verified("oss", "v4")]),
        Case("tutorial without a metadata service", [args.tutorial, "{oss}"],
             [tutorial_fails_cleanly, none_verified("oss")], outage=True),
        Case("OSS one-line wiring", [test_oss, "one-line"],
             [suite_passed, all_verified("oss", at_least=43), schemes_used("oss", ["v1", "v4"])]),
        Case("OSS 8 threads across a rotation", [test_oss, "threads"],
             [suite_passed, all_verified("oss", "v4"), rotated("oss")], mock_args=lifetime),
        Case("OSS without a metadata service", [test_oss, "outage"],
             [suite_passed, none_verified("oss")], outage=True),
        Case("OSS over an OIDC provider (mock STS)", [test_oss, "oidc"],
             [suite_passed, all_verified("oss", at_least=4), schemes_used("oss", ["v1", "v4"]),
              from_sts("oss")], sts=True),
        Case("OSS over default-chain providers with long-term keys", [test_oss, "chain"],
             [suite_passed, static_keys_only("oss", []), schemes_used("oss", ["v1", "v4"])],
             static=True),
        Case("OpenAPI one-line wiring", [test_openapi, "one-line"],
             [suite_passed, all_verified("openapi", at_least=43),
              schemes_used("openapi", ["rpc", "roa"])]),
        Case("OpenAPI 8 threads across a rotation", [test_openapi, "threads"],
             [suite_passed, all_verified("openapi"), rotated("openapi")], mock_args=lifetime),
        Case("OpenAPI without a metadata service", [test_openapi, "outage"],
             [suite_passed, none_verified("openapi")], outage=True),
        # This SDK writes an empty SecurityToken parameter into every RPC request signed
        # with an AccessKey (its own too); ROA requests carry no token at all.
        Case("OpenAPI over default-chain providers with long-term keys", [test_openapi, "chain"],
             [suite_passed, static_keys_only("openapi", ["rpc"]),
              schemes_used("openapi", ["rpc", "roa"])], static=True),
    ]
    results: List[bool] = []
    for case in cases:
        run_case(case, args.ecscred, results)
    print(f"{results.count(True)} passed, {results.count(False)} failed")
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
