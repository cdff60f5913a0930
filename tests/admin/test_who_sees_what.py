"""Who sees what when Upnext is installed by OAuth in several workspaces, over signed HTTP: a workspace's admins see
that workspace's figures only; an Enterprise Grid org's admins see the org and pick each of its workspaces; those in
UPNEXT_ADMINS see everyone and pick any org or workspace. Each admin check asks Slack with the token of the admin's
own workspace. No view names a learner."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from admin.signin import RECHECK
from config import Settings
from insights.report import Window
from learning.timestamps import utcnow
from tests.admin.test_signin import follow, session_cookie
from tests.bot.test_oauth_installs import CLIENT_ID, CLIENT_SECRET, ORG, A, B
from tests.conftest import OPERATOR_ADMIN
from tests.fakes.signing import FORM, form_body, post_signed, slash_command
from tests.fakes.slack import Grant, default_user
from tests.helpers import http
from tests.insights.test_rollups import seeded
from tests.insights.test_scopes import seed_workspace
from tests.oauth_flow import install

B_ADMIN, ORG_ADMIN, TWO_ADMIN = "U0BADMIN", "W0ORGADMIN", "W0TWOADMIN"
ONE, TWO = "T0ONE", "T0TWO"
PEOPLE = {A.team_id: [f"U0A{i}" for i in range(7)], B.team_id: [f"U0B{i}" for i in range(5)],
          ONE: [f"W0ONE{i}" for i in range(7)], TWO: [f"W0TWO{i}" for i in range(5)]}  # fmt: skip


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Installed by OAuth: no SLACK_BOT_TOKEN, the app's client id and secret instead."""
    return replace(settings, slack_bot_token=None, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET)


@pytest.fixture
def learners(server, upnext) -> None:
    """Seven learners in A, five in B (standalone workspaces); seven in ONE and five in TWO (of the org): each shown
    a pick last week, which they started."""
    tuesday = Window.last_weeks(1, utcnow().date()).since + timedelta(days=1)
    seeder = seeded(upnext)
    for team, people in PEOPLE.items():
        seed_workspace(seeder, team, ORG.enterprise_id if team in (ONE, TWO) else None, people, tuesday)


def admin_in(fake_slack, user: str, team: str, org_admin: bool = False, workspace_admin: bool = True) -> str:
    """Someone Slack says is an admin of workspace `team` (and, with `org_admin`, of the org it is in), with the
    seeded learners' role, time zone and language (so that they count among them, not alone in a folded group)."""
    given = default_user(user)
    profile = {**given, "team_id": team, "is_admin": workspace_admin, "tz": "Europe/Madrid",
               "profile": {**given["profile"], "title": "Analyst"}}  # fmt: skip
    if team in (ONE, TWO):
        profile["enterprise_user"] = {"id": user, "enterprise_id": ORG.enterprise_id, "is_admin": org_admin,
                                      "is_owner": False, "teams": [ONE, TWO]}  # fmt: skip
    fake_slack.users[user] = profile
    return user


def command_from(server, grant: Grant, user: str, text: str, team: str | None = None, channel: str = "C0GENERAL"):
    """`/learn TEXT` typed by `user` in `channel` of workspace `team` (by default the grant's), sent to that
    installation."""
    fields = {**slash_command(text, server.slack.response_url(), user), "team_id": team or grant.team_id,
              "channel_id": channel}  # fmt: skip
    if grant.enterprise_id:
        fields["enterprise_id"] = grant.enterprise_id
    if grant.team_id is None:
        fields["is_enterprise_install"] = "true"
    return post_signed(server, form_body(fields), FORM)


def signed_in(server, grant: Grant, user: str, team: str | None = None) -> str:
    """The session cookie of `user` after `/learn admin` in their workspace and a click on the link it answered."""
    links = lambda calls: [c for c in calls if c.method == "respond" and "dashboard" in c.body.get("text", "")]  # noqa: E731
    before = len(links(server.slack.calls))
    assert command_from(server, grant, user, "admin", team).status == 200
    reply = links(server.slack.wait_for(lambda calls: len(links(calls)) > before))[-1].body
    link = next(e["url"] for b in reply["blocks"] for e in b.get("elements", []) if e.get("url"))
    response = follow(server, link)
    assert response.status == 200
    return session_cookie(response)


def figures(server, cookie: str, scope: str | None = None, page: str = "report.json"):
    query = f"?scope={scope}" if scope is not None else ""
    return http(f"{server.url}/admin/{page}{query}", headers={"Cookie": cookie})


def known(server, cookie: str, scope: str | None = None) -> int:
    response = figures(server, cookie, scope)
    assert response.status == 200
    return json.loads(response.body)["adoption"]["known"]


def names_no_one(*bodies: bytes) -> None:
    for body in bodies:
        text = body.decode()
        for who in [*(w for people in PEOPLE.values() for w in people), B_ADMIN, ORG_ADMIN, TWO_ADMIN]:
            assert who not in text and default_user(who)["real_name"] not in text


def options(html: str) -> list[str]:
    return [part.split('"')[1] for part in html.split("<option value=")[1:]]


def test_a_workspace_admin_sees_that_workspaces_figures_only(server, learners, fake_slack):
    install(server, A, "code-a")
    install(server, B, "code-b")
    cookie = signed_in(server, B, admin_in(fake_slack, B_ADMIN, B.team_id))

    assert known(server, cookie) == 6  # B's five, and its admin
    page = figures(server, cookie, page="").body
    assert b"Figures for <strong>Workspace T0TEAMB</strong>" in page and b"<select" not in page
    for other in (f"workspace:{A.team_id}", "org:E0ORG", "workspace:T0ONE"):
        assert figures(server, cookie, other).status == 403
        assert figures(server, cookie, other, "report.csv").status == 403
    assert figures(server, cookie, "everyone").status == 400
    names_no_one(page, figures(server, cookie).body, figures(server, cookie, page="report.csv").body)
    asked = {c.token for c in server.slack.calls_to("users.info") if c.body.get("user") == B_ADMIN}
    assert asked == {B.token}  # B's admin is asked about with B's token, never A's


def test_an_org_admin_sees_the_org_and_each_of_its_workspaces(server, learners, fake_slack):
    install(server, ORG, "code-org")
    install(server, A, "code-a")
    cookie = signed_in(server, ORG, admin_in(fake_slack, ORG_ADMIN, ONE, org_admin=True), team=ONE)

    assert known(server, cookie) == 13  # the org: ONE's seven and its admin, TWO's five
    assert (known(server, cookie, f"workspace:{ONE}"), known(server, cookie, f"workspace:{TWO}")) == (8, 5)
    page = figures(server, cookie, page="").body.decode()
    assert options(page) == ["org:E0ORG", f"workspace:{ONE}", f"workspace:{TWO}"]
    assert figures(server, cookie, f"workspace:{A.team_id}").status == 403  # a workspace outside the org
    assert "Everyone" not in page
    two = figures(server, cookie, f"workspace:{TWO}", page="")
    names_no_one(page.encode(), two.body, figures(server, cookie, f"workspace:{TWO}", "report.csv").body)


def test_a_workspace_admin_inside_an_org_sees_their_workspace_not_the_org(server, learners, fake_slack):
    install(server, ORG, "code-org")
    cookie = signed_in(server, ORG, admin_in(fake_slack, TWO_ADMIN, TWO), team=TWO)

    assert known(server, cookie) == 6  # TWO's five, and its admin
    assert figures(server, cookie, "org:E0ORG").status == 403
    assert figures(server, cookie, f"workspace:{ONE}").status == 403


def test_those_named_in_upnext_admins_see_everyone_and_pick_any_org_or_workspace(server, learners, fake_slack):
    install(server, A, "code-a")
    cookie = signed_in(server, A, admin_in(fake_slack, OPERATOR_ADMIN, A.team_id, workspace_admin=False))

    assert known(server, cookie) == 25  # every learner of every workspace, the operator among A's
    page = figures(server, cookie, page="").body.decode()
    assert options(page) == ["", "org:E0ORG", f"workspace:{ONE}", f"workspace:{A.team_id}", f"workspace:{B.team_id}",
                             f"workspace:{TWO}"]  # fmt: skip
    assert known(server, cookie, f"workspace:{B.team_id}") == 5


def test_an_admin_no_longer_admin_of_their_workspace_loses_the_dashboard(server, learners, fake_slack, admin_clock):
    install(server, B, "code-b")
    cookie = signed_in(server, B, admin_in(fake_slack, B_ADMIN, B.team_id))
    fake_slack.users[B_ADMIN]["is_admin"] = False
    admin_clock.ahead = RECHECK
    assert figures(server, cookie).status == 403
