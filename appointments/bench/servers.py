"""Gunicorn processes for the bench: the project and the floor app, with the same settings.

Each server is started in a session of its own on a free port of 127.0.0.1 and always
stopped by the ``with`` block that started it (SIGTERM to the master, then SIGKILL to it
and to any worker it leaves); if the bench itself is killed outright, Linux sends the master
SIGTERM (``PR_SET_PDEATHSIG``) and gunicorn's workers follow their master.
"""

from __future__ import annotations

import contextlib
import http.client
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil  # a dependency of pgserver

HOST = "127.0.0.1"
WORKERS = 2
THREADS = 4
#: What both the project and the floor app run with: 2 workers × 4 threads, gthread.
GUNICORN_SETTINGS = (
    f"--workers={WORKERS}",
    f"--threads={THREADS}",
    "--worker-class=gthread",
    "--keep-alive=5",
    "--timeout=120",
    "--graceful-timeout=10",
)
START_TIMEOUT = 60.0
IDLE_CPU = 0.02  # CPU seconds the workers may use in a quarter of a second and be idle
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child, before exec
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Gunicorn:
    """``with Gunicorn("config.wsgi:application", env=..., log=...) as server:`` serves the
    app on ``server.port`` until the block ends, however it ends."""

    def __init__(self, app: str, *, env: dict[str, str], log: Path, cwd: Path | None = None):
        self.app = app
        self.env = env
        self.log = log
        self.cwd = cwd
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def argv(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            *GUNICORN_SETTINGS,
            f"--bind={HOST}:{self.port}",
            self.app,
        ]

    def __enter__(self) -> Gunicorn:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.port = free_port()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def wait_ready(self) -> None:
        """Until the server answers HTTP (any status) and all its workers have booted (the
        first answer proves only one: the others may still be importing the app)."""
        deadline = time.monotonic() + START_TIMEOUT
        self._wait_answer(deadline)
        self._wait_workers_idle(deadline)

    def _wait_workers_idle(self, deadline: float) -> None:
        """Until the master has all its workers and they use no CPU for a moment."""
        master = psutil.Process(self.process.pid)
        busy = None
        while time.monotonic() < deadline:
            workers = master.children()
            used = 0.0
            with contextlib.suppress(psutil.Error):
                used = sum(sum(w.cpu_times()[:2]) for w in workers)
            if len(workers) == WORKERS and busy is not None and used - busy < IDLE_CPU:
                return
            busy = used if len(workers) == WORKERS else None
            time.sleep(0.25)

    def _wait_answer(self, deadline: float) -> None:
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn ({self.app}) exited with {self.process.returncode}:\n"
                    + self.log_tail()
                )
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn ({self.app}) did not answer in {START_TIMEOUT:.0f} s:\n"
                        + self.log_tail()
                    ) from None
                time.sleep(0.1)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        workers = []
        with contextlib.suppress(psutil.Error):
            workers = psutil.Process(process.pid).children(recursive=True)
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        # A worker that outlived its master (psutil's Process checks it is the same one).
        for worker in workers:
            with contextlib.suppress(psutil.Error):
                worker.kill()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
