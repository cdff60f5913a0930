"""A read model across events, courses and learners: when each learner first took each course, with their role."""

from __future__ import annotations

from datetime import datetime

from learning.people.history import ENGAGED
from learning.store.engine import Store
from learning.timestamps import iso


def first_engagements(store: Store, before: datetime | None = None) -> list[tuple[str, int, str, str | None]]:
    """(learner, course num, first time they engaged with it, the learner's role title) for every pair with an
    ENGAGED event, or only events before `before`: what the recommender's signals are built from."""
    return [
        (learner, num, at, title)
        for learner, num, at, title in store.sql.rows(
            "SELECT e.learner_id, c.num, min(e.at), l.title FROM events e JOIN courses c ON c.id = e.course_id "
            "LEFT JOIN learners l ON l.slack_id = e.learner_id WHERE e.kind IN (:engaged) AND e.at < :before "
            "GROUP BY e.learner_id, c.num, l.title",  # the title goes with the learner: no bare column
            {"engaged": ENGAGED, "before": iso(before) if before else "9999"},
        )
    ]
