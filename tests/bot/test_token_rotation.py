"""Token rotation (SLACK_TOKEN_ROTATION=on): a token about to expire is refreshed by whichever process needs it first,
a request or the clock, with its refresh token used once across processes, and every call then carries the new token;
with rotation off nothing is ever refreshed."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.installations import InstallationRepository, key_of
from bot.token_rotation import token_refresher
from config import Settings
from tests.bot.test_oauth_installs import ANA, CLIENT_ID, CLIENT_SECRET
from tests.conftest import RunningServer
from tests.fakes.slack import Grant
from tests.oauth_flow import ask_and_open_home, dm_from, home_from, install
from tests.slack_requests import onboard
from upnext.build import departures_of

TEAM = "T0TEAMA"
# Installed long enough ago that a minute of its 12 hours is left: within the margin, so due for a refresh
EXPIRING = Grant(token="xoxb-team-a-000001", team_id=TEAM, expires_in=60)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def rotation(request: pytest.FixtureRequest) -> bool:
    return getattr(request, "param", True)


@pytest.fixture
def settings(settings: Settings, rotation: bool) -> Settings:
    """Installed by OAuth, with token rotation on unless a test says otherwise."""
    return replace(
        settings,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_token_rotation=rotation,
    )


def stored(store) -> Installation:
    """The workspace's installation as the store holds it now (read past any cache)."""
    found = InstallationRepository(store, departures_of(store)).find_installation(enterprise_id=None, team_id=TEAM)
    assert found is not None
    return found


def tokens_carried(server: RunningServer, first: int) -> set[str | None]:
    """The tokens the Web API calls since `first` carried (a refresh authenticates with the app's credentials)."""
    return {c.token for c in server.slack.calls[first:] if c.method != "oauth.v2.access"}


def test_requests_when_the_token_is_about_to_expire_refresh_it_once_and_carry_the_new_token(server, service, store):
    install(server, EXPIRING, "code-a")
    installed = stored(store)
    onboard(service, ANA)
    first = len(server.slack.calls)
    ask_and_open_home(server, EXPIRING, ANA)
    refreshed = stored(store)
    assert [c.body["refresh_token"] for c in server.slack.refreshes()] == [installed.bot_refresh_token]
    assert refreshed.bot_token not in (None, EXPIRING.token)
    assert refreshed.bot_refresh_token not in (None, installed.bot_refresh_token)
    assert tokens_carried(server, first) == {refreshed.bot_token}


@pytest.mark.parametrize("rotation", [False], indirect=True)
def test_with_rotation_off_no_token_is_ever_refreshed_even_once_slack_says_it_expired(server, service):
    install(server, EXPIRING, "code-a")
    onboard(service, ANA)
    first = len(server.slack.calls)
    dm_from(server, EXPIRING, ANA, "What should I learn next?")
    server.answer("chat.postMessage", "Up next for you")
    server.slack.expire(EXPIRING.token)
    home_from(server, EXPIRING, ANA)
    server.settle()
    assert server.slack.refreshes() == []
    assert tokens_carried(server, first) == {EXPIRING.token}


def test_a_refresh_slack_refuses_changes_nothing_stored_and_the_next_request_refreshes(server, service, store):
    install(server, EXPIRING, "code-a")
    installed = stored(store)
    onboard(service, ANA)
    server.slack.fail("oauth.v2.access", status=200, error="internal_error")
    first = len(server.slack.calls)
    dm_from(server, EXPIRING, ANA, "What should I learn next?")  # refused while authorizing, before the ack
    kept = stored(store)
    assert (kept.bot_token, kept.bot_refresh_token) == (EXPIRING.token, installed.bot_refresh_token)
    home_from(server, EXPIRING, ANA)
    server.slack.wait_for_call("views.publish")
    server.settle()
    assert [c.body["refresh_token"] for c in server.slack.refreshes()] == [installed.bot_refresh_token]
    assert not [c for c in server.slack.calls[first:] if c.method == "chat.postMessage"]  # the DM went unanswered


def test_an_installation_uninstalled_before_its_refresh_is_not_refreshed(server, settings, store):
    install(server, EXPIRING, "code-a")
    installations = InstallationRepository(store, departures_of(store))
    found = stored(store)
    installations.remove(key_of(None, TEAM, False))
    assert token_refresher(settings, installations).fresh(found) is None
    assert server.slack.refreshes() == []


def refresh_process(settings: Settings) -> subprocess.Popen:
    """A process of its own on the same store and Slack (tests/token_refresh_process.py), configured as `upnext`."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "UPNEXT_", "DATABASE_"))},
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_TOKEN_ROTATION": "on",
        "SLACK_API_URL": settings.slack_api_url,
        "UPNEXT_HOME": str(settings.home),
        **({"DATABASE_URL": settings.database_url} if settings.database_url else {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.token_refresh_process", TEAM],
        env=env, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_two_processes_needing_a_refresh_at_once_use_the_refresh_token_once_and_both_send_with_the_new_token(
    server, settings, store
):
    install(server, EXPIRING, "code-a")
    installed = stored(store)
    both_refreshing = threading.Event()
    server.slack.before("oauth.v2.access", lambda body: both_refreshing.wait(30))  # Slack answers the first refresh
    processes = [refresh_process(settings), refresh_process(settings)]  # only once both have set out to refresh
    for process in processes:  # each has read the installation, token about to expire, before either refreshes
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in processes:
        assert process.stdout.readline().strip() == "refreshing"
    both_refreshing.set()
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err for _, err in outputs]
    refreshed = stored(store)
    assert [c.body["refresh_token"] for c in server.slack.refreshes()] == [installed.bot_refresh_token]
    assert [out.strip() for out, _ in outputs] == [refreshed.bot_token] * 2
    assert [c.token for c in server.slack.calls_to("chat.postMessage")] == [refreshed.bot_token] * 2
