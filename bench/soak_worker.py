"""The Python half of `make soak` (driven by bench/soak.py): THREADS threads get credentials
for SECONDS, half through ``ecscred.get_credentials()`` (the process-wide provider, role
discovered, endpoint from the environment) and half through an
``ecscred.EcsRamRoleCredentialsProvider(role, endpoint=url)``; and every FORK_MS the
process forks a child that gets one credential, checks it, reports and exits.

    soak_worker.py URL ROLE THREADS SECONDS FORK_MS LOG_FILE EVENTS_FILE

Same checks and outputs as bench/c/soak.c: torn / expired against the mock's
``/_mock/credentials``; the ``ecscred`` logger at DEBUG into LOG_FILE; events as JSON lines
in EVENTS_FILE; a summary JSON object on stdout. Secrets are never written (only ids).
"""

import guard  # noqa: F401  (first: refuses non-loopback connects)

import json
import logging
import os
import re
import select
import signal
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Set, Tuple

import ecscred
import ecscred.testing

from benchlib import admin, check_loopback

Triple = Tuple[str, str, str]
DIGITS = re.compile(r"[0-9]+")


def _utc(text: str) -> int:
    import calendar
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


class Checker:
    """The mock's issued credentials, refetched when an unknown snapshot shows up."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.lock = threading.Lock()
        self.known: Dict[Triple, int] = {}

    def expiration(self, t: Triple, locked: bool = False) -> Optional[int]:
        if not locked:
            self.lock.acquire()
        try:
            exp = self.known.get(t)
            if exp is None:
                for c in admin(self.url, "GET", "/_mock/credentials"):
                    self.known[(c["access_key_id"], c["access_key_secret"],
                                c["security_token"])] = _utc(c["expiration"])
                exp = self.known.get(t)
            return exp
        finally:
            if not locked:
                self.lock.release()


class Events:
    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def emit(self, **fields: Any) -> None:
        os.write(self.fd, (json.dumps(dict(src="py", **fields)) + "\n").encode())


def kind_of(e: BaseException) -> str:
    kind = getattr(e, "kind", None)
    if kind is not None:
        return kind.name.lower().replace("_", " ")
    return type(e).__name__


def main() -> int:
    url, role, n_threads, seconds, fork_ms, log_file, events_file = sys.argv[1:8]
    check_loopback(url)
    n_threads, seconds, fork_ms = int(n_threads), float(seconds), int(fork_ms)
    events = Events(events_file)
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logging.Formatter("%(created).6f %(process)d %(levelname)s %(message)s"))
    logger = logging.getLogger("ecscred")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    checker = Checker(url)
    explicit = ecscred.EcsRamRoleCredentialsProvider(role, endpoint=url)
    stop = threading.Event()
    stats = {"calls": 0, "ok": 0, "errors": 0, "expired": 0, "torn": 0}
    stats_lock = threading.Lock()
    ids: Set[str] = set()
    max_past = [0.0]
    # The newest expiry of a good credential any thread got (a forked child inherits it).
    latest_good_exp = [0]

    def get(shared: bool) -> Any:
        return ecscred.get_credentials() if shared else explicit.get_credentials()

    def check(c: Any, now: float, last: Dict[str, Any], locked: bool = False) -> str:
        t = (c.get_access_key_id(), c.get_access_key_secret(), c.get_security_token())
        if t != last.get("t"):
            last["t"] = t
            last["exp"] = checker.expiration(t, locked)
            if not locked:
                ids.add(t[0])
        if last["exp"] is None:
            events.emit(type="torn", pid=os.getpid(), t=now, id=t[0])
            return "torn"
        if now >= last["exp"]:
            max_past[0] = max(max_past[0], now - last["exp"])
            events.emit(type="expired", pid=os.getpid(), t=now, exp=last["exp"], id=t[0])
            return "expired"
        return "ok"

    def caller(i: int) -> None:
        shared = i % 2 == 0
        last: Dict[str, Any] = {}
        counts = {"calls": 0, "ok": 0, "errors": 0, "expired": 0, "torn": 0}
        run: Dict[str, Any] = {}
        last_text = ""
        last_good_exp = 0

        def flush() -> None:
            if run.get("count"):
                events.emit(type="error", thread=i, **run)
                run.clear()

        while not stop.is_set():
            try:
                c = get(shared)
                err = None
            except ecscred.CredentialError as e:
                c, err = None, e
            now = time.time()
            counts["calls"] += 1
            if c is not None:
                verdict = check(c, now, last)
                counts[verdict] += 1
                if verdict == "ok":
                    last_good_exp = last["exp"]
                    if last_good_exp > latest_good_exp[0]:
                        latest_good_exp[0] = last_good_exp
            else:
                counts["errors"] += 1
                kind, sec = kind_of(err), int(now)
                if run.get("count") and (run["kind"], run["sec"], run["last_good_exp"]) != \
                        (kind, sec, last_good_exp):
                    flush()
                text = str(err)
                if DIGITS.sub("", text) != DIGITS.sub("", last_text):
                    last_text = text
                    events.emit(type="error_text", kind=kind, t=now, text=text)
                run.update(kind=kind, sec=sec, last_good_exp=last_good_exp,
                           count=run.get("count", 0) + 1)
            time.sleep(0.001)
        flush()
        with stats_lock:
            for k, v in counts.items():
                stats[k] += v

    children = {"forks": 0, "children_ok": 0, "children_failed": 0, "children_hung": 0,
                "children_crashed": 0}

    def child(fd: int, n: int) -> None:
        shared = n % 2 == 0
        code = 0
        try:
            try:
                c = get(shared)
                now = time.time()
                last: Dict[str, Any] = {}
                verdict = check(c, now, last, locked=True)
                out = dict(type="child", src="py", pid=os.getpid(), t=now, shared=int(shared),
                           ok=verdict == "ok", verdict=verdict, id=last["t"][0])
            except ecscred.CredentialError as e:
                out = dict(type="child", src="py", pid=os.getpid(), t=time.time(),
                           shared=int(shared), ok=False, verdict="error", kind=kind_of(e),
                           text=str(e), last_good_exp=latest_good_exp[0])
            os.write(fd, (json.dumps(out) + "\n").encode())
        except BaseException:
            code = 3
        os._exit(code)

    def forker() -> None:
        n = 0
        while not stop.wait(fork_ms / 1000):
            r, w = os.pipe()
            with checker.lock:  # consistent in the child, which keeps it
                pid = os.fork()
                if pid == 0:
                    os.close(r)
                    child(w, n)
            os.close(w)
            n += 1
            children["forks"] += 1
            deadline = time.monotonic() + 20
            data = b""
            hung = False
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    hung = True
                    break
                ready, _, _ = select.select([r], [], [], left)
                if not ready:
                    continue
                chunk = os.read(r, 4096)
                if not chunk:
                    break
                data += chunk
            os.close(r)
            if hung:
                os.kill(pid, signal.SIGKILL)
                children["children_hung"] += 1
                events.emit(type="child", pid=pid, t=time.time(), ok=False, verdict="hung")
            _, status = os.waitpid(pid, 0)
            if hung:
                continue
            if not data or os.WEXITSTATUS(status) != 0 or not os.WIFEXITED(status):
                children["children_crashed"] += 1
                events.emit(type="child", pid=pid, t=time.time(), ok=False, verdict="crashed",
                            status=status)
                continue
            result = json.loads(data.decode())
            children["children_ok" if result["ok"] else "children_failed"] += 1
            if result.get("id"):
                ids.add(result["id"])
            os.write(events.fd, data)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(n_threads)]
    threads.append(threading.Thread(target=forker))
    end = time.monotonic() + seconds
    for t in threads:
        t.start()
    while time.monotonic() < end:
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join()
    ecscred.testing.flush_logs()
    handler.flush()
    print(json.dumps(dict(src="py", threads=n_threads, **stats,
                          max_past_expiry_ms=max_past[0] * 1000, **children, ids=sorted(ids),
                          refused_connects=len(guard.REFUSED))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
