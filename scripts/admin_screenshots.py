"""Screenshots of the admin as a practice's office manager sees it (``make admin-screenshots``).

What it does, against the configured database (the embedded PostgreSQL under ``.data/``
unless ``DATABASE_URL`` is set):

1. seeds the demo practice (``manage.py seed_demo --keep-tokens .data/demo.json``: the
   tokens ``make run`` printed keep working);
2. makes the staff user ``<org>-office-manager`` (e.g. ``demo-dental-office-manager``) an
   admin member of the demo practice, with a fresh random password each run (never
   printed: nobody needs it but this script); ``--superuser`` makes it a superuser for
   the run instead, to see the lists with their org column;
3. starts ``manage.py runserver`` on a free port of 127.0.0.1;
4. starts headless Chromium (Debian's ``chromium`` package: ``apt-get install chromium``),
   logs in through the admin's login form and takes 1400×900 screenshots of the pages
   below into ``.data/screenshots/`` (git ignores ``.data/``);
5. stops the server and Chromium, and prints one line per page: its file, its title, and
   whether its list fits the window. It exits 1 if a page failed to load or a list is
   wider than the window (a column to cut).

Chromium is driven over its DevTools pipe (``--remote-debugging-pipe``: JSON messages on
file descriptors 3 and 4), so nothing beyond the standard library and the system's
Chromium is needed (no browser download, no WebSocket client).

Usage: ``.venv/bin/python scripts/admin_screenshots.py [--out DIR] [--chromium PATH]
[--every-list] [--superuser]`` (``make admin-screenshots SCREENSHOT_ARGS=...``).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import json
import os
import secrets
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1400, 900
TIMEOUT = 30.0  # seconds for one page or one DevTools answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(BASE_DIR / ".data" / "screenshots"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument(
        "--every-list", action="store_true", help="also every other list of the admin"
    )
    parser.add_argument(
        "--superuser",
        action="store_true",
        help="log in as a superuser (every org: lists gain the org column and filter)",
    )
    args = parser.parse_args()
    if not Path(args.chromium).exists():
        print(f"Chromium not found at {args.chromium}: apt-get install chromium", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("[0-9][0-9]-*.png"):  # the last run's, so none is mistaken for new
        old.unlink()

    username, password, pages = prepare(every_list=args.every_list, superuser=args.superuser)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = out / "runserver.log"
    with open(log_path, "w") as log, running_server(port, log), Browser(args.chromium) as browser:
        wait_for(f"{base}/admin/login/", log_path)
        browser.open(f"{base}/admin/login/?next=/admin/")
        browser.log_in(username, password)
        failures = 0
        for number, (name, path) in enumerate(pages, start=1):
            browser.open(base + path)
            page = browser.inspect()
            file = out / f"{number:02d}-{name}.png"
            file.write_bytes(browser.screenshot())
            if name.endswith("detail"):  # the whole page too: a detail runs past 900 px
                full = out / f"{number:02d}-{name}-full-page.png"
                full.write_bytes(browser.screenshot(full_page=True))
            problems = page_problems(page)
            failures += bool(problems)
            fit = f"list {page['tableWidth']}px in {page['resultsWidth']}px"
            print(
                f"{file.relative_to(BASE_DIR) if file.is_relative_to(BASE_DIR) else file}: "
                f"{page['title']!r}; {fit if page['tableWidth'] else 'no list'}"
                + (f"; PROBLEM: {', '.join(problems)}" if problems else "")
            )
    if not failures:
        log_path.unlink(missing_ok=True)
    return 1 if failures else 0


# --- The demo practice and the office manager --------------------------------------------


def prepare(
    every_list: bool = False, superuser: bool = False
) -> tuple[str, str, list[tuple[str, str]]]:
    """Seed the demo, set up the office manager; return the login and the pages to shoot."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from appointments.models import Appointment
    from blockouts.models import BlockoutType
    from scheduling.demo import demo_username
    from scheduling.models import ApiToken, Membership, Organization, Role, User
    from scheduling.timezones import to_local

    call_command("migrate", verbosity=0)
    keep = BASE_DIR / ".data" / "demo.json"
    seed_args = ["--json", *(["--keep-tokens", str(keep)] if keep.exists() else [])]
    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", *seed_args, stdout=devnull, stderr=devnull)
    org = Organization.objects.get(name="Demo Dental")

    username = f"{demo_username(org, 'token').rsplit('-', 1)[0]}-office-manager"
    password = secrets.token_urlsafe(24)
    user, _ = User.objects.get_or_create(username=username)
    user.first_name, user.last_name, user.is_staff, user.is_active = "Office", "Manager", True, True
    user.is_superuser = superuser
    user.set_password(password)
    user.save()
    Membership.objects.update_or_create(
        org=org, user=user, defaults={"role": Role.ADMIN, "all_locations": True}
    )

    # The demo day: the first day after today with appointments at the first location
    # (tomorrow's schedule, as a front desk would look it up), and its first booking.
    appointments = list(
        Appointment.objects.filter(org=org, start_at__isnull=False)
        .select_related("location")
        .order_by("location__name", "start_at", "id")
    )
    first_location = appointments[0].location
    today = to_local(timezone.now(), first_location.timezone).date()
    at_first = [
        (to_local(a.start_at, first_location.timezone).date(), a)
        for a in appointments
        if a.location_id == first_location.pk
    ]
    day = min((d for d, _ in at_first if d > today), default=at_first[-1][0])
    of_day = [a for d, a in at_first if d == day]
    detail = next((a for a in of_day if a.status == "scheduled"), of_day[0])
    appointment_list = reverse("admin:appointments_appointment_changelist")
    pages = [
        ("admin-index", reverse("admin:index")),
        (
            "appointments-day",
            f"{appointment_list}?day={day.isoformat()}&location__id__exact={first_location.pk}",
        ),
        ("appointment-detail", reverse("admin:appointments_appointment_change", args=[detail.pk])),
        ("blockouts", reverse("admin:blockouts_blockout_changelist")),
        ("blockout-types", reverse("admin:blockouts_blockouttype_changelist")),
        ("api-tokens", reverse("admin:scheduling_apitoken_changelist")),
        ("providers", reverse("admin:scheduling_provider_changelist")),
        ("appointment-types", reverse("admin:appointments_appointmenttype_changelist")),
    ]
    if every_list:
        from django.contrib import admin

        shot = {path for _, path in pages}
        for model in sorted(admin.site._registry, key=lambda model: model._meta.label):
            if model._meta.app_label == "auth":
                continue  # Django's groups: superusers only
            path = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            if path not in shot:
                pages.append((f"list-{model._meta.model_name}", path))
    assert BlockoutType.objects.filter(org=org).exists() and ApiToken.objects.exists()
    connection.close()
    return username, password, pages


# --- The server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(port: int, log):
    server = subprocess.Popen(
        [
            sys.executable,
            str(BASE_DIR / "manage.py"),
            "runserver",
            "--noreload",
            f"127.0.0.1:{port}",
        ],
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield server
    finally:
        stop(server)


def wait_for(url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit(f"runserver did not answer {url} within 60 s; see {log_path}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Chromium over the DevTools pipe -----------------------------------------------------


class Browser:
    """One headless Chromium tab, driven with DevTools commands over a pipe."""

    def __init__(self, binary: str):
        self.binary = binary
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict] = []

    def __enter__(self) -> Browser:
        # Chromium reads commands from fd 3 and writes answers to fd 4; our ends are moved
        # above 10 so the child's dup2 onto 3 and 4 cannot overwrite one of them.
        to_browser_r, to_browser_w = (
            fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in os.pipe()
        )
        from_browser_r, from_browser_w = (
            fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in os.pipe()
        )

        def child_fds():  # in the child, before exec; dup2'd descriptors stay open
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self._profile = tempfile.TemporaryDirectory(prefix="chairside-chromium-")
        self.process = subprocess.Popen(
            [
                self.binary,
                "--headless",
                "--no-sandbox",  # we run as root in a container
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
                f"--user-data-dir={self._profile.name}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            preexec_fn=child_fds,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._write, self._read = to_browser_w, from_browser_r
        # The child's copies; the parent's must close so a dead browser reads as EOF.
        for fd in (to_browser_r, from_browser_w):
            os.close(fd)
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Page.enable", session=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close")
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        stop(self.process)
        for fd in (self._write, self._read):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()

    # The protocol: one JSON object per message, each followed by a NUL byte.

    def call(self, method: str, session: bool = False, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._write, data) :]
        while True:
            answer = self._receive()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self._events.append(answer)

    def _receive(self) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._read], [], [], remaining)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def _wait_for_event(self, method: str) -> dict:
        while True:
            for index, event in enumerate(self._events):
                if event.get("method") == method and event.get("sessionId") == self.session:
                    return self._events.pop(index)
            self._events.append(self._receive())

    # Pages.

    def open(self, url: str) -> None:
        self._events.clear()
        result = self.call("Page.navigate", session=True, url=url)
        if result.get("errorText"):
            raise RuntimeError(f"{url}: {result['errorText']}")
        self._wait_for_event("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.call(
            "Runtime.evaluate", session=True, expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def log_in(self, username: str, password: str) -> None:
        self._events.clear()
        self.evaluate(
            f"document.getElementById('id_username').value = {json.dumps(username)};"
            f"document.getElementById('id_password').value = {json.dumps(password)};"
            "document.getElementById('login-form').submit();"
        )
        self._wait_for_event("Page.loadEventFired")
        if self.evaluate("location.pathname") != "/admin/":
            raise SystemExit("The admin login failed (still on the login page).")

    def inspect(self) -> dict:
        """What a person would notice: the title, a login form, a list wider than its box."""
        return self.evaluate(
            """(() => {
                const results = document.querySelector('.results');
                const table = document.getElementById('result_list');
                return {
                    title: document.title,
                    path: location.pathname,
                    loginForm: !!document.getElementById('login-form'),
                    pageWidth: document.documentElement.scrollWidth,
                    resultsWidth: results ? results.clientWidth : 0,
                    tableWidth: table ? table.scrollWidth : 0,
                };
            })()"""
        )

    def screenshot(self, full_page: bool = False) -> bytes:
        """The window (1400×900), or with ``full_page`` the whole page 1400 pixels wide."""
        params = {"format": "png"}
        if full_page:
            height = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]["height"]
            params.update(
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1},
            )
        data = self.call("Page.captureScreenshot", session=True, **params)["data"]
        return base64.b64decode(data)


def page_problems(page: dict) -> list[str]:
    problems = []
    if page["loginForm"]:
        problems.append("shows the login form")
    if any(word in page["title"] for word in ("Error", "Not Found", "Forbidden")):
        problems.append("an error page")
    if page["pageWidth"] > WIDTH:
        problems.append(f"page {page['pageWidth']}px wide")
    if page["tableWidth"] > page["resultsWidth"]:
        problems.append("the list scrolls sideways")
    return problems


if __name__ == "__main__":
    sys.exit(main())
