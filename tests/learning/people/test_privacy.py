"""The privacy export holds everything stored about the learner: profile, history, every nudge row, answers,
achievements."""

from __future__ import annotations

from datetime import UTC, datetime

from learning.people.answers import ShownPick
from learning.reasons import Reason

SQL = "swcarpentry/sql-novice-survey/01-select"


def test_the_export_holds_every_row_about_the_learner_with_every_column(service, store):
    learner = service.learners.save_profile("U0ME", {"real_name": "Me Myself", "tz": "UTC"})
    service.history.record("U0ME", SQL, "completed")
    for kind, period, status in (("come_back", "30d", "sent"), ("come_back", "60d", "held_out"),
                                 ("whats_new", "2026-W10", "planned")):  # fmt: skip
        store.sql.execute(
            "INSERT INTO nudges (learner_id, kind, period, status, due_at, payload, planned_at, channel, ts) "
            "VALUES (:learner, :kind, :period, :status, '2026-03-02T10:00:00+00:00', '{\"idle_days\": 31}', "
            "'2026-03-02', 'DU0ME', '1.2')",
            {"learner": "U0ME", "kind": kind, "period": period, "status": status},
        )
    service.answers.save("U0ME", "search", [ShownPick(SQL, Reason("match"))], {"query": "sql"})
    service.history.record("U0OTHER", SQL, "completed")  # someone else's row never appears
    data = service.privacy.export(learner)
    assert [(n["kind"], n["period"], n["status"]) for n in data["nudges"]] == [
        ("come_back", "30d", "sent"), ("come_back", "60d", "held_out"), ("whats_new", "2026-W10", "planned")
    ]  # fmt: skip
    assert data["nudges"][0]["payload"] == '{"idle_days": 31}' and data["nudges"][0]["ts"] == "1.2"
    assert [e["course_id"] for e in data["history"]] == [SQL]
    assert '"query": "sql"' in data["answers_shown"][0]["payload"]


def test_the_export_holds_the_learners_achievements_and_celebration_choice(service):
    learner = service.learners.save_profile("U0ME", {"real_name": "Me Myself", "tz": "UTC"})
    service.history.record("U0ME", SQL, "completed", at=datetime(2026, 3, 2, 10, tzinfo=UTC))
    service.achievements.update(learner, datetime(2026, 3, 3, tzinfo=UTC))
    service.achievements.repository.celebrate("U0ME", True, datetime(2026, 3, 3, tzinfo=UTC))
    data = service.privacy.export(learner)
    assert [(a["kind"], a["earned_at"], a["source"]) for a in data["achievements"]] == [
        ("first_course", "2026-03-02T10:00:00+00:00", "slack")
    ]
    assert data["celebrations"] == [{"since": "2026-03-03T00:00:00+00:00"}]
