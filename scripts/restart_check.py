"""``make restart-check``: stop ``make run`` in every way, and check that the next start works.

Run from the checkout (``.venv/bin/python scripts/restart_check.py``; a few minutes). It
starts ``make run`` in the background on a free port, in its own process group as a
terminal would, waits until it serves, and stops it in turn by

1. Ctrl-C: SIGINT to the process group;
2. SIGTERM to make alone (a process manager);
3. SIGHUP to the process group (the terminal is closed);
4. SIGKILL of make alone, of scripts/serve.py alone, of the runserver process serving;
5. SIGKILL of the whole process group (make, scripts/serve.py, runserver);
6. a crash and a reboot: SIGKILL of PostgreSQL while serving, ``.handle_pids.json``
   emptied (a kill in the middle of its rewrite), SIGKILL of the process group, and
   ``postmaster.pid`` made to name a live process that is not PostgreSQL (a reused pid).

After each start it checks that ``/api/schema/`` answers, that the admin token works on
the API and that it is the token of the first start (tokens survive a restart); after each
stop, that nothing of this checkout is left running: no make, serve.py or runserver, no
PostgreSQL of ``.data/pg``, no janitor. At the end a start serves while a small pytest
runs against the same server (as ``make test`` does) and still serves after it, is stopped
with Ctrl-C, and ``manage.py migrate --check`` connects to the database from scratch.

Every wait is bounded; whatever it started is killed on the way out, and the output of
each ``make run`` is removed, or kept and named when a check failed. It refuses to run
while something else uses this checkout's embedded PostgreSQL (a ``make run`` or ``make
test``), since that would keep the server running. Exit status 0 when every check passed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from config.embedded_db import EmbeddedPostgres  # noqa: E402

DATA_DIR = BASE_DIR / ".data"
PY = str(BASE_DIR / ".venv" / "bin" / "python")
UP_TIMEOUT = 240.0  # the first start may create the database and migrate
STOP_TIMEOUT = 45.0
LEFTOVER_TIMEOUT = 15.0  # the janitor looks once a second
SMALL_TEST = (
    "tests/scheduling/test_seed_demo.py"
    "::test_tokens_work_and_the_limited_one_sees_only_the_first_location"
)


class CheckFailed(Exception):
    pass


def say(text: str) -> None:
    print(text, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def http_get(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def leftovers() -> list[str]:
    """What of this checkout still runs: make run, serve.py, runserver, PostgreSQL, janitor."""
    pgdata, found = str(DATA_DIR / "pg"), []
    for proc in psutil.process_iter(["pid", "name", "cmdline", "status"]):
        try:
            if proc.info["status"] == psutil.STATUS_ZOMBIE or proc.pid == os.getpid():
                continue
            cmdline = " ".join(proc.info["cmdline"] or [])
            if proc.info["name"] == "postgres":
                if proc.cwd() == pgdata or pgdata in cmdline:
                    found.append(f"postgres {proc.pid} ({cmdline[:60]})")
            elif "janitor" in cmdline and str(DATA_DIR) in cmdline:
                found.append(f"janitor {proc.pid}")
            elif (
                "runserver" in cmdline
                or "scripts/serve.py" in cmdline
                or (proc.info["name"] == "make" and " run" in cmdline)
            ) and proc.cwd() == str(BASE_DIR):
                found.append(f"{cmdline[:60]} ({proc.pid})")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


class MakeRun:
    """``make run`` in its own process group (as a terminal's foreground job), on a free port."""

    def __init__(self, log_dir: Path, name: str):
        self.port = free_port()
        self.log = log_dir / f"{name}.log"
        self._log = open(self.log, "wb")  # noqa: SIM115 (closed in stop/kill)
        self.proc = subprocess.Popen(
            ["make", "run", f"PORT={self.port}"],
            cwd=BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pgid = self.proc.pid

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_up(self) -> float:
        started = time.monotonic()
        ok = wait_for(
            lambda: self.proc.poll() is not None or http_get(self.url("/api/schema/")) == 200,
            UP_TIMEOUT,
            0.5,
        )
        if self.proc.poll() is not None or not ok:
            raise CheckFailed(f"make run did not come up:\n{self.tail()}")
        return time.monotonic() - started

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, sig)

    def wait_exit(self) -> float:
        started = time.monotonic()
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise CheckFailed(f"make run still running {STOP_TIMEOUT:.0f} s later") from exc
        finally:
            self._log.close()
        return time.monotonic() - started

    def tail(self, lines: int = 25) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join("    | " + line for line in text[-lines:])


def demo_tokens() -> dict:
    return json.loads((DATA_DIR / "demo.json").read_text())


def check_serving(run: MakeRun, first: dict | None) -> dict:
    demo = demo_tokens()
    if demo["token"] not in run.log.read_text(errors="replace"):
        raise CheckFailed("make run did not print the token of .data/demo.json")
    status = http_get(run.url(f"/api/v1/{demo['org_id']}/locations"), demo["token"])
    if status != 200:
        raise CheckFailed(f"the admin token got {status} from the API")
    if first is not None and (demo["token"], demo["limited_token"]) != (
        first["token"],
        first["limited_token"],
    ):
        raise CheckFailed("the tokens changed across a restart")
    return demo


def check_nothing_left(what: str) -> None:
    if not wait_for(lambda: not leftovers(), LEFTOVER_TIMEOUT):
        raise CheckFailed(f"still running after {what}: {', '.join(leftovers())}")


def round_(log_dir: Path, number: int, how: str, first: dict | None, stop) -> dict:
    run = MakeRun(log_dir, f"round{number}")
    try:
        up = run.wait_up()
        demo = check_serving(run, first)
        kept = "first start" if first is None else "same tokens as the first start"
        stop(run)
        started = time.monotonic()
        run.wait_exit()
        check_nothing_left(how)
        took = time.monotonic() - started
    except BaseException as exc:  # a failed check, or Ctrl-C: kill what this round started
        run.signal_group(signal.SIGKILL)
        if isinstance(exc, CheckFailed):
            raise CheckFailed(f"{how}: {exc}\n  make run's output:\n{run.tail()}") from exc
        raise
    say(
        f"ok  {number}. {how}: served in {up:.1f} s, /api/schema/ 200, token works ({kept}); "
        f"make exited with {run.proc.returncode}; nothing left {took:.1f} s later"
    )
    return demo


def crash_and_reboot(server: EmbeddedPostgres, reused_pid: int):
    def stop(run: MakeRun) -> None:
        postmaster = server.postmaster()
        if postmaster is None:
            raise CheckFailed("no PostgreSQL to kill")
        postmaster.kill()
        (DATA_DIR / "pg" / ".handle_pids.json").write_text("")
        run.signal_group(signal.SIGKILL)
        run.wait_exit()
        check_nothing_left("the crash")
        pidfile = DATA_DIR / "pg" / "postmaster.pid"
        if not pidfile.exists():
            raise CheckFailed("the killed PostgreSQL left no postmaster.pid")
        lines = pidfile.read_text().split("\n")
        pidfile.write_text("\n".join([str(reused_pid), *lines[1:]]))

    return stop


def kill_under_make(pattern: str, served_by_reloader: bool = False):
    """SIGKILL one process that make run started, the first matching ``pattern`` (with
    ``served_by_reloader``: whose parent matches too, i.e. runserver's reloaded server)."""

    def stop(run: MakeRun) -> None:
        for proc in psutil.Process(run.proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if pattern in " ".join(proc.cmdline()) and (
                    not served_by_reloader or pattern in " ".join(proc.parent().cmdline())
                ):
                    proc.kill()
                    return
        raise CheckFailed(f"no process {pattern!r} under make run")

    return stop


def test_while_serving(run: MakeRun) -> None:
    test = subprocess.run(
        [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", SMALL_TEST],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if test.returncode != 0:
        raise CheckFailed(f"pytest while make run serves failed:\n{test.stdout[-2000:]}")
    say(f"    pytest while make run serves: {test.stdout.strip().splitlines()[-1]}")
    check_serving(run, demo_tokens())
    say("    make run still serves after pytest exited (they share the server)")
    run.signal_group(signal.SIGINT)


def main() -> int:
    server = EmbeddedPostgres(DATA_DIR)
    if server.live_users() or server.postmaster() is not None or leftovers():
        in_use = ", ".join(leftovers()) or f"pids {server.live_users()}"
        say(f"restart-check: this checkout's make run or PostgreSQL is in use ({in_use}).")
        return 2
    log_dir = Path(tempfile.mkdtemp(prefix="restart-check-"))
    say(f"restart-check in {BASE_DIR}")
    sleeper = subprocess.Popen(["sleep", "900"], start_new_session=True)  # holds a "reused" pid
    rounds = [
        ("Ctrl-C (SIGINT to the process group)", lambda run: run.signal_group(signal.SIGINT)),
        ("SIGTERM to make alone", lambda run: run.proc.send_signal(signal.SIGTERM)),
        (
            "SIGHUP to the process group (closed terminal)",
            lambda run: run.signal_group(signal.SIGHUP),
        ),
        ("SIGKILL of make alone", lambda run: run.proc.send_signal(signal.SIGKILL)),
        ("SIGKILL of scripts/serve.py alone", kill_under_make("scripts/serve.py")),
        ("SIGKILL of the runserver process serving", kill_under_make("runserver", True)),
        ("SIGKILL of the whole process group", lambda run: run.signal_group(signal.SIGKILL)),
        (
            "crash and reboot: SIGKILL of PostgreSQL, .handle_pids.json emptied, SIGKILL of "
            "the group, postmaster.pid naming a live process that is not PostgreSQL",
            crash_and_reboot(server, sleeper.pid),
        ),
        ("pytest while make run serves, then Ctrl-C", test_while_serving),
    ]
    try:
        first = None
        for number, (how, stop) in enumerate(rounds, start=1):
            demo = round_(log_dir, number, how, first, stop)
            first = first or demo
        if sleeper.poll() is not None:
            raise CheckFailed("the process holding the reused pid was killed")
        check = subprocess.run(
            [PY, "manage.py", "migrate", "--check"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check.returncode != 0:
            raise CheckFailed(f"manage.py migrate --check failed:\n{check.stdout}{check.stderr}")
        check_nothing_left("manage.py migrate --check")
        say(
            f"ok  {len(rounds) + 1}. manage.py migrate --check connects from scratch (exit 0); "
            "nothing left after it"
        )
    except CheckFailed as exc:
        say(f"FAILED {exc}\nThe output of each make run is kept in {log_dir}.")
        return 1
    finally:
        sleeper.kill()
        sleeper.wait()
        wait_for(lambda: not leftovers(), LEFTOVER_TIMEOUT)
        server.stop_if_unused()
    shutil.rmtree(log_dir, ignore_errors=True)
    say("restart-check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
