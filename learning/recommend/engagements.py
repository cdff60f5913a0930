"""A read model across events, courses and learners: when each learner first took each course, with their role.

With each pair also the learner's workspace and whether they started or finished the course (not only enrolled), for
the counts behind "Taken by N people in your role".
"""

from __future__ import annotations

from datetime import datetime

from learning.people.history import ENGAGED, TAKEN
from learning.store.engine import Store
from learning.timestamps import iso

Engagement = tuple[str, int, str, str | None, str | None, bool]


def first_engagements(store: Store, before: datetime | None = None) -> list[Engagement]:
    """(learner, course num, first time they engaged with it, the learner's role title, their workspace, whether
    they started or finished it) for every pair with an ENGAGED event, or only events before `before`: what the
    recommender's signals are built from."""
    return [
        (learner, num, at, title, team_id, bool(taken))
        for learner, num, at, title, team_id, taken in store.sql.rows(
            "SELECT e.learner_id, c.num, min(e.at), l.title, l.team_id, "
            "max(CASE WHEN e.kind IN (:taken) THEN 1 ELSE 0 END) FROM events e JOIN courses c ON c.id = e.course_id "
            "LEFT JOIN learners l ON l.slack_id = e.learner_id WHERE e.kind IN (:engaged) AND e.at < :before "
            "GROUP BY e.learner_id, c.num, l.title, l.team_id",  # title and team go with the learner: no bare column
            {"engaged": ENGAGED, "taken": TAKEN, "before": iso(before) if before else "9999"},
        )
    ]
