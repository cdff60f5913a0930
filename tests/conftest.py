"""Fixtures: real store, real model, real FAISS, real Bolt app behind a real HTTP server, fake Slack over HTTP."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from admin.web import is_admin_path
from bot.app import create_app
from bot.transports.http import SlackWsgiApp, catalog_health
from bot.transports.http_server import SERVER_OPTIONS
from config import Settings
from config.reporting import Reporting
from embeddings.encoder import load_encoder
from learning.service import LearningService
from learning.store.engine import Store
from learning.timestamps import utcnow
from tests.fakes.signing import SIGNING_SECRET
from tests.fakes.slack import FakeSlack
from tests.helpers import MemoEncoder
from tests.postgres import Databases, PostgresServer, binaries, start_server
from upnext.build import Upnext, build
from upnext.schema import open_store

DATA = Path(__file__).parent / "data"
PUBLIC_URL = "http://upnext.test"  # what UPNEXT_PUBLIC_URL says in tests; links are followed on the test server
OPERATOR_ADMIN = "U0OPERATOR"  # named in UPNEXT_ADMINS
SMALL_CATALOG = DATA / "catalog_small.jsonl"
# End-to-end tests that start `upnext` processes, a browser or a benchmark script: `make test` runs them,
# `make test-fast` (the inner loop) leaves them out.
SLOW = (
    "tests/ops/",
    "tests/admin/test_browser.py",
    "tests/admin/test_browser_scopes.py",
    "tests/test_benchmarks_smoke.py",
)


# The repository tests and the end-to-end Slack tests run on both engines: SQLite, and PostgreSQL (a throwaway
# server, tests/postgres.py). Every other test runs on SQLite.
BOTH_ENGINES = (
    "tests/learning/",
    "tests/bot/",
    "tests/admin/test_report_dates.py",
    "tests/admin/test_signin.py",
    "tests/admin/test_who_sees_what.py",
    "tests/insights/",
    "tests/scheduler/test_nudges.py",
    "tests/scheduler/test_who_is_nudged.py",
    "tests/scheduler/test_nudges_per_installation.py",
    "tests/scheduler/test_digest.py",
    "tests/scheduler/test_scoped_digest.py",
    "tests/scheduler/test_celebration",
    "tests/scheduler/test_housekeeping.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" in metafunc.fixturenames and metafunc.definition.nodeid.startswith(BOTH_ENGINES):
        metafunc.parametrize("engine", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The store's engine for this test: sqlite, or postgres for the tests in BOTH_ENGINES (run on each)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session, in a temporary folder."""
    if binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: .ci/run installs Debian's postgresql package")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql): tests on PostgreSQL skip")
    folder = Path(tempfile.mkdtemp(prefix="upnext-pg-"))  # not under pytest's root-only folder: the server reads it
    server = start_server(folder)
    yield server
    server.stop("immediate")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def databases(postgres: PostgresServer) -> Iterator[Databases]:
    """New databases on the session's server, made ahead of the tests that take them."""
    made = Databases(postgres)
    yield made
    made.close()


@pytest.fixture(scope="session")
def empty_database(postgres: PostgresServer) -> str:
    """A database holding an empty store (migrated once), the template of the tests that start from nothing."""
    name = f"empty_{uuid.uuid4().hex[:8]}"
    open_store(postgres.create_database(name)).close()
    return name


@pytest.fixture
def database_url(request: pytest.FixtureRequest, engine: str) -> Iterator[str | None]:
    """DATABASE_URL for this test: None on SQLite; on PostgreSQL a new database, with an empty store or (for tests
    that use `service`) a copy of the catalog's."""
    if engine != "postgres":
        yield None
        return
    databases: Databases = request.getfixturevalue("databases")
    if "service" in request.fixturenames:
        template = request.getfixturevalue("catalog_database")[1]
    else:
        template = request.getfixturevalue("empty_database")
    name = databases.take(template)
    yield databases.server.url(name)
    databases.drop(name)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's int8 model is built (UPNEXT_MODELS for `upnext` subprocesses)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def encoder(models_dir: Path) -> MemoEncoder:
    """The product's encoder (int8 ONNX, built once per run from the bundled model)."""
    return MemoEncoder(load_encoder("auto", models_dir))


ANA_PROFILE = {
    "id": "U0ANA", "team_id": "T0LOCAL", "name": "ana", "real_name": "Ana García", "tz": "Europe/Madrid",
    "tz_offset": 3600, "locale": "en-US", "deleted": False, "is_bot": False,
    "profile": {"first_name": "Ana", "real_name": "Ana García", "title": "Data Analyst", "email": "ana@example.com"},
}  # fmt: skip
LUIS_PROFILE = {
    **ANA_PROFILE, "id": "U0LUIS", "name": "luis", "real_name": "Luis Pérez", "locale": "es-ES",
    "profile": {"first_name": "Luis", "real_name": "Luis Pérez", "title": "Ingeniero", "email": "luis@example.com"},
}  # fmt: skip


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack(users={"U0ANA": ANA_PROFILE, "U0LUIS": LUIS_PROFILE}).start()
    yield slack
    slack.stop()


@pytest.fixture
def settings(tmp_path: Path, fake_slack: FakeSlack, database_url: str | None) -> Settings:
    return Settings(
        database_url=database_url,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        home=tmp_path / "home",
        listener_threads=8,
        reporting=Reporting(admins=frozenset({OPERATOR_ADMIN}), public_url=PUBLIC_URL, report_channel="C0LEARNING"),
    )


@pytest.fixture(scope="session")
def catalog_home(tmp_path_factory: pytest.TempPathFactory, encoder: MemoEncoder) -> Path:
    """An UPNEXT_HOME with the small catalog imported (store, vectors, FAISS index), built once per run: a test
    that asks for `service` starts from a copy of it, as a process restarted on an existing home would."""
    home = tmp_path_factory.mktemp("catalog-home")
    built = build(Settings(home=home), encoder=encoder, prepare=False)
    report = built.service.catalog.import_file(SMALL_CATALOG)
    assert report.rejected == 0
    built.close()
    return home


@pytest.fixture(scope="session")
def catalog_database(tmp_path_factory: pytest.TempPathFactory, encoder: MemoEncoder, postgres: PostgresServer):
    """`catalog_home` on PostgreSQL: (the home with the FAISS index, the database a test's is copied from)."""
    home = tmp_path_factory.mktemp("catalog-home-pg")
    name = f"catalog_{uuid.uuid4().hex[:8]}"
    built = build(Settings(home=home, database_url=postgres.create_database(name)), encoder=encoder, prepare=False)
    assert built.service.catalog.import_file(SMALL_CATALOG).rejected == 0
    built.close()
    return home, name


@pytest.fixture
def upnext(request: pytest.FixtureRequest, settings: Settings, encoder: MemoEncoder) -> Iterator[Upnext]:
    """What the composition root builds: over an empty store, or over a copy of `catalog_home` when the test (or a
    fixture it uses) asks for `service`."""
    if "service" in request.fixturenames:
        copied = request.getfixturevalue("catalog_database")[0] if settings.database_url else None
        shutil.copytree(copied or request.getfixturevalue("catalog_home"), settings.home)
    built = build(settings, encoder=encoder, prepare=False)
    yield built
    built.close()


@pytest.fixture
def empty_service(upnext: Upnext) -> LearningService:
    return upnext.service


@pytest.fixture
def store(settings: Settings, empty_service: LearningService) -> Iterator[Store]:
    """The service's database opened on its own, for tests to arrange and inspect rows directly."""
    opened = open_store(settings.database)
    yield opened
    opened.close()


@pytest.fixture
def db(store: Store):
    return store.db


@pytest.fixture
def store_copies(request: pytest.FixtureRequest, settings: Settings, service: LearningService) -> Iterator:
    """A function opening another store as the service's started (the small catalog) under a name of its own: a
    copy of the SQLite file, or a new PostgreSQL database made from the catalog's. Closed (and dropped) at the end."""
    opened: list[tuple[Store, str | None]] = []

    def copy(name: str) -> Store:
        if settings.database_url:
            database = request.getfixturevalue("databases").take(request.getfixturevalue("catalog_database")[1])
            where: str | Path = request.getfixturevalue("postgres").url(database)
        else:
            where = settings.home / f"{name}.db"
            with sqlite3.connect(settings.database_path) as source, sqlite3.connect(where) as target:
                source.backup(target)
            source.close()
            target.close()
            database = None
        opened.append((open_store(where), database))
        return opened[-1][0]

    yield copy
    for store, database in opened:
        store.close()
        if database:
            request.getfixturevalue("databases").drop(database)


@pytest.fixture
def service(empty_service: LearningService) -> LearningService:
    """The service over the small catalog (the store and index were copied from `catalog_home` before it opened)."""
    return empty_service


@dataclass
class RunningServer:
    url: str
    slack: FakeSlack
    listeners: ThreadPoolExecutor  # where Bolt runs listeners after acknowledging

    def settle(self) -> None:
        """Wait until every request sent so far has been fully handled (no more listeners may run after this)."""
        self.listeners.shutdown(wait=True)

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    def answer(self, method: str, containing: str, timeout: float = 10) -> dict:
        """The body of the first `method` call whose text contains `containing` (waiting for it)."""
        found = self.slack.wait_for(
            lambda calls: any(c.method == method and containing in c.body.get("text", "") for c in calls), timeout
        )
        return next(c.body for c in found if c.method == method and containing in c.body.get("text", ""))


class AdminClock:
    """The admin pages' clock (link and session expiry, admin re-checks): now, unless a test moved it on."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.ahead


@pytest.fixture
def admin_clock() -> AdminClock:
    return AdminClock()


@contextmanager
def serving(settings: Settings, upnext: Upnext, slack: FakeSlack, admin_clock: AdminClock) -> Iterator[RunningServer]:
    """`upnext serve --http` as it runs in production: the Bolt app under waitress, on a free local port, answering
    through the fake Slack at SLACK_API_URL."""
    from waitress.server import create_server

    service = upnext.service
    listeners = ThreadPoolExecutor(max_workers=8)
    oauth = upnext.oauth_stores() if settings.oauth else None
    app = create_app(
        settings, service, upnext.seen_events, upnext.admin_tokens, verify_token=True, executor=listeners, oauth=oauth
    )
    pages = upnext.admin_web(admin_clock)
    public_url = settings.reporting.public_url
    routes = SlackWsgiApp(app, SIGNING_SECRET, catalog_health(service), is_admin_path, pages, public_url)
    wsgi = create_server(
        routes,
        host="127.0.0.1",
        port=0,
        threads=8,
        asyncore_loop_timeout=0.05,  # the loop notices close() within 50 ms (its default, 1 s, was most of a test)
        **SERVER_OPTIONS,
    )
    stopping = threading.Event()

    def run() -> None:
        try:
            wsgi.run()
        except OSError:  # closing the socket under the select() loop: expected once we stop, a failure before
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield RunningServer(url=f"http://127.0.0.1:{wsgi.effective_port}", slack=slack, listeners=listeners)
    stopping.set()
    wsgi.close()
    thread.join(timeout=5)
    listeners.shutdown(wait=True)  # let answers in flight finish before the store closes


@pytest.fixture
def server(
    settings: Settings, upnext: Upnext, service: LearningService, fake_slack: FakeSlack, admin_clock: AdminClock
) -> Iterator[RunningServer]:
    """`upnext serve --http` over the small catalog (see `serving`)."""
    with serving(settings, upnext, fake_slack, admin_clock) as running:
        yield running
