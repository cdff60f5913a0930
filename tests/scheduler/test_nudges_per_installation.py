"""Installed by OAuth, the clock plans per installation and sends each nudge with the token of the installation
serving that learner: their workspace's own, else their Grid org's org-wide one (which names their workspace). A
learner no installation serves is neither planned nor messaged, even after planning (an uninstall)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.workspace_clients import InstallationClients
from config import Settings
from learning.people.departures import LEFT
from scheduler.delivery import METADATA_EVENT, Sender, installation_clients
from scheduler.planner import Planner
from tests.fakes.slack import Grant
from tests.oauth_flow import event_from, idle_learner, install
from tests.scheduler.test_nudges import POLICY, Clock

A = Grant(token="xoxb-team-a-000001", team_id="T0TEAMA")
B = Grant(token="xoxb-team-b-000002", team_id="T0TEAMB")
ORG = Grant(token="xoxb-org-e-000003", team_id=None, enterprise_id="E0ORG")
GRID_ONE = Grant(token="xoxb-grid-one-004", team_id="T0ONE", enterprise_id="E0ORG")  # a workspace of the org
MONDAY = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # before any window opens
IDLE_SINCE = MONDAY - timedelta(days=31)  # a come-back nudge is due that day


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Installed by OAuth: no SLACK_BOT_TOKEN, the app's client id and secret instead."""
    return replace(settings, slack_bot_token=None, slack_client_id="1234.5678", slack_client_secret="a-secret")


@pytest.fixture
def clock(service) -> Clock:
    clock = Clock(MONDAY)
    service.recommender.clock = clock
    return clock


@pytest.fixture
def clients(upnext, settings) -> InstallationClients:
    """The clock's view of the installations: its own repository, as in its own process."""
    return installation_clients(settings, upnext.oauth_stores().installations)


@pytest.fixture
def two_workspaces(server, service, fake_slack) -> None:
    """Workspaces A and B installed through the OAuth flow; Ana idle in A, Luis idle in B."""
    install(server, A, "code-a")
    install(server, B, "code-b")
    idle_learner(service, fake_slack, "U0ANA", A.team_id, None, IDLE_SINCE)
    idle_learner(service, fake_slack, "U0LUIS", B.team_id, None, IDLE_SINCE)


def sender(service, clients, clock, worker: str = "test") -> Sender:
    return Sender(service, clients, POLICY, clock, sleep=lambda s: None, worker=worker)


def plan_and_send(service, clients, clock) -> None:
    """The clock's planning, then its sends once the day's nudges are due."""
    Planner(service, POLICY, clock, workspaces=clients).plan()
    clock.now += timedelta(days=1)
    sender(service, clients, clock).run_once()


def calls_about(fake_slack, user: str) -> set[tuple[str, str | None, str | None]]:
    """(method, token, team_id named) of every call Slack got about this learner."""
    about = {user, "D" + user}  # the learner, or their DM with the app
    return {(c.method, c.token, c.body.get("team_id")) for c in fake_slack.calls
            if about & {c.body.get("user"), c.body.get("users"), c.body.get("channel")}}  # fmt: skip


def statuses(store) -> dict[str, tuple[str, str | None]]:
    return {learner: (status, error) for learner, status, error in store.sql.rows(
        "SELECT learner_id, status, error FROM nudges")}  # fmt: skip


def test_learners_of_two_workspaces_are_each_nudged_with_their_own_workspace_token(
    two_workspaces, service, fake_slack, clients, clock, store
):
    plan_and_send(service, clients, clock)
    assert statuses(store) == {"U0ANA": ("sent", None), "U0LUIS": ("sent", None)}
    assert calls_about(fake_slack, "U0ANA") == {("users.info", A.token, None), ("chat.postMessage", A.token, None)}
    assert calls_about(fake_slack, "U0LUIS") == {("users.info", B.token, None), ("chat.postMessage", B.token, None)}


def test_an_org_wide_install_nudges_learners_of_its_workspaces_with_the_org_token_naming_their_workspace(
    server, service, fake_slack, clients, clock, store
):
    install(server, ORG, "code-org")
    idle_learner(service, fake_slack, "U0ANA", "T0ONE", "E0ORG", IDLE_SINCE)
    idle_learner(service, fake_slack, "U0LUIS", "T0TWO", "E0ORG", IDLE_SINCE)
    plan_and_send(service, clients, clock)
    assert statuses(store) == {"U0ANA": ("sent", None), "U0LUIS": ("sent", None)}
    assert calls_about(fake_slack, "U0ANA") == {("users.info", ORG.token, "T0ONE"),
                                                ("chat.postMessage", ORG.token, "T0ONE")}  # fmt: skip
    assert calls_about(fake_slack, "U0LUIS") == {("users.info", ORG.token, "T0TWO"),
                                                 ("chat.postMessage", ORG.token, "T0TWO")}  # fmt: skip


def test_a_workspace_an_org_wide_install_lost_access_to_gets_nothing_planned_or_sent_and_the_others_do(
    server, service, fake_slack, clients, clock, store
):
    install(server, ORG, "code-org")
    idle_learner(service, fake_slack, "U0ANA", "T0ONE", "E0ORG", IDLE_SINCE)
    idle_learner(service, fake_slack, "U0LUIS", "T0TWO", "E0ORG", IDLE_SINCE)
    assert event_from(server, ORG, {"type": "team_access_revoked", "team_ids": ["T0TWO"]}).status == 200
    server.settle()
    plan_and_send(service, clients, clock)
    assert statuses(store) == {"U0ANA": ("sent", None)}  # the org's token still serves T0ONE, and only it
    assert calls_about(fake_slack, "U0LUIS") == set()


def test_a_grid_workspace_installed_on_its_own_is_nudged_with_its_own_token_not_the_org_s(
    server, service, fake_slack, clients, clock
):
    install(server, ORG, "code-org")
    install(server, GRID_ONE, "code-one")
    idle_learner(service, fake_slack, "U0ANA", "T0ONE", "E0ORG", IDLE_SINCE)
    idle_learner(service, fake_slack, "U0LUIS", "T0TWO", "E0ORG", IDLE_SINCE)
    plan_and_send(service, clients, clock)
    assert {token for _, token, _ in calls_about(fake_slack, "U0ANA")} == {GRID_ONE.token}
    assert {token for _, token, _ in calls_about(fake_slack, "U0LUIS")} == {ORG.token}


def test_a_learner_whose_workspace_has_no_installation_gets_nothing_planned_or_sent(
    server, service, fake_slack, clients, clock, store
):
    install(server, A, "code-a")
    idle_learner(service, fake_slack, "U0ANA", A.team_id, None, IDLE_SINCE)
    idle_learner(service, fake_slack, "U0NOBODY", "T0NOTINSTALLED", None, IDLE_SINCE)
    idle_learner(service, fake_slack, "U0GRID", "T0GRID", "E0NOTINSTALLED", IDLE_SINCE)
    plan_and_send(service, clients, clock)
    assert statuses(store) == {"U0ANA": ("sent", None)}
    assert calls_about(fake_slack, "U0NOBODY") == calls_about(fake_slack, "U0GRID") == set()


def test_a_nudge_planned_before_its_workspace_uninstalled_is_not_sent_and_the_other_workspace_is(
    two_workspaces, server, service, fake_slack, clients, clock, store
):
    Planner(service, POLICY, clock, workspaces=clients).plan()
    assert clients.installations.find_installation(enterprise_id=None, team_id=B.team_id)  # the clock's cache has B
    fake_slack.revoke(B.token)
    assert event_from(server, B, {"type": "app_uninstalled"}).status == 200  # the web process deletes B's tokens
    server.settle()
    first = len(fake_slack.calls)
    clock.now += timedelta(days=1)
    sender(service, clients, clock).run_once()
    # the uninstall cancelled Luis's planned nudge; the clock, its cache still holding B, sent nothing with B's token
    assert statuses(store) == {"U0ANA": ("sent", None), "U0LUIS": ("skipped", LEFT)}
    assert {c.token for c in fake_slack.calls[first:]} == {A.token}


def test_a_token_slack_revoked_before_the_uninstall_arrives_ends_the_nudge_without_retrying(
    server, service, fake_slack, clients, clock, store
):
    install(server, B, "code-b")
    idle_learner(service, fake_slack, "U0LUIS", B.team_id, None, IDLE_SINCE)
    Planner(service, POLICY, clock, workspaces=clients).plan()
    fake_slack.revoke(B.token)  # app_uninstalled is still on its way: the installation is in the store
    clock.now += timedelta(days=1)
    sender(service, clients, clock).run_once()
    clock.now += timedelta(days=1)
    sender(service, clients, clock).run_once()
    assert statuses(store) == {"U0LUIS": ("skipped", "token_revoked")}
    assert len([c for c in fake_slack.calls if c.token == B.token and c.method != "auth.test"]) == 1


def test_a_claim_left_by_a_dead_clock_is_reconciled_with_the_learner_s_own_workspace_token(
    two_workspaces, service, fake_slack, clients, clock, store
):
    Planner(service, POLICY, clock, workspaces=clients).plan()
    clock.now += timedelta(days=1)
    # a clock claimed Luis's nudge and died once Slack had the message, before recording it
    dead = sender(service, clients, clock, worker="dead")
    luis = store.sql.value("SELECT id FROM nudges WHERE learner_id = 'U0LUIS'")
    assert dead.nudges.claim(luis, "dead", clock.now)
    nudge = {"event_type": METADATA_EVENT, "event_payload": {"nudge_id": luis}}
    clients.client_for(service.learners.get("U0LUIS")).chat_postMessage(channel="U0LUIS", text="x", metadata=nudge)
    clock.now += timedelta(minutes=10)
    report = sender(service, clients, clock, worker="new").run_once()
    assert report.reconciled == 1 and report.sent == 1
    assert statuses(store) == {"U0ANA": ("sent", None), "U0LUIS": ("sent", None)}
    assert {token for _, token, _ in calls_about(fake_slack, "U0LUIS")} == {B.token}
    assert len(fake_slack.calls_to("conversations.history")) == 1
    assert [c.body["channel"] for c in fake_slack.calls_to("chat.postMessage")].count("U0LUIS") == 1
