"""Installs by OAuth, end to end over signed HTTP: the install page and redirect, each workspace (or Grid org) answered
with its own token, and an uninstall that stops the use of a token at once."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import pytest

from config import Settings
from tests.conftest import PUBLIC_URL, RunningServer
from tests.fakes.slack import Grant
from tests.helpers import http
from tests.oauth_flow import (
    PUBLIC_HOST,
    ask_and_open_home,
    dm_from,
    event_from,
    home_from,
    install,
    install_page,
    redirect,
)
from tests.slack_requests import onboard
from upnext.logs import RedactingFormatter, secrets_of

CLIENT_ID = "1234.5678"
CLIENT_SECRET = "oauth-client-secret-0f9e8d7c"
A = Grant(token="xoxb-team-a-000001", team_id="T0TEAMA")
B = Grant(token="xoxb-team-b-000002", team_id="T0TEAMB")
ORG = Grant(token="xoxb-org-e-000003", team_id=None, enterprise_id="E0ORG")
ANA, LUIS = "U0ANA", "U0LUIS"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Installed by OAuth: no SLACK_BOT_TOKEN, the app's client id and secret instead."""
    return replace(settings, slack_bot_token=None, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET)


def until(condition, timeout: float = 10) -> None:
    """Wait for work the app does after acknowledging (an uninstall calls nothing on Slack to wait for)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)


def installed(store) -> set[tuple[str, str, str]]:
    rows = store.sql.rows("SELECT enterprise_id, team_id, bot_token FROM slack_installations")
    return {tuple(row) for row in rows}


def tokens_after(server: RunningServer, first: int) -> set[str | None]:
    return {call.token for call in server.slack.calls[first:]}


def test_two_workspaces_install_through_the_flow_and_each_is_stored(server, store):
    page, _ = install_page(server)
    assert f"redirect_uri={PUBLIC_URL}/slack/oauth_redirect" in page.body.decode()
    assert install(server, A, "code-a").status == 200
    assert install(server, B, "code-b").status == 200
    assert installed(store) == {("", "T0TEAMA", A.token), ("", "T0TEAMB", B.token)}
    assert [c.body["code"] for c in server.slack.calls_to("oauth.v2.access")] == ["code-a", "code-b"]


def test_a_learner_in_workspace_a_is_answered_and_sees_home_with_a_token_only(server, service):
    install(server, A, "code-a")
    install(server, B, "code-b")
    onboard(service, ANA)
    first = len(server.slack.calls)
    ask_and_open_home(server, A, ANA)
    assert {c.method for c in server.slack.calls[first:]} >= {"users.info", "chat.postMessage", "views.publish"}
    assert tokens_after(server, first) == {A.token}


def test_an_org_wide_install_answers_learners_of_two_workspaces_of_the_org_with_the_org_token(server, service, store):
    assert install(server, ORG, "code-org").status == 200
    assert installed(store) == {("E0ORG", "", ORG.token)}
    onboard(service, ANA)
    onboard(service, LUIS)
    first = len(server.slack.calls)
    dm_from(server, ORG, ANA, "What should I learn next?", team="T0ONE")
    dm_from(server, ORG, LUIS, "What should I learn next?", team="T0TWO")
    server.slack.wait_for(lambda calls: sum(c.method == "chat.postMessage" for c in calls) >= 2)
    server.settle()
    answered = {(c.body["channel"], c.body.get("team_id")) for c in server.slack.calls_to("chat.postMessage")}
    assert answered == {("D" + ANA, "T0ONE"), ("D" + LUIS, "T0TWO")}  # an org token names the workspace
    assert tokens_after(server, first) == {ORG.token}


def test_a_state_used_once_is_refused_the_second_time_and_nothing_more_is_stored(server, store):
    _, state = install_page(server)
    server.slack.grant("code-a", A)
    assert redirect(server, "code-a", state).status == 200
    server.slack.grant("code-b", B)
    replayed = redirect(server, "code-b", state)
    assert replayed.status == 401
    assert installed(store) == {("", "T0TEAMA", A.token)}
    assert [c.body["code"] for c in server.slack.calls_to("oauth.v2.access")] == ["code-a"]


def test_an_expired_state_is_refused(server, store):
    _, state = install_page(server)
    store.sql.execute("UPDATE slack_oauth_states SET expires_at = :past", {"past": "2020-01-01T00:00:00+00:00"})
    server.slack.grant("code-a", A)
    assert redirect(server, "code-a", state).status == 401
    assert installed(store) == set()
    assert server.slack.calls_to("oauth.v2.access") == []


def test_a_forged_redirect_stores_nothing(server, store):
    _, state = install_page(server)
    server.slack.grant("code-a", A)
    made_up = redirect(server, "code-a", "made-up-state")  # a state never issued, with a cookie to match
    other_browser = http(f"{server.url}/slack/oauth_redirect?code=code-a&state={state}", headers=PUBLIC_HOST)
    assert made_up.status == 401 and other_browser.status == 400
    assert installed(store) == set()
    assert server.slack.calls_to("oauth.v2.access") == []


def test_the_install_page_is_served_at_the_public_url_only(server):
    assert http(server.url + "/slack/install").status == 404  # reached by another address: its cookie would be lost
    assert install_page(server)[0].status == 200


def test_after_b_uninstalls_no_call_carries_b_token_and_a_is_still_answered(server, service, store):
    install(server, A, "code-a")
    install(server, B, "code-b")
    onboard(service, ANA)
    onboard(service, LUIS)
    dm_from(server, B, LUIS, "What should I learn next?")
    server.slack.wait_for_call("chat.postMessage")  # B was served (and its installation is in the cache)
    server.slack.revoke(B.token)  # Slack revokes the token, then tells the app
    assert event_from(server, B, {"type": "app_uninstalled"}).status == 200
    until(lambda: installed(store) == {("", "T0TEAMA", A.token)})
    first = len(server.slack.calls)
    dm_from(server, B, LUIS, "What should I learn next?")
    home_from(server, B, LUIS)
    dm_from(server, A, ANA, "What should I learn next?")
    server.answer("chat.postMessage", "Up next for you")
    server.settle()
    assert tokens_after(server, first) == {A.token}
    assert {c.body["channel"] for c in server.slack.calls[first:] if c.method == "chat.postMessage"} == {"D" + ANA}


def test_revoked_bot_tokens_delete_the_installation_and_revoked_user_tokens_do_not(server, store):
    install(server, A, "code-a")
    install(server, B, "code-b")
    event_from(server, A, {"type": "tokens_revoked", "tokens": {"oauth": ["U0INSTALLER"]}})  # none kept
    event_from(server, B, {"type": "tokens_revoked", "tokens": {"bot": [B.bot_user_id]}})
    server.settle()
    assert installed(store) == {("", "T0TEAMA", A.token)}


def test_an_org_uninstall_from_any_of_its_workspaces_deletes_the_org_install(server, store):
    install(server, A, "code-a")
    install(server, ORG, "code-org")
    server.slack.revoke(ORG.token)
    event_from(server, ORG, {"type": "app_uninstalled"}, team="T0ONE")
    server.settle()
    assert installed(store) == {("", "T0TEAMA", A.token)}


def test_the_client_secret_is_in_no_log_line(server, settings):
    lines: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.setFormatter(RedactingFormatter(secrets_of(settings)))
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    root = logging.getLogger()
    level, root.level = root.level, logging.DEBUG
    root.addHandler(handler)
    try:
        install(server, A, "code-a")
        _, state = install_page(server)
        redirect(server, "code-never-granted", state)  # Bolt logs the failed exchange
        logging.getLogger("slack_sdk").warning("Sending a request - body_params: {'client_secret': %r}", CLIENT_SECRET)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert any("oauth.v2.access" in line for line in lines) and any("[redacted]" in line for line in lines)
    assert not [line for line in lines if CLIENT_SECRET in line or A.token in line]
