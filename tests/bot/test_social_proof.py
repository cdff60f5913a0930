"""'Taken by N people in your role' on a pick, end to end: shown from the minimum group (5) of people who started or
finished the course, in the viewer's own workspace only, never naming anyone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from config import Settings
from learning.people.learners import profile_from_slack
from tests.conftest import ANA_PROFILE
from tests.fakes.slack import Grant
from tests.oauth_flow import dm_from, install, user_of
from tests.slack_requests import ANA, dm, onboard

SQL = "swcarpentry/sql-novice-survey/01-select"
PROOF = "people in your role"


def colleague(service, slack_id: str, team: str, title: str = "Data Analyst", took: str = "started") -> None:
    """Someone of workspace `team` with this job title who started (or finished) the SQL course."""
    user = user_of(slack_id, team)
    user["profile"] = {**user["profile"], "title": title, "real_name": f"Secret {slack_id}"}
    service.learners.save_profile(slack_id, profile_from_slack(user))
    service.history.record(slack_id, SQL, took)


def sql_card_context(answer: dict) -> str:
    """The reason line of the SQL course's card in an answer (Ana started it, so it leads as "Continue")."""
    blocks = answer["blocks"]
    at = next(
        i for i, b in enumerate(blocks) if b["type"] == "section" and "sql-novice-survey/01-select" in b["text"]["text"]
    )
    return blocks[at + 1]["elements"][0]["text"]


def test_taken_by_shows_from_five_people_in_the_role_and_names_none_of_them(server, service):
    service.learners.save_profile(ANA, profile_from_slack(ANA_PROFILE))  # a Data Analyst of T0LOCAL
    onboard(service)
    service.history.record(ANA, SQL, "started")  # Ana counts too: she and 3 colleagues (the others do not count)
    for n, took in enumerate(("started", "completed", "completed")):
        colleague(service, f"U0C{n}", "T0LOCAL", title=" data  ANALYST ", took=took)
    colleague(service, "U0ENROL", "T0LOCAL", took="enrolled")  # enrolled is not taking it
    colleague(service, "U0OTHER", "T0LOCAL", title="Engineer")
    service.recommender.signals.refresh()
    dm(server, "What should I learn next?")
    assert PROOF not in sql_card_context(server.answer("chat.postMessage", "Up next for you"))

    colleague(service, "U0C4", "T0LOCAL")
    service.recommender.signals.refresh()
    first = len(server.slack.calls)
    dm(server, "What should I learn next?")
    server.slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls[first:]))
    answer = next(c.body for c in server.slack.calls[first:] if c.method == "chat.postMessage")
    assert "Taken by 5 people in your role" in sql_card_context(answer)
    shown = str(answer)
    assert "Secret" not in shown and "U0C" not in shown and "U0ENROL" not in shown


A = Grant(token="xoxb-team-a-000001", team_id="T0TEAMA")
B = Grant(token="xoxb-team-b-000002", team_id="T0TEAMB")


class TestManyWorkspaces:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """Installed by OAuth in two workspaces: counts stay within the viewer's own."""
        return replace(settings, slack_bot_token=None, slack_client_id="1234.5678", slack_client_secret="s3cret")

    def test_people_of_another_workspace_are_not_counted(self, server, service):
        install(server, A, "code-a")
        install(server, B, "code-b")
        server.slack.users[ANA] = {**ANA_PROFILE, "team_id": "T0TEAMA"}
        service.learners.save_profile(ANA, profile_from_slack(server.slack.users[ANA]))
        onboard(service)
        service.history.record(ANA, SQL, "started")
        for n in range(3):
            colleague(service, f"U0A{n}", "T0TEAMA")
        for n in range(5):
            colleague(service, f"U0B{n}", "T0TEAMB")
        service.recommender.signals.refresh()
        dm_from(server, A, ANA, "What should I learn next?")
        assert PROOF not in sql_card_context(server.answer("chat.postMessage", "Up next for you"))

        colleague(service, "U0A3", "T0TEAMA")
        service.recommender.signals.refresh()
        first = len(server.slack.calls)
        dm_from(server, A, ANA, "What should I learn next?")
        server.slack.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls[first:]))
        answer = next(c.body for c in server.slack.calls[first:] if c.method == "chat.postMessage")
        assert "Taken by 5 people in your role" in sql_card_context(answer)
