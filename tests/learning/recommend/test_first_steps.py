"""A first step is a first step: "a good place to start" is a path's first step or a beginner course in no path, and
a learner whose interests point into the middle of a path is offered the path's start ("up next" once they begin), in
their picks, on Home and in what's new."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from learning.catalog.importer import bundled_catalog_path
from learning.people.history import COMPLETED

GIT = "swcarpentry/git-novice"
NEW_GIT_STEP = {  # a new episode in the middle of the Git lesson
    "id": f"{GIT}/06b-ignore-patterns", "title": "Ignoring files with patterns in .gitignore",
    "description": "How can I tell Git to ignore whole families of files? Wildcards and negation in .gitignore.",
    "topics": ["git"], "level": "beginner", "language": "en", "path_id": GIT, "path_title": "Version Control with Git",
    "position": 7, "published_at": "2026-11-20T00:00:00+00:00",
}  # fmt: skip
PATHLESS = [  # courses in no path: only the beginner one is a place to start
    {"id": "solo-beginner", "title": "Your first spreadsheet formulas", "topics": ["spreadsheets"], "level": "beginner",
     "language": "en"},
    {"id": "solo-advanced", "title": "Advanced regression diagnostics", "topics": ["statistics"], "level": "advanced",
     "language": "en"},
    {"id": "solo-unknown", "title": "Notes on reproducible figures", "topics": ["reproducible research"],
     "language": "en"},
]  # fmt: skip


def imported(service, tmp_path, rows: list[dict], name: str = "more.jsonl") -> None:
    path = tmp_path / name
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert service.catalog.import_file(path).rejected == 0


@pytest.fixture
def bundled(service, tmp_path):
    """The service over the bundled Carpentries catalog (and three courses in no path)."""
    assert service.catalog.import_file(bundled_catalog_path()).rejected == 0
    imported(service, tmp_path, PATHLESS)
    return service


def places_to_start(service) -> set[str]:
    """From the catalog itself: each path's first step, and each beginner course in no path."""
    courses = service.courses.many_by_num(range(service.courses.num_bound())).values()
    first: dict[str, tuple[int, str]] = {}
    for course in courses:
        if course.path_id and (course.path_id not in first or course.position < first[course.path_id][0]):
            first[course.path_id] = (course.position or 0, course.id)
    pathless = {c.id for c in courses if not c.path_id and c.level == "beginner"}
    return {course_id for _, course_id in first.values()} | pathless


def test_a_newcomers_good_places_to_start_are_first_steps_or_beginner_courses_in_no_path(bundled):
    """The case from the issue: a fresh learner with no history and no interests asks what to learn next."""
    newcomer = bundled.learners.ensure("U0NEW")
    starts = places_to_start(bundled)
    picks = bundled.recommender.next_for(newcomer, k=5)
    assert len(picks) == 5
    assert all(p.reason.kind == "starter" for p in picks)
    assert [p.course.id for p in picks if p.course.id not in starts] == []
    many = bundled.recommender.next_for(newcomer, k=60)  # however far down the list
    assert [p.course.id for p in many if p.course.id not in starts] == []
    assert "solo-advanced" not in {p.course.id for p in many}
    rows = bundled.recommender.rows_for(newcomer)
    assert [r.kind for r in rows] == ["starters"]
    assert [p.course.id for p in rows[0].picks if p.course.id not in starts] == []


def test_the_interests_row_never_opens_a_path_in_the_middle(bundled):
    learner = bundled.learners.update(bundled.learners.ensure("U0ANA"), interests=("git", "python", "r"))
    starts = places_to_start(bundled)
    rows = bundled.recommender.rows_for(learner, size=10)
    interests = [r for r in rows if r.kind in ("interests", "new")]
    assert interests and all(len(r.picks) >= 3 for r in interests)
    assert [p.course.id for r in rows for p in r.picks if p.course.id not in starts] == []
    picks = bundled.recommender.next_for(learner, k=10)
    assert [p.course.id for p in picks if p.course.id not in starts] == []
    assert [p for r in rows for p in r.picks if p.reason.kind == "starter" and p.course.id not in starts] == []


def test_once_a_path_is_begun_up_next_takes_over_from_its_other_steps(bundled):
    learner = bundled.learners.update(bundled.learners.ensure("U0ANA"), interests=("git", "version control"))
    assert bundled.history.record(learner.slack_id, f"{GIT}/01-basics", COMPLETED, source="slack")
    rows = bundled.recommender.rows_for(learner)
    picked = bundled.recommender.next_for(learner, k=10) + [p for r in rows if r.kind != "because" for p in r.picks]
    assert {p.course.id for p in picked if p.course.path_id == GIT} == {f"{GIT}/02-setup"}
    assert {p.reason.kind for p in picked if p.course.path_id == GIT} == {"up_next"}
    # "Because you finished" the first step goes on with the lesson, in order, after the step that is up next
    goes_on = [p.course.position for r in rows if r.kind == "because" for p in r.picks if p.course.path_id == GIT]
    assert goes_on and goes_on == sorted(goes_on) and goes_on[0] > 2


def test_whats_new_in_the_middle_of_a_path_offers_its_first_step_saying_so(service, tmp_path):
    imported(service, tmp_path, [NEW_GIT_STEP])
    learner = service.learners.update(service.learners.ensure("U0ANA"), interests=("ignoring files in git",))
    picks = service.recommender.whats_new(learner, since=datetime(2026, 11, 1, tzinfo=UTC), k=5, minimum=0.3)
    assert [p.course.id for p in picks] == [f"{GIT}/01-basics"]
    assert (picks[0].reason.kind, picks[0].reason.evidence) == ("new_in_path", "Version Control with Git")
    assert NEW_GIT_STEP["id"] not in {p.course.id for r in service.recommender.rows_for(learner) for p in r.picks}


def test_whats_new_in_a_path_already_begun_offers_its_next_step(service, tmp_path):
    imported(service, tmp_path, [NEW_GIT_STEP])
    learner = service.learners.update(service.learners.ensure("U0ANA"), interests=("ignoring files in git",))
    assert service.history.record(learner.slack_id, f"{GIT}/01-basics", COMPLETED, source="slack")
    picks = service.recommender.whats_new(learner, since=datetime(2026, 11, 1, tzinfo=UTC), k=5, minimum=0.3)
    assert [(p.course.id, p.reason.kind) for p in picks] == [(f"{GIT}/02-setup", "up_next")]
