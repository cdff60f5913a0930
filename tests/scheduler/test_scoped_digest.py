"""Installed by OAuth, each workspace's (or org's) weekly digest goes to the channel one of its admins chose with
`/learn admin digest here`: its own learners' figures, posted with the token of that workspace's installation, once
per scope and week across clocks, folded like every view and naming no one."""

from __future__ import annotations

import json

from insights.queries import Scope
from learning.timestamps import utcnow
from scheduler.digest import ScopedDigests, last_full_week
from tests.admin.test_who_sees_what import (  # noqa: F401  (learners and settings are fixtures)
    B_ADMIN,
    ONE,
    ORG_ADMIN,
    PEOPLE,
    admin_in,
    command_from,
    learners,
    settings,
)
from tests.bot.test_oauth_installs import ORG, A, B
from tests.fakes.slack import default_user
from tests.oauth_flow import install
from upnext.schema import open_store

A_ADMIN = "U0AADMIN"


def choose(server, grant, user: str, channel: str, words: str = "here", team: str | None = None) -> str:
    """`/learn admin digest WORDS` typed by `user` in `channel`; the text of the answer."""
    before = len(server.slack.calls_to("respond"))
    assert command_from(server, grant, user, f"admin digest {words}", team, channel).status == 200
    server.slack.wait_for(lambda calls: sum(c.method == "respond" for c in calls) > before)
    return server.slack.calls_to("respond")[-1].body["text"]


def posted(slack) -> dict[str, tuple[str | None, str]]:
    """Channel -> (the token the digest carried, its text)."""
    return {c.body["channel"]: (c.token, c.body["text"]) for c in slack.calls_to("chat.postMessage")
            if c.body["channel"].endswith("DIGEST")}  # fmt: skip


def test_each_workspace_gets_its_own_digest_with_its_own_token_once_a_week(server, learners, upnext, settings):  # noqa: F811
    install(server, A, "code-a")
    install(server, B, "code-b")
    slack = server.slack
    assert "posted in this channel" in choose(server, A, admin_in(slack, A_ADMIN, A.team_id), "C0ADIGEST")
    assert "posted in this channel" in choose(server, B, admin_in(slack, B_ADMIN, B.team_id), "C0BDIGEST")

    assert upnext.scoped_digests().post() is True
    assert posted(slack) == {
        "C0ADIGEST": (A.token, "Upnext this week: 7 active learners, 7 picks started, 0 questions"),
        "C0BDIGEST": (B.token, "Upnext this week: 5 active learners, 5 picks started, 0 questions"),
    }
    charts = {(c.body["channel_id"], c.token) for c in slack.calls_to("files.completeUploadExternal")}
    assert charts == {("C0ADIGEST", A.token), ("C0BDIGEST", B.token)}

    store = open_store(settings.database)  # another clock, on its own connection: the weeks are claimed
    try:
        clients = upnext.installation_clients()
        client_for = lambda chosen: clients.client_in(chosen.enterprise_id, chosen.team_id)  # noqa: E731
        other = ScopedDigests(store, upnext.build_report, client_for, settings.reporting)
        assert other.post() is False and upnext.scoped_digests().post() is False
    finally:
        store.close()
    assert len(slack.calls_to("chat.postMessage")) == 2
    blocks = json.dumps([c.body for c in slack.calls_to("chat.postMessage")])
    for who in [*PEOPLE[A.team_id], *PEOPLE[B.team_id], A_ADMIN, B_ADMIN]:
        assert who not in blocks and default_user(who)["real_name"] not in blocks


def test_an_org_admins_digest_is_the_orgs_and_a_small_group_is_folded(server, learners, upnext, store):  # noqa: F811
    install(server, ORG, "code-org")
    admin_in(server.slack, ORG_ADMIN, ONE, org_admin=True)
    assert "Organisation E0ORG" in choose(server, ORG, ORG_ADMIN, "C0ORGDIGEST", team=ONE)
    store.sql.execute("UPDATE learners SET team_id = 'T0FEW' WHERE slack_id IN ('W0TWO0', 'W0TWO1')")

    assert upnext.scoped_digests().post() is True
    [(token, text)] = posted(server.slack).values()
    # ONE's seven: TWO's three left and the two moved are too few in their own workspaces, so in the org's too
    assert token == ORG.token and text.startswith("Upnext this week: 7 active learners")
    [message] = server.slack.calls_to("chat.postMessage")
    assert message.body["team_id"] == ONE  # an org token names the workspace the channel is in
    few = upnext.build_report(Scope.workspace("T0FEW"), last_full_week(utcnow().date()))
    assert few.adoption.active == 0 and few.funnel.total.started == 0  # two people: folded


def test_only_an_admin_chooses_a_channel_and_off_stops_the_digest(server, learners, upnext, store):  # noqa: F811
    install(server, B, "code-b")
    assert "only for workspace admins" in choose(server, B, "U0B0", "C0BDIGEST")
    assert store.sql.value("SELECT count(*) FROM digest_channels") == 0
    admin_in(server.slack, B_ADMIN, B.team_id)
    assert "in the channel where" in choose(server, B, B_ADMIN, "DU0BADMIN")  # typed in a DM: no channel
    choose(server, B, B_ADMIN, "C0BDIGEST")
    assert "no longer be posted" in choose(server, B, B_ADMIN, "C0BDIGEST", "off")
    assert store.sql.value("SELECT count(*) FROM digest_channels") == 0
    assert upnext.scoped_digests().post() is False and posted(server.slack) == {}
