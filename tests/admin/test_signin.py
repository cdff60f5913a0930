"""Signing in to /admin: `/learn admin` gives admins (and only them) a one-time link; the link works once, for ten
minutes, and sets an HttpOnly SameSite=Strict session cookie; anything else gets a 403 page saying what to do."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from admin.signin import RECHECK, SignIn
from learning.timestamps import utcnow
from tests.conftest import OPERATOR_ADMIN, PUBLIC_URL
from tests.fakes.slack import default_user
from tests.helpers import http
from tests.slack_requests import command

WORKSPACE_ADMIN = "U0BOSS"


def link_from_slack(server, user: str) -> str:
    """The URL on the button of the ephemeral answer to `/learn admin` typed by `user`."""
    assert command(server, "admin", user).status == 200
    reply = server.answer("respond", "dashboard")
    return next(e["url"] for b in reply["blocks"] for e in b.get("elements", []) if e.get("url"))


def follow(server, link: str, cookie: str | None = None):
    """GET the link's path and query on the test server (UPNEXT_PUBLIC_URL points at it in production)."""
    assert link.startswith(PUBLIC_URL + "/admin")
    parts = urlsplit(link)
    return http(f"{server.url}{parts.path}?{parts.query}", headers={"Cookie": cookie} if cookie else {})


def session_cookie(response) -> str:
    return response.headers["Set-Cookie"].split(";")[0]


@pytest.fixture
def admin(fake_slack):
    fake_slack.users[WORKSPACE_ADMIN] = {**default_user(WORKSPACE_ADMIN), "is_admin": True}
    return WORKSPACE_ADMIN


def test_a_workspace_admin_gets_a_link_that_signs_in_once(server, admin):
    link = link_from_slack(server, admin)
    signed_in = follow(server, link)
    assert signed_in.status == 200
    cookie = signed_in.headers["Set-Cookie"]
    assert all(part in cookie for part in ("HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age=28800"))
    page = http(server.url + "/admin", headers={"Cookie": session_cookie(signed_in)})
    assert page.status == 200 and b"<svg" in page.body and b"Adoption" in page.body
    reused = follow(server, link)
    assert reused.status == 403 and b"/learn admin" in reused.body


def test_someone_named_in_upnext_admins_gets_a_link_too(server):
    assert follow(server, link_from_slack(server, OPERATOR_ADMIN)).status == 200


def test_anyone_else_gets_a_polite_no_and_no_link(server, service, store):
    assert command(server, "admin", "U0ANA").status == 200
    reply = server.answer("respond", "only for workspace admins")
    assert not any(e.get("url") for b in reply["blocks"] for e in b.get("elements", []))
    assert store.sql.value("SELECT count(*) FROM admin_tokens") == 0


def test_expired_forged_and_missing_links_and_no_session_are_refused(server, upnext):
    expired = SignIn(upnext.admin_tokens, clock=lambda: utcnow() - timedelta(minutes=11)).link(
        OPERATOR_ADMIN, PUBLIC_URL
    )
    for link in (expired, PUBLIC_URL + "/admin/login?token=forged", PUBLIC_URL + "/admin/login"):
        refused = follow(server, link)
        assert refused.status == 403 and b"/learn admin" in refused.body and "Set-Cookie" not in refused.headers
    for cookie in (None, "upnext_admin=forged", "upnext_admin="):
        assert http(server.url + "/admin", headers={"Cookie": cookie} if cookie else {}).status == 403
    assert http(server.url + "/admin/report.csv").status == 403


def test_pages_change_nothing_and_refuse_posts(server, admin):
    cookie = session_cookie(follow(server, link_from_slack(server, admin)))
    posted = http(server.url + "/admin", body=b"x=1", headers={"Cookie": cookie}, method="POST")
    assert posted.status == 405
    exported = http(server.url + "/admin/report.csv?since=2026-01-01&until=2026-12-31", headers={"Cookie": cookie})
    assert exported.status == 200 and exported.body.startswith(b'"section","group","metric","value"')
    bad = http(server.url + "/admin?since=2026-12-31&until=2026-01-01", headers={"Cookie": cookie})
    assert bad.status == 400


def _page(server, cookie: str):
    return http(server.url + "/admin", headers={"Cookie": cookie})


def test_a_session_ends_within_five_minutes_of_its_holder_losing_the_admin_right(server, admin, fake_slack,
                                                                                 admin_clock):  # fmt: skip
    cookie = session_cookie(follow(server, link_from_slack(server, admin)))
    assert _page(server, cookie).status == 200
    fake_slack.users[admin]["is_admin"] = False  # demoted in Slack

    admin_clock.ahead = RECHECK
    assert _page(server, cookie).status == 403
    fake_slack.users[admin]["is_admin"] = True
    assert _page(server, cookie).status == 403  # the session ended for good: a new link starts a new one


def test_a_session_waits_for_slack_rather_than_trusting_an_old_answer(server, admin, fake_slack, admin_clock):
    cookie = session_cookie(follow(server, link_from_slack(server, admin)))
    admin_clock.ahead = RECHECK
    fake_slack.fail("users.info", status=200, error="fatal_error")

    unconfirmed = _page(server, cookie)
    assert unconfirmed.status == 503 and b"cannot reach Slack" in unconfirmed.body
    assert _page(server, cookie).status == 200  # Slack answers again: the session was kept


def test_a_link_made_for_someone_who_is_not_an_admin_does_not_sign_them_in(server, upnext):
    link = SignIn(upnext.admin_tokens).link("U0ANA", PUBLIC_URL)
    refused = follow(server, link)
    assert refused.status == 403 and "Set-Cookie" not in refused.headers


def test_with_one_token_an_admin_sees_everyone_with_no_picker_and_the_digest_stays_the_operators(server, admin):
    cookie = session_cookie(follow(server, link_from_slack(server, admin)))
    page = _page(server, cookie)
    assert page.status == 200 and b"<select" not in page.body and b"Figures for" not in page.body
    assert http(server.url + "/admin?scope=workspace:T0LOCAL", headers={"Cookie": cookie}).status == 403
    assert command(server, "admin digest here", admin).status == 200
    assert "UPNEXT_REPORT_CHANNEL" in server.answer("respond", "weekly digest")["text"]
