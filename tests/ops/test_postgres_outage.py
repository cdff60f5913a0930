"""PostgreSQL restarted while Slack requests flow: nobody gets a 500 or a stack trace, people are told to try again
in a moment, and the pool reconnects by itself once the server is back (no restart of Upnext)."""

from __future__ import annotations

import time

import pytest

from tests.admin.test_signin import follow, link_from_slack, session_cookie
from tests.conftest import OPERATOR_ADMIN
from tests.helpers import http
from tests.slack_requests import command, dm, onboard, submit_interests

TRY_AGAIN = "Please try again in a moment"
UP_NEXT = "Up next for you"
# A dashboard page that reads the admin's session from the store, then refuses the dates (400) without a report
SESSION_PAGE = "/admin?since=2026-12-31&until=2026-01-01"
RECOVERY_LIMIT = 60  # seconds the test waits for the pool to reconnect (the target, 10 s, is measured, not asserted)


@pytest.fixture
def engine() -> str:
    return "postgres"


def test_a_database_outage_answers_try_again_and_service_returns_without_a_restart(server, service, postgres):
    onboard(service)
    cookie = session_cookie(follow(server, link_from_slack(server, OPERATOR_ADMIN)))
    assert command(server, "next").status == 200
    server.answer("respond", UP_NEXT)

    postgres.stop()
    try:
        assert command(server, "next").status == 200
        apology = server.answer("respond", TRY_AGAIN)
        assert "Traceback" not in str(apology) and "psycopg" not in str(apology)
        assert dm(server, "next").status == 200
        server.answer("chat.postMessage", TRY_AGAIN)
        assert submit_interests(server, [], "analyst").status == 200  # the modal's check reads the store before ack
        dashboard = http(server.url + SESSION_PAGE, headers={"Cookie": cookie})
        assert dashboard.status == 503 and b"try again" in dashboard.body.lower()
        assert http(server.url + "/healthz").status == 503
    finally:
        postgres.start()
    back = time.monotonic()

    while True:
        answered = len(server.slack.calls_to("respond"))
        assert command(server, "next").status == 200
        server.slack.wait_for(
            lambda calls, before=answered: len([c for c in calls if c.method == "respond"]) > before, 15
        )
        if UP_NEXT in server.slack.calls_to("respond")[answered].body.get("text", ""):
            break
        assert time.monotonic() - back < RECOVERY_LIMIT, "the pool did not reconnect"
        time.sleep(0.2)
    print(f"\nrecovered {time.monotonic() - back:.1f} s after PostgreSQL was back")
    assert http(server.url + SESSION_PAGE, headers={"Cookie": cookie}).status == 400
    assert http(server.url + "/healthz").status == 200
