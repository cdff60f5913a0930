"""The answers log is kept for its retention period, not forever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from learning.people.answers import ShownPick
from learning.reasons import Reason
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
