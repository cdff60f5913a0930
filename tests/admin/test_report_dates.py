"""Dates people type for the figures (the dashboard's since/until, `upnext report --since/--until`, `upnext nudges
preview --at`) are checked in one place: outside the whole weeks of 2000..2100 (2000-01-03..2100-12-26),
unreadable, or a since after the until, they are refused with a clear message (a 400 page on the web, one line and
exit code 2 in the CLI), never a 500 or a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.admin.test_signin import admin, follow, link_from_slack, session_cookie  # noqa: F401 (fixture)
from tests.helpers import http

REFUSED = [
    ("until=9999-12-31", b"until 9999-12-31 is outside 2000-01-03 to 2100-12-26"),
    ("since=0001-01-01&until=2026-01-01", b"since 0001-01-01 is outside 2000-01-03 to 2100-12-26"),
    ("since=2000-01-02", b"since 2000-01-02 is outside"),  # the Sunday before the first whole week of 2000
    ("since=2026-01-01&until=2100-12-27", b"until 2100-12-27 is outside"),  # the last week of 2100 is partial
    ("since=%3Cscript%3Ex", b"since is not a date (YYYY-MM-DD): &#x27;&lt;script&gt;x&#x27;"),
    ("since=2026-02-01&until=2026-01-01", b"since 2026-02-01 is after until 2026-01-01"),
]


def test_the_dashboard_and_its_exports_refuse_dates_out_of_range_with_a_400(server, admin):  # noqa: F811
    cookie = session_cookie(follow(server, link_from_slack(server, admin)))
    for path in ("/admin", "/admin/report.json", "/admin/report.csv"):
        for query, message in REFUSED:
            refused = http(f"{server.url}{path}?{query}", headers={"Cookie": cookie})
            assert (refused.status, path, query) == (400, path, query)
            assert message in refused.body and b"<script>" not in refused.body
    edges = http(f"{server.url}/admin/report.json?since=2000-01-03&until=2100-12-26", headers={"Cookie": cookie})
    assert edges.status == 200
    form = http(f"{server.url}/admin", headers={"Cookie": cookie}).body
    assert form.count(b'min="2000-01-03" max="2100-12-26"') == 2  # the date fields refuse the same days up front


def test_every_day_the_form_offers_gives_a_page_whose_own_fields_the_form_accepts(server, admin):  # noqa: F811
    """Figures snap outwards to whole weeks: the first and last days the form offers snap to themselves, so the
    page's fields (and its CSV and JSON links) never show a day the form or the server would refuse."""
    cookie = session_cookie(follow(server, link_from_slack(server, admin)))
    form = http(f"{server.url}/admin", headers={"Cookie": cookie}).body.decode()
    first, last = re.search(r'min="([0-9-]+)" max="([0-9-]+)"', form).groups()
    for query in (
        f"since={first}&until={first}",
        f"since={last}&until={last}",
        f"since={first}&until={last}",
        f"until={first}",
    ):  # fmt: skip  (the last: since defaults to twelve weeks before, past the bound)
        shown = http(f"{server.url}/admin?{query}", headers={"Cookie": cookie})
        assert shown.status == 200, query
        fields = re.findall(r'name="(?:since|until)" value="([0-9-]+)"', shown.body.decode())
        assert len(fields) == 2 and all(first <= day <= last for day in fields), (query, fields)
        for link in re.findall(r'href="(/admin/report\.(?:csv|json)\?[^"]+)"', shown.body.decode()):
            assert http(server.url + link.replace("&amp;", "&"), headers={"Cookie": cookie}).status == 200


def _upnext(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "UPNEXT_"))}
    env |= {"UPNEXT_HOME": str(home), "PYTHONPATH": str(Path(__file__).parents[2])}
    return subprocess.run([sys.executable, "-m", "upnext.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "--until", "0001-01-01"), "error: --until 0001-01-01 is outside 2000-01-03 to 2100-12-26"),
        (("report", "--since", "9999-12-31"), "error: --since 9999-12-31 is outside 2000-01-03 to 2100-12-26"),
        (("report", "--until", "31/12/2026"), "error: --until is not a date (YYYY-MM-DD): '31/12/2026'"),
        (
            ("report", "--since", "2026-02-01", "--until", "2026-01-01"),
            "error: --since 2026-02-01 is after --until 2026-01-01",
        ),
        (
            ("nudges", "preview", "--at", "0001-01-01T00:00"),
            "error: --at 0001-01-01T00:00 is outside 2000-01-03 to 2100-12-26",
        ),
        (
            ("nudges", "preview", "--at", "tomorrow\x1b[2J"),
            "error: --at is not a date and time (ISO 8601): 'tomorrow\\x1b[2J'",
        ),
    ],
)
def test_the_cli_refuses_dates_out_of_range_in_one_line_with_exit_code_2(tmp_path, args, message):
    done = _upnext(*args, home=tmp_path / "home")
    assert (done.returncode, done.stderr, done.stdout) == (2, message + "\n", "")
