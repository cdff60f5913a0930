"""DATABASE_URL's password is shown nowhere: a server that cannot be reached at start stops every command with one
line naming DATABASE_URL (password masked) and exit status 1, and no log line (text or JSON), error, /metrics page,
report export or settings repr ever holds the password, during an outage included."""

from __future__ import annotations

import pytest

from config import load_settings
from tests.conftest import OPERATOR_ADMIN, PUBLIC_URL
from tests.helpers import http
from tests.ops.conftest import free_port
from tests.postgres import PASSWORD
from tests.slack_requests import command, dm, onboard

# Every command that opens the store, as an operator or a Procfile starts it.
COMMANDS = (("serve", "--http"), ("clock",), ("run",), ("check",), ("backup", "copy.dump"), ("restore", "copy.dump"),
            ("report",), ("nudges", "stats"), ("admin", "link", "--user", OPERATOR_ADMIN), ("migrate",))  # fmt: skip
WRONG_PASSWORD = "wr0ng-planted-password"


def _stops_with_one_masked_line(start_upnext, url: str, password: str, *commands: tuple[str, ...]) -> None:
    for args in commands:
        done = start_upnext(*args, env={"DATABASE_URL": url, "UPNEXT_PUBLIC_URL": PUBLIC_URL,
                                                    "UPNEXT_ADMINS": OPERATOR_ADMIN},
                            healthy=False)  # fmt: skip
        status, said = done.process.wait(60), done.log.strip()
        assert status == 1, (args, said)
        assert said.count("\n") == 0 and "DATABASE_URL" in said and ":***@" in said, (args, said)
        assert password not in said, args


def test_an_unreachable_database_url_stops_every_command_with_one_line_and_status_1(start_upnext):
    closed = f"postgresql://upnext:{PASSWORD}@127.0.0.1:{free_port()}/upnext"
    _stops_with_one_masked_line(start_upnext, closed, PASSWORD, *COMMANDS)


def test_a_wrong_password_stops_start_up_with_one_line_that_does_not_hold_it(start_upnext, postgres):
    wrong = postgres.url("postgres", password=WRONG_PASSWORD)
    _stops_with_one_masked_line(start_upnext, wrong, WRONG_PASSWORD, ("serve", "--http"), ("clock",), ("check",))


def test_settings_never_show_the_database_password():
    settings = load_settings({"DATABASE_URL": f"postgresql://upnext:{PASSWORD}@db:5432/upnext"}, env_file=None)
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)


@pytest.fixture
def engine() -> str:
    return "postgres"


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_database_password_is_in_no_log_metrics_page_or_export_even_during_an_outage(
    start_upnext, service, postgres, settings, log_format
):
    assert PASSWORD in (settings.database_url or "")
    onboard(service)
    upnext = start_upnext(env={"UPNEXT_LOG_FORMAT": log_format, "UPNEXT_METRICS": "on"})
    assert command(upnext, "next").status == 200
    postgres.stop()
    try:
        assert dm(upnext, "next").status == 200
        upnext.slack.wait_for_call("chat.postMessage")  # the apology, once the store gave up
        assert http(upnext.url + "/healthz").status == 503
        scraped = http(upnext.url + "/metrics")  # the request counts matter most now: served, without nudges
        assert scraped.status == 200 and "upnext_nudges" not in scraped.body.decode()
        metrics = scraped.body.decode()
    finally:
        postgres.start()
    assert upnext.terminate() == 0
    exports = [start_upnext("report", "--format", f, healthy=False) for f in ("json", "csv")]
    checked = start_upnext("check", healthy=False)
    assert [done.process.wait(120) for done in (*exports, checked)] == [0, 0, 0]

    assert "the database at postgresql://upnext:***@" in upnext.log  # the outage was logged, masked
    for shown in (upnext.log, metrics, *(done.log for done in (*exports, checked))):
        assert PASSWORD not in shown
