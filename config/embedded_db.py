"""The embedded PostgreSQL used when no DATABASE_URL is given.

A fresh machine with only Python must be able to run and test the project, so without
DATABASE_URL the settings start a private PostgreSQL server (the ``pgserver`` package)
with its data under ``.data/pg``, reached over a Unix socket. The server is shared by
every process of the checkout (runserver, pytest, manage.py ...) and stops when the last
of them has gone, however it went:

* each process using the server registers a file ``.data/pg-users/<pid>`` holding its
  start time (so a reused pid is not taken for it) and removes it at exit; the last
  one out stops the server;
* a process that cannot unregister (SIGKILL, SIGTERM without a handler, ``os._exit``, a
  crash) is noticed by the *janitor*: a small detached process started with the server
  (``embedded_db.py janitor``) that looks once a second and stops the server as soon as
  no registered process is alive, then exits;
* what a crash or a reboot leaves behind is repaired before each start: a
  ``postmaster.pid`` whose process is gone, a zombie or not this server (a reused pid),
  the socket lock file next to it, and an empty or corrupt ``.handle_pids.json``.

``.handle_pids.json`` is pgserver's own list of the processes using a server; it is
rewritten in place (a kill at the wrong moment leaves it empty, and pgserver then fails
with a ``JSONDecodeError``) and a killed process stays in it for ever, keeping the server
alive. So pgserver's list decides nothing here (``cleanup_mode=None``): it is read
tolerantly, written atomically and repaired, and the registry above decides.

Every decision about starting or stopping is taken under pgserver's own inter-process
lock, so a process that is starting never races one that is stopping the server.

``python config/embedded_db.py status|stop|janitor DATA_DIR`` (``stop`` stops the server
only when no process uses it, ``stop --force`` regardless).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

DATABASE_NAME = "chairside"
JANITOR_INTERVAL = 1.0  # seconds between the janitor's looks
STOP_TIMEOUT = 30.0  # fast shutdown, before an immediate one


def embedded_database_url(data_dir: Path) -> str:
    """Start (or join) the embedded server and return a URL to the project's database."""
    server = EmbeddedPostgres(data_dir)
    server.acquire()
    server.ensure_database(DATABASE_NAME)
    return server.url(DATABASE_NAME)


def _pgserver():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs complains about XDG_RUNTIME_DIR
        import pgserver
        from pgserver import postgres_server, utils

    if not getattr(postgres_server.DiskList, "chairside_tolerant", False):

        class TolerantDiskList(utils.DiskList):
            """pgserver's list of users, read tolerantly and written atomically."""

            chairside_tolerant = True

            def get(self) -> list[int]:
                return _read_pid_list(self.path) or []

            def put(self, values: list[int]) -> None:
                _write_atomic(self.path, json.dumps(values))

        postgres_server.DiskList = TolerantDiskList
    return pgserver


def _psutil():
    import psutil  # a dependency of pgserver

    return psutil


class EmbeddedPostgres:
    """The embedded server of one data directory, and the processes using it."""

    def __init__(self, data_dir: Path | str):
        self.data_dir = Path(data_dir).resolve()
        self.pgdata = self.data_dir / "pg"
        self.users_dir = self.data_dir / "pg-users"
        self.janitor_lock = self.data_dir / "pg-janitor.lock"
        self.janitor_log = self.data_dir / "pg-janitor.log"
        self._server: Any = None
        self._registered_pid: int | None = None

    # --- using the server -------------------------------------------------------------

    def acquire(self) -> None:
        """Register this process, repair what a crash left, start the server if needed."""
        pgserver = _pgserver()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o755)  # pgserver runs postgres as its own user when we are root
        self.pgdata.mkdir(exist_ok=True)
        with self.lock():
            self.repair()
            self._register()
        atexit.register(self.release)
        # A new instance each time (not get_server's cache): it checks the server is running.
        self._server = pgserver.PostgresServer(self.pgdata, cleanup_mode=None)
        self.ensure_janitor()

    def release(self) -> None:
        """Unregister this process; stop the server if no other process uses it."""
        if self._registered_pid != os.getpid():  # not registered, or a forked child
            return
        try:
            with self.lock():
                with contextlib.suppress(FileNotFoundError):
                    (self.users_dir / str(self._registered_pid)).unlink()
                self._registered_pid = None
                if not self.live_users(prune=True):
                    self.stop_server()
        except Exception as exc:  # at exit: say it, the janitor will finish the job
            print(f"embedded PostgreSQL: release failed: {exc!r}", file=sys.stderr)

    def stop_if_unused(self) -> bool:
        """Stop the server unless a live process uses it; return whether it was stopped."""
        if not self.users_dir.is_dir() and not self.pgdata.is_dir():
            return False
        with self.lock():
            return not self.live_users(prune=True) and self.stop_server()

    def ensure_database(self, name: str) -> None:
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
        if "(1 row)" not in exists:
            self._server.psql(f"CREATE DATABASE {name};")

    def url(self, database: str) -> str:
        return self._server.get_uri(database)

    @contextlib.contextmanager
    def lock(self):
        """pgserver's inter-process lock, which its start (and stop) also take."""
        with _pgserver().PostgresServer._lock:
            yield

    # --- who uses it ------------------------------------------------------------------

    def _register(self) -> None:
        pid = os.getpid()
        self.users_dir.mkdir(exist_ok=True)
        record = {"pid": pid, "started": _psutil().Process(pid).create_time(), "argv": sys.argv}
        _write_atomic(self.users_dir / str(pid), json.dumps(record))
        self._registered_pid = pid

    def _user_entries(self) -> list[Path]:
        if not self.users_dir.is_dir():
            return []
        return [entry for entry in self.users_dir.iterdir() if entry.name.isdigit()]

    def live_users(self, *, prune: bool = False) -> list[int]:
        """The pids of the registered processes still alive (``prune``: forget the others)."""
        alive = []
        for entry in self._user_entries():
            try:
                started = float(json.loads(entry.read_text())["started"])
            except (OSError, ValueError, KeyError, TypeError):
                started = None  # half-written by a killed process: it is not running any more
            if started is not None and _is_alive(int(entry.name), started):
                alive.append(int(entry.name))
            elif prune:
                entry.unlink(missing_ok=True)
        return sorted(alive)

    # --- the server process -----------------------------------------------------------

    def postmaster(self):
        """The running server of this data directory (a psutil.Process), or None.

        None when postmaster.pid is missing or names a process that is gone, a zombie,
        or not a postgres serving this directory (a pid reused after a crash or reboot).
        """
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None
        return self._postgres_of_this_pgdata(pid)

    def _postgres_of_this_pgdata(self, pid: int):
        psutil = _psutil()
        try:
            proc = psutil.Process(pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            cmdline = proc.cmdline()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return None
        if not cmdline or Path(cmdline[0]).name != "postgres" or "-D" not in cmdline[:-1]:
            return None
        data = cmdline[cmdline.index("-D") + 1]
        return proc if os.path.realpath(data) == str(self.pgdata) else None

    def stop_server(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop the server (fast shutdown; immediate, then SIGKILL if it hangs).

        Call it holding ``lock()``. Returns whether a server was running.
        """
        proc = self.postmaster()
        if proc is None:
            return False
        for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(_psutil().NoSuchProcess):
                proc.send_signal(sig)
            if _wait_gone(proc, wait):
                break
        return True

    def repair(self) -> list[str]:
        """Repair what a crash or a reboot left behind; return what was repaired.

        Call it holding ``lock()``, before starting the server.
        """
        repaired = []
        handle = self.pgdata / ".handle_pids.json"
        if handle.exists():
            pids = _read_pid_list(handle)
            if pids is None:
                _write_atomic(handle, "[]")
                repaired.append(f"{handle.name} was empty or corrupt: reset")
            else:
                alive = [pid for pid in pids if _psutil().pid_exists(pid)]
                if alive != pids:
                    _write_atomic(handle, json.dumps(alive))
                    repaired.append(f"{handle.name}: dropped the pids of dead processes")
        pidfile = self.pgdata / "postmaster.pid"
        if pidfile.exists() and self.postmaster() is None:
            lines = pidfile.read_text(errors="replace").splitlines()
            self._kill_orphaned_backends()
            if len(lines) >= 5 and lines[3].strip().isdigit() and lines[4].strip():
                socket = Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip()}"
                for stale in (socket, socket.with_name(socket.name + ".lock")):
                    stale.unlink(missing_ok=True)
            pidfile.unlink(missing_ok=True)
            pid = lines[0].strip() if lines else "?"
            repaired.append(f"postmaster.pid named pid {pid}, which is not this server: removed")
        registered = len(self._user_entries())
        dead = registered - len(self.live_users(prune=True))
        if dead:
            repaired.append(f"forgot {dead} process(es) that died without unregistering")
        for line in repaired:
            print(f"embedded PostgreSQL ({self.pgdata}): {line}", file=sys.stderr)
        return repaired

    def _kill_orphaned_backends(self) -> None:
        """Backends of a killed server still attached to its shared memory block a start."""
        psutil = _psutil()
        orphans = []
        for proc in psutil.process_iter(["name"]):
            try:
                if (
                    proc.info["name"] == "postgres"
                    and " ".join(proc.cmdline()).startswith("postgres: ")  # a backend
                    and proc.cwd() == str(self.pgdata)
                    and (proc.parent() is None or proc.parent().name() != "postgres")
                ):
                    proc.kill()
                    orphans.append(proc)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        for proc in orphans:
            _wait_gone(proc, 5.0)

    # --- the janitor ------------------------------------------------------------------

    def janitor_running(self) -> bool:
        fd = os.open(self.janitor_lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # also releases the lock when we got it
        return False

    def ensure_janitor(self) -> None:
        """Start the janitor unless one watches this directory already."""
        with self.lock():  # a janitor gives up its lock only under this lock
            if self.janitor_running() or self.postmaster() is None:
                return
            with open(self.janitor_log, "ab") as log:
                subprocess.Popen(
                    [sys.executable, str(Path(__file__).resolve()), "janitor", str(self.data_dir)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    start_new_session=True,  # not stopped with the process group that started it
                    close_fds=True,
                )

    def run_janitor(self, interval: float = JANITOR_INTERVAL) -> None:
        """Stop the server once no registered process is alive; return when it is stopped."""
        fd = os.open(self.janitor_lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return  # another janitor watches this directory
        try:
            while True:
                time.sleep(interval)
                if self.live_users() and self.postmaster() is not None:
                    continue
                with self.lock():
                    if self.postmaster() is not None:
                        if self.live_users(prune=True):
                            continue
                        self.stop_server()
                    os.close(fd)  # under the lock: a starting process then starts a new janitor
                    fd = -1
                    return
        finally:
            if fd >= 0:
                os.close(fd)

    def status(self) -> dict[str, Any]:
        proc = self.postmaster()
        return {
            "data_dir": str(self.data_dir),
            "postmaster": proc.pid if proc else None,
            "users": self.live_users(),
            "janitor": self.janitor_running(),
        }


def _read_pid_list(path: Path) -> list[int] | None:
    """The list in ``path``; [] when the file is missing; None when it is corrupt."""
    try:
        values = json.loads(path.read_text())
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        return None
    if not isinstance(values, list) or not all(type(v) is int for v in values):
        return None
    return values


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _is_alive(pid: int, started: float) -> bool:
    psutil = _psutil()
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE and abs(proc.create_time() - started) < 1.0
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _wait_gone(proc, timeout: float) -> bool:
    psutil = _psutil()
    deadline = time.monotonic() + timeout
    while True:
        try:
            if not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in {"status", "stop", "janitor"}:
        print(__doc__.strip().rsplit("\n\n", 1)[-1], file=sys.stderr)
        return 2
    command, server = argv[0], EmbeddedPostgres(argv[1])
    if command == "janitor":
        server.run_janitor()
    elif command == "stop":
        if "--force" in argv:
            with server.lock():
                server.stop_server()
        else:
            server.stop_if_unused()
        print(json.dumps(server.status()))
    else:
        print(json.dumps(server.status()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
