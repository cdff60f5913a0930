"""`upnext clock` installed by OAuth, as a real process: no SLACK_BOT_TOKEN; it plans per installation and nudges
each learner with their own workspace's token, and plans nothing for a learner whose workspace has no installation."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from config import Settings
from config.nudges import NudgePolicy
from scheduler.delivery import installation_clients
from scheduler.planner import Planner
from tests.fakes.slack import Grant
from tests.oauth_flow import idle_learner, install
from tests.ops.test_clock_lease import LEADING, MONDAY_MORNING, clock_env, wait_for_log

CLIENT = {"SLACK_CLIENT_ID": "1234.5678", "SLACK_CLIENT_SECRET": "oauth-client-secret-7e6d5c4b"}
A = Grant(token="xoxb-team-a-000021", team_id="T0TEAMA")
B = Grant(token="xoxb-team-b-000022", team_id="T0TEAMB")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Installed by OAuth: no SLACK_BOT_TOKEN (`upnext` processes get none), the app's client id and secret."""
    return replace(settings, slack_bot_token=None, slack_client_id=CLIENT["SLACK_CLIENT_ID"],
                   slack_client_secret=CLIENT["SLACK_CLIENT_SECRET"])  # fmt: skip


@pytest.mark.parametrize("engine", ["sqlite", "postgres"], indirect=True)
def test_the_clock_installed_by_oauth_nudges_each_workspace_with_its_own_token_and_no_one_else(
    server, upnext, service, settings, fake_slack, start_upnext, store
):
    install(server, A, "code-a")
    install(server, B, "code-b")
    idle_since = MONDAY_MORNING - timedelta(days=40)
    for user, team in (("U0ANA", A.team_id), ("U0LUIS", B.team_id), ("U0NOBODY", "T0NOTINSTALLED")):
        idle_learner(service, fake_slack, user, team, None, idle_since)
    installations = installation_clients(settings, upnext.oauth_stores().installations)
    planned = Planner(service, NudgePolicy(holdout_share=0.0), lambda: MONDAY_MORNING, installations).plan()
    assert {plan.learner_id for plan in planned} == {"U0ANA", "U0LUIS"}  # due that Monday: the clock sends at once

    clock = start_upnext("clock", env={**clock_env(settings), **CLIENT}, healthy=False)
    wait_for_log(clock, LEADING)
    posted = fake_slack.wait_for_call("chat.postMessage", count=2, timeout=60)
    assert clock.terminate() == 0  # it planned at start (its own planner, at today's date), then sent

    assert {(c.body["channel"], c.token) for c in posted} == {("U0ANA", A.token), ("U0LUIS", B.token)}
    assert Counter(c.body["channel"] for c in fake_slack.calls_to("chat.postMessage")) == {"U0ANA": 1, "U0LUIS": 1}
    assert store.sql.value("SELECT count(*) FROM nudges WHERE learner_id = 'U0NOBODY'") == 0
    assert {c.token for c in fake_slack.calls if c.method != "oauth.v2.access"} <= {A.token, B.token}
    assert "Traceback" not in clock.log
