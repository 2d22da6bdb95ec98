"""The embedded PostgreSQL recovers from whatever the last process left behind.

The repair logic runs on files in a temporary data directory; the lifecycle tests start
a throwaway server there (initdb once, a second per start) in holder processes that are
closed or killed like ``make run`` and ``make test`` are. ``make restart-check`` does
the same with the real ``make run``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from config.embedded_db import EmbeddedPostgres, _pgserver

BASE_DIR = Path(__file__).resolve().parents[2]


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def sleeper():
    """A live process that is not PostgreSQL: what a pid reused after a reboot looks like."""
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    proc.kill()
    proc.wait()


def write_postmaster_pid(pgdata: Path, pid: int) -> None:
    pgdata.mkdir(parents=True, exist_ok=True)
    lines = [str(pid), str(pgdata), str(int(time.time())), "5432", str(pgdata), "", "0 0", "ready"]
    (pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")


# --- repair, on files only --------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "[", "null", '{"a": 1}', '[1, "2"]'])
def test_an_empty_or_corrupt_handle_file_is_reset(tmp_path, content):
    server = EmbeddedPostgres(tmp_path)
    server.pgdata.mkdir(parents=True)
    handle = server.pgdata / ".handle_pids.json"
    handle.write_text(content)
    # pgserver itself reads it tolerantly now (it used to raise JSONDecodeError) ...
    assert _pgserver().postgres_server.DiskList(handle).get() == []
    # ... and the repair before a start rewrites it.
    assert any(".handle_pids.json" in line for line in server.repair())
    assert json.loads(handle.read_text()) == []


def test_the_handle_file_keeps_live_pids_only(tmp_path):
    server = EmbeddedPostgres(tmp_path)
    server.pgdata.mkdir(parents=True)
    handle = server.pgdata / ".handle_pids.json"
    handle.write_text(json.dumps([os.getpid(), dead_pid()]))
    server.repair()
    assert json.loads(handle.read_text()) == [os.getpid()]
    assert server.repair() == []  # nothing left to repair


def test_pgserver_writes_its_handle_file_atomically(tmp_path):
    handle = tmp_path / ".handle_pids.json"
    disk_list = _pgserver().postgres_server.DiskList(handle)
    disk_list.put([1, 2])
    assert json.loads(handle.read_text()) == [1, 2]
    assert [p.name for p in tmp_path.iterdir()] == [".handle_pids.json"]  # no temporary left


def test_a_postmaster_pid_whose_process_is_gone_is_removed_with_its_socket_lock(tmp_path):
    server = EmbeddedPostgres(tmp_path)
    write_postmaster_pid(server.pgdata, dead_pid())
    socket_lock = server.pgdata / ".s.PGSQL.5432.lock"
    socket_lock.write_text("stale")
    assert server.postmaster() is None
    assert any("postmaster.pid" in line for line in server.repair())
    assert not (server.pgdata / "postmaster.pid").exists()
    assert not socket_lock.exists()


def test_a_postmaster_pid_naming_a_live_process_that_is_not_this_server_is_removed(
    tmp_path, sleeper
):
    """After a reboot the pid may belong to anything: pgserver alone would take it for the
    running server and hand out the URL of a socket nobody listens on."""
    server = EmbeddedPostgres(tmp_path)
    write_postmaster_pid(server.pgdata, sleeper.pid)
    info = _pgserver().postgres_server.PostmasterInfo.read_from_pgdata(server.pgdata)
    assert info.is_running()  # pgserver's own check is fooled
    assert server.postmaster() is None
    server.repair()
    assert not (server.pgdata / "postmaster.pid").exists()


def test_a_partly_written_postmaster_pid_is_removed(tmp_path):
    server = EmbeddedPostgres(tmp_path)
    server.pgdata.mkdir(parents=True)
    (server.pgdata / "postmaster.pid").write_text("")
    server.repair()
    assert not (server.pgdata / "postmaster.pid").exists()


def test_the_registry_forgets_dead_reused_and_half_written_entries(tmp_path, sleeper):
    server = EmbeddedPostgres(tmp_path)
    server.users_dir.mkdir(parents=True)
    me = psutil.Process()

    def entry(pid, started):
        (server.users_dir / str(pid)).write_text(json.dumps({"pid": pid, "started": started}))

    entry(me.pid, me.create_time())
    entry(dead_pid(), me.create_time())
    entry(sleeper.pid, psutil.Process(sleeper.pid).create_time() - 3600)  # the pid was reused
    (server.users_dir / "1").write_text("")  # killed while registering
    assert server.live_users() == [me.pid]
    assert len(list(server.users_dir.iterdir())) == 4
    assert server.live_users(prune=True) == [me.pid]
    assert [p.name for p in server.users_dir.iterdir()] == [str(me.pid)]


# --- the lifecycle, with a throwaway server -----------------------------------------------

HOLDER = """
import sys
import psycopg
from config.embedded_db import EmbeddedPostgres

server = EmbeddedPostgres(sys.argv[1])
server.acquire()
server.ensure_database("holder")
url = server.url("holder")
print("ready", flush=True)
for _ in sys.stdin:  # one query per line; exits (and releases) when stdin closes
    with psycopg.connect(url) as conn:
        print(conn.execute("SELECT 41 + 1").fetchone()[0], flush=True)
"""


class Holder:
    """A process using the throwaway server, as runserver or pytest would."""

    def __init__(self, data_dir: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(data_dir)],
            cwd=BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        assert line == "ready\n", line + self.proc.stderr.read()

    def query(self) -> str:
        self.proc.stdin.write("q\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> str:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        return self.proc.stderr.read()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


def wait_for(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("embedded")
    yield path
    server = EmbeddedPostgres(path)
    with server.lock():
        server.stop_server()
    assert wait_for(lambda: not server.janitor_running())


@pytest.fixture
def server(data_dir):
    server = EmbeddedPostgres(data_dir)
    yield server
    with server.lock():
        server.stop_server()


def test_the_server_stops_when_the_last_process_using_it_exits(server):
    first, second = Holder(server.data_dir), Holder(server.data_dir)
    assert server.postmaster() is not None
    assert first.close() == ""
    assert server.postmaster() is not None  # the second still uses it
    assert second.query() == "42"
    assert second.close() == ""
    assert server.postmaster() is None  # stopped by the last one out, before it exited
    assert server.live_users() == []
    assert wait_for(lambda: not server.janitor_running())


def test_the_janitor_stops_the_server_when_its_last_user_was_killed(server):
    holder = Holder(server.data_dir)
    assert wait_for(server.janitor_running)
    holder.kill()  # SIGKILL: no atexit, no unregistering
    assert wait_for(lambda: server.postmaster() is None), "the janitor did not stop the server"
    assert wait_for(lambda: not server.janitor_running())
    assert not list(server.users_dir.iterdir())


def test_the_next_start_recovers_from_a_crash_or_reboot(server, sleeper):
    holder = Holder(server.data_dir)
    postmaster = server.postmaster()
    os.kill(postmaster.pid, signal.SIGKILL)  # PostgreSQL crashes ...
    holder.kill()  # ... and so does its user
    assert wait_for(lambda: not server.janitor_running())
    # What a reboot leaves: a postmaster.pid naming a pid now used by something else, and
    # pgserver's handle file emptied by a kill in the middle of its rewrite.
    assert (server.pgdata / "postmaster.pid").exists()
    pidfile = server.pgdata / "postmaster.pid"
    lines = pidfile.read_text().split("\n")
    pidfile.write_text("\n".join([str(sleeper.pid), *lines[1:]]))
    (server.pgdata / ".handle_pids.json").write_text("")

    again = Holder(server.data_dir)
    assert again.query() == "42"
    stderr = again.close()
    assert "postmaster.pid named pid" in stderr and ".handle_pids.json" in stderr
    assert server.postmaster() is None
    assert sleeper.poll() is None  # the process that inherited the pid was left alone
