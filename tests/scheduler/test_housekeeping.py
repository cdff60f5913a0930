"""The answers log is kept for its retention period, not forever; so are the learners of a workspace that left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from learning.people.answers import ShownPick
from learning.people.learners import profile_from_slack
from learning.reasons import Reason
from learning.timestamps import utcnow
from scheduler.housekeeping import Housekeeping

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def test_answers_older_than_the_retention_period_are_pruned_and_newer_ones_kept(service, store):
    log = service.answers
    shown = [ShownPick("swcarpentry/sql-novice-survey/01-select", Reason("match"))]
    ages = {"old": 200, "edge": 181, "recent": 179, "today": 0}
    ids = {name: log.save("U0ANA", "search", shown) for name in ages}
    for name, days in ages.items():
        at = (NOW - timedelta(days=days)).isoformat(timespec="seconds")
        store.sql.execute("UPDATE answers SET created_at = :at WHERE id = :id", {"at": at, "id": ids[name]})
    assert Housekeeping(service, answers_retention_days=180, clock=lambda: NOW).run() == 2
    assert [name for name, answer_id in ids.items() if log.get(answer_id)] == ["recent", "today"]


def test_the_nightly_job_purges_the_learners_of_a_workspace_that_left_once_the_retention_period_is_over(
    upnext, empty_service
):
    empty_service.learners.save_profile("U0LUIS", profile_from_slack({"id": "U0LUIS", "team_id": "T0B"}))
    upnext.oauth_stores().installations.remove(("", "T0B"))  # workspace B uninstalled Upnext just now
    days = upnext.settings.uninstall_retention_days
    upnext.housekeeping(lambda: utcnow() + timedelta(days=days - 1)).run()
    assert empty_service.learners.get("U0LUIS") is not None
    upnext.housekeeping(lambda: utcnow() + timedelta(days=days + 1)).run()
    assert empty_service.learners.get("U0LUIS") is None
