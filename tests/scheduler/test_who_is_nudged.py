"""Nobody is messaged first who never used Upnext, and never a bot, Slackbot, a deactivated account or a guest:
being named in an LMS export is not asking for messages, and Slack is asked who someone is before the first nudge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.nudges import NudgePolicy
from scheduler.delivery import Sender, SendReport, nudge_client
from scheduler.planner import COME_BACK, Planner
from tests.fakes.slack import default_user

SQL = "swcarpentry/sql-novice-survey/01-select"
POLICY = NudgePolicy(holdout_share=0.0, sends_per_second=1000)
NOW = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)  # a Wednesday, inside the UTC delivery window


@pytest.fixture
def planner(service) -> Planner:
    return Planner(service, POLICY, lambda: NOW)


def send_when_due(service, settings, plans) -> SendReport:
    """Run the sender at the moment the (single) planned nudge falls due."""
    (plan,) = plans
    sender = Sender(service, nudge_client(settings), POLICY, lambda: plan.due_at, sleep=lambda s: None, worker="t")
    return sender.run_once()


def test_people_a_history_import_names_are_never_nudged(service, planner, tmp_path):
    long_ago = (NOW - timedelta(days=120)).date().isoformat()
    rows = [f"{who},{SQL},completed,{long_ago}" for who in ("U0IMPORTED", "someone@example.com", "W0ENTERPRISE")]
    (tmp_path / "lms.csv").write_text("learner,course_id,status,date\n" + "\n".join(rows) + "\n")
    report = service.history_importer.import_file(tmp_path / "lms.csv")
    assert report.added == 3
    assert planner.plan() == []


def test_slackbot_is_not_a_learner_an_import_can_name(service, tmp_path):
    (tmp_path / "lms.csv").write_text(f"learner,course_id,status,date\nUSLACKBOT,{SQL},completed,2026-01-05\n")
    report = service.history_importer.import_file(tmp_path / "lms.csv")
    assert report.added == 0 and "Slackbot" in report.rejections[0].reason
    assert service.learners.get("USLACKBOT") is None


def test_someone_who_used_upnext_is_nudged_after_an_idle_spell(service, planner):
    service.learners.save_profile("U0USER", {"real_name": "Ada Lovelace", "tz": "UTC"})
    service.learners.touch("U0USER", NOW - timedelta(days=31))
    assert [(p.learner_id, p.kind) for p in planner.plan()] == [("U0USER", COME_BACK)]


@pytest.mark.parametrize(
    ("profile", "reason"),
    [
        ({"deleted": True}, "deactivated or a bot"),
        ({"is_bot": True}, "deactivated or a bot"),
        ({"is_restricted": True}, "a guest account"),
        ({"is_ultra_restricted": True}, "a guest account"),
    ],
)
def test_slack_is_asked_before_the_first_nudge_and_its_answer_is_obeyed(
    service, settings, planner, fake_slack, profile, reason
):
    service.learners.save_profile("U0LATER", {"real_name": "Sam Doe", "tz": "UTC"})
    service.learners.touch("U0LATER", NOW - timedelta(days=31))
    plans = planner.plan()
    fake_slack.users["U0LATER"] = {**default_user("U0LATER"), **profile}  # since planning, Slack knows better
    report = send_when_due(service, settings, plans)
    assert report.skipped == 1 and report.reasons == {reason: 1}
    assert [c.body["user"] for c in fake_slack.calls_to("users.info")] == ["U0LATER"]
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_user_slack_no_longer_knows_is_skipped_not_retried(service, settings, planner, fake_slack):
    service.learners.save_profile("U0LEFT", {"real_name": "Gone Soon", "tz": "UTC"})
    service.learners.touch("U0LEFT", NOW - timedelta(days=31))
    plans = planner.plan()
    fake_slack.fail("users.info", status=200, error="user_not_found")
    report = send_when_due(service, settings, plans)
    assert report.skipped == 1 and report.reasons == {"user_not_found": 1}
    assert fake_slack.calls_to("chat.postMessage") == []
