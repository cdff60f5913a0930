"""A SQLite store whose write lock another process holds for longer than the busy timeout is a store that is
momentarily unavailable, answered like a PostgreSQL outage: "try again in a moment", one log line, no traceback."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from config import Settings
from tests.admin.test_signin import follow, link_from_slack, session_cookie
from tests.conftest import OPERATOR_ADMIN
from tests.helpers import http, write_lock_held
from tests.slack_requests import dm, onboard

TRY_AGAIN = "Please try again in a moment"


@pytest.fixture
def settings(settings: Settings, engine: str) -> Settings:
    if engine != "sqlite":
        pytest.skip("SQLite's store-wide write lock (PostgreSQL's outage is tests/ops/test_postgres_outage.py)")
    return replace(settings, busy_timeout=0.2)


def test_a_request_waiting_too_long_for_the_write_lock_is_told_to_try_again_without_a_traceback(
    server, service, settings, caplog
):
    onboard(service)
    with caplog.at_level(logging.INFO), write_lock_held(settings.database_path):
        assert dm(server, "git").status == 200
        apology = server.answer("chat.postMessage", TRY_AGAIN)
        server.settle()
    assert "Traceback" not in str(apology) and "sqlite" not in str(apology).lower()
    failures = [r for r in caplog.records if r.name == "bot.failures"]
    assert [r.levelno for r in failures] == [logging.WARNING]
    assert "unavailable" in failures[0].getMessage() and failures[0].exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [c for c in server.slack.calls_to("chat.postMessage") if "Courses for" in c.body.get("text", "")]


def test_the_dashboard_answers_503_while_the_write_lock_is_held_elsewhere(server, service, settings):
    onboard(service)
    cookie = session_cookie(follow(server, link_from_slack(server, OPERATOR_ADMIN)))
    with write_lock_held(settings.database_path):
        dashboard = http(server.url + "/admin", headers={"Cookie": cookie})
    assert dashboard.status == 503 and b"try again" in dashboard.body.lower()
    assert http(server.url + "/admin", headers={"Cookie": cookie}).status == 200  # and back once it is released
