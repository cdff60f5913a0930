"""Learning from what people do with their picks: ignored picks sink, a 👎 sinks similar courses, a 👍 lifts them,
and new courses are explored, never in more than one pick in five."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from learning.people.answers import ShownPick
from learning.people.history import RATED, SAVED, STARTED
from learning.recommend.pick_feedback import EXPLORE_MIN_LEARNERS
from tests.learning.recommend.test_recommender import GIT, SQL, assert_truthful, learner, take


def show(service, person, picks, times: int) -> None:
    for _ in range(times):
        service.answers.save(person.slack_id, "next", [ShownPick(p.course.id, p.reason) for p in picks])


def rank(picks, course_id: str) -> int:
    ids = [p.course.id for p in picks]
    return ids.index(course_id) if course_id in ids else len(ids)


def score_of(picks, course_id: str) -> float:
    return next(p.score for p in picks if p.course.id == course_id)


def test_a_pick_shown_several_times_and_never_clicked_sinks(standalone):
    service = standalone
    reco = service.recommender
    ana = service.learners.update(learner(service), interests=("version control with git",))
    before = reco.next_for(ana, k=10)
    ignored, saved = before[0], before[1]
    show(service, ana, [ignored, saved], times=4)
    take(service, ana.slack_id, saved.course.id, SAVED)  # clicked: it does not sink
    after = reco.next_for(ana, k=10)
    assert rank(after, ignored.course.id) >= 3
    assert score_of(after, saved.course.id) >= score_of(before, saved.course.id)
    show(service, ana, before[2:3], times=1)  # shown once is not ignored yet
    assert reco.next_for(ana, k=10)[0].course.id != ignored.course.id


def test_a_thumbs_down_sinks_similar_courses_and_weighs_more_than_being_ignored(standalone):
    service = standalone
    reco = service.recommender
    ana = service.learners.update(learner(service), interests=("databases and SQL",))
    bob = service.learners.update(learner(service, "U0BOB"), interests=("databases and SQL",))
    before = reco.next_for(ana, k=60)
    disliked = service.courses.get(f"{SQL}/03-filter")
    neighbour = next(c.id for c in service.search.similar(disliked, 5) if c.id in [p.course.id for p in before])
    show(service, bob, [p for p in before if p.course.id == disliked.id], times=3)
    service.history.record(ana.slack_id, disliked.id, RATED, value="down")
    rated, ignored = reco.next_for(ana, k=60), reco.next_for(bob, k=60)
    assert score_of(rated, neighbour) < score_of(before, neighbour)
    assert rank(rated, disliked.id) > rank(ignored, disliked.id) > rank(before, disliked.id)


def test_a_thumbs_up_lifts_similar_courses(standalone):
    service = standalone
    reco = service.recommender
    ana = service.learners.update(learner(service), interests=("databases and SQL",))
    liked = service.courses.get(f"{GIT}/04-changes")
    before = reco.next_for(ana, k=50)
    service.history.record(ana.slack_id, liked.id, RATED, value="up")
    after = reco.next_for(ana, k=50)
    neighbours = [c.id for c in service.search.similar(liked, 3) if c.id in [p.course.id for p in after]]
    assert neighbours and all(score_of(after, n) > score_of(before, n) for n in neighbours if rank(before, n) < 50)


def test_new_courses_are_explored_in_at_most_one_pick_in_five(service, tmp_path):
    reco = service.recommender
    today = datetime.now(UTC).date().isoformat()
    for i in range(EXPLORE_MIN_LEARNERS):  # enough people with history that "new to everyone" means something
        take(service, f"U0P{i:03d}", f"{SQL}/0{1 + i % 3}-{('select', 'sort-dup', 'filter')[i % 3]}", STARTED)
    rows = [
        {"id": f"new-sql-{i}", "title": f"SQL window functions, part {i}", "topics": ["sql"], "published_at": today,
         "description": "Rank rows, running totals and moving averages with SQL window functions."}
        for i in range(8)
    ]  # fmt: skip
    path = tmp_path / "new.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    service.catalog.import_file(path)
    reco.signals.refresh()
    ana = service.learners.update(learner(service), interests=("databases and SQL",))
    explored = 0
    for k in (3, 5, 9, 10, 20):
        for _ in range(3):
            picks = reco.next_for(ana, k=k)
            assert sum(p.explore for p in picks) <= k // 5
            assert all(p.reason.kind.startswith("explore") for p in picks if p.explore)
            assert_truthful(service, ana, picks)
            explored += sum(p.explore for p in picks)
    assert explored > 0
    assert not any(p.explore for p in reco.next_for(ana, k=10, query="sql"))  # a hint is answered, not explored
