"""Shared test set-up: services probe, the real Celery worker fixture, base factories."""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def browser_missing() -> str:
    """Why the browser journeys cannot run here ("" when they can)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return ""


def pytest_report_header(config):
    lines = []
    if settings.SERVICES_AVAILABLE:
        db = settings.DATABASES["default"]
        lines.append(f"services: PostgreSQL {db['HOST']}:{db['PORT']}/{db['NAME']} and Redis {settings.REDIS_URL}")
    else:
        lines += ["!" * 78,
                  "!! PostgreSQL or Redis unreachable: FALLING BACK TO SQLITE, tests marked "
                  "'services' are SKIPPED",
                  "!" * 78]
    missing = browser_missing()
    lines.append(f"browser: {CHROMIUM}" if not missing
                 else f"!! browser journeys SKIPPED: {missing}")
    return lines


def pytest_sessionstart(session):
    """Drop the test databases left by runs that were killed (their process is gone)."""
    if not settings.POSTGRES_AVAILABLE:
        return
    import psycopg

    db = settings.DATABASES["default"]
    try:
        with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                             password=db.get("PASSWORD") or None, dbname="postgres",
                             autocommit=True, connect_timeout=3) as conn:
            names = [row[0] for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'test\\_pacte\\_%'")]
            for name in names:
                match = re.fullmatch(r"test_pacte_[0-9a-f]{6}_(\d+)(_gw\d+)?", name)
                if match and not _alive(int(match.group(1))):
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error:
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pytest_collection_modifyitems(config, items):
    _skip_browser_journeys_without_chromium(config, items)
    if settings.SERVICES_AVAILABLE:
        return
    missing = []
    if not settings.POSTGRES_AVAILABLE:
        missing.append("PostgreSQL")
    if not settings.REDIS_AVAILABLE:
        missing.append("Redis")
    if os.environ.get("REQUIRE_SERVICES") == "1":
        raise pytest.UsageError(
            f"REQUIRE_SERVICES=1 but {', '.join(missing)} unreachable "
            "(DATABASE_URL / REDIS_URL): refusing to skip the services tests.")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line(
            f"WARNING: {', '.join(missing)} unreachable — falling back to SQLite and skipping "
            "the tests marked 'services'.", yellow=True, bold=True)
    skip = pytest.mark.skip(reason=f"needs real services ({', '.join(missing)} unreachable)")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


def _skip_browser_journeys_without_chromium(config, items):
    journeys = [item for item in items if "browser" in item.keywords]
    missing = browser_missing() if journeys else ""
    if not missing:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        raise pytest.UsageError(
            f"REQUIRE_SERVICES=1 but {missing}: refusing to skip the browser journeys.")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line(f"WARNING: {missing} — skipping the {len(journeys)} browser journeys.",
                            yellow=True, bold=True)
    skip = pytest.mark.skip(reason=f"browser journeys need Chromium and Playwright: {missing}")
    for item in journeys:
        item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = terminalreporter.stats.get("skipped", [])
    if any("browser" in getattr(report, "keywords", {}) for report in skipped):
        terminalreporter.write_sep(
            "!", f"Browser journeys were SKIPPED: {browser_missing()}", red=True, bold=True)
    if not settings.SERVICES_AVAILABLE:
        terminalreporter.write_sep(
            "!", "SQLite fallback: PostgreSQL/Redis unreachable, 'services' tests were SKIPPED",
            red=True, bold=True)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


_WORKER_NUMBERS = itertools.count(1)


class WorkerProcess:
    """A real ``celery worker`` process on the test database and the real Redis broker."""

    def __init__(self, database_name: str, extra_env: dict | None = None, concurrency: int = 1):
        self.database_name = database_name
        self.extra_env = extra_env or {}
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.log_path = ROOT / ".test-media" / f"worker-{os.getpid()}.log"
        self.hostname = f"test-{os.getpid()}-{next(_WORKER_NUMBERS)}@{socket.gethostname()}"

    def env(self) -> dict:
        db = settings.DATABASES["default"]
        env = dict(os.environ)
        env.update({
            "DJANGO_SETTINGS_MODULE": "backoffice.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{self.database_name}",
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        })
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30) -> None:
        from backoffice.celery import app

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the process lifetime
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "backoffice", "worker", "--loglevel=INFO",
             f"--concurrency={self.concurrency}", "--pool=prefork", "--without-gossip",
             "--without-mingle", "--without-heartbeat", f"--hostname={self.hostname}"],
            cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited: {self.log_path.read_text()[-2000:]}")
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                return
        raise RuntimeError("celery worker did not answer ping in time")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and children), as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker_process(transactional_db, settings):
    """Start a real Celery worker against the test database and Redis; tasks go through the
    broker (not eager) for the duration of the test. Marks: use with @pytest.mark.services."""
    from backoffice.celery import app

    if not settings.SERVICES_AVAILABLE:
        pytest.skip("needs PostgreSQL and Redis")
    database_name = settings.DATABASES["default"]["NAME"]
    previous = (app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend)
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.REDIS_URL
    app.conf.result_backend = settings.REDIS_URL
    app.control.purge()
    worker = WorkerProcess(database_name)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend = previous


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Throttle counters (sign-ups, password resets) live in the local-memory cache of the test
    process: each test starts from zero, whatever ran before it."""
    from django.core.cache import cache

    cache.clear()


# Reproducible property tests for the mutation measurement (`--hypothesis-profile=mutation`):
# the same examples on every run, no example database carried from one mutant to the next.
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("mutation", derandomize=True, database=None, deadline=None)
