"""``make run``'s server: ``manage.py runserver`` under a small supervisor.

``make run`` execs this script (``scripts/serve.py 127.0.0.1:8000``), so whatever stops
``make run`` reaches it: Ctrl-C (SIGINT to the whole foreground process group), SIGTERM
(a process manager; make passes it on to its child), SIGHUP (a closed terminal), or the
death of make itself (noticed within a fraction of a second). It then

1. passes the signal on to runserver (SIGTERM when runserver did not get it itself),
   waits up to ``GRACE`` seconds, then kills runserver and the server process it reloads;
2. stops the embedded PostgreSQL of the checkout unless another of its processes
   (``make test``, a shell) still uses it — see ``config/embedded_db.py``;
3. exits by the same signal, so make reports the interruption as usual.

On Linux runserver also gets SIGTERM if this script is killed outright (SIGKILL), and
the embedded server's janitor then stops PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

import psutil  # noqa: E402  (a dependency of pgserver)

from config.embedded_db import EmbeddedPostgres  # noqa: E402

GRACE = 10.0  # seconds runserver has to stop before it is killed
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _die_with_parent() -> None:  # runs in the child, before exec
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def serve(runserver_args: list[str]) -> int:
    received: list[int] = []

    def on_signal(signum, _frame):
        received.append(signum)

    for sig in SIGNALS:
        signal.signal(sig, on_signal)
    parent = os.getppid()
    child = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "runserver", *runserver_args],
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )
    tree: dict[int, psutil.Process] = {}  # runserver and its reloaded server
    stopping_since = None
    terminated = killed = False
    while True:
        try:
            returncode = child.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(child.pid)
            for proc in [root, *root.children(recursive=True)]:
                tree.setdefault(proc.pid, proc)
        if not received and os.getppid() != parent:
            print("serve.py: make is gone, stopping runserver", file=sys.stderr)
            received.append(signal.SIGHUP)
        if not received:
            continue
        if stopping_since is None:
            stopping_since = time.monotonic()
        waited = time.monotonic() - stopping_since
        # A Ctrl-C reaches runserver too (one process group); anything else does not, and a
        # SIGINT sent to this script alone is passed on after a second.
        if not terminated and (received[0] != signal.SIGINT or waited > 1.0):
            terminated = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGTERM)
        if not killed and waited > GRACE:
            killed = True
            print(f"serve.py: runserver did not stop in {GRACE:.0f} s, killing it", file=sys.stderr)
            _kill_all(tree.values())
    _kill_all(tree.values())  # what runserver leaves when it is killed: its reloaded server
    EmbeddedPostgres(BASE_DIR / ".data").stop_if_unused()
    if received:
        signal.signal(received[0], signal.SIG_DFL)
        os.kill(os.getpid(), received[0])
    return returncode if returncode >= 0 else 128 - returncode


def _kill_all(procs) -> None:
    alive = [p for p in procs if _running(p)]
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(alive, timeout=5)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
