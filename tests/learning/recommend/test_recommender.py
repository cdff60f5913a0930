"""The recommender on the small real catalog: personal, explained, never repeating what is done or dismissed."""

from __future__ import annotations

import json

import pytest

from learning.people.history import COMPLETED, DISMISSED, STARTED
from learning.recommend import progression

GIT = "swcarpentry/git-novice"
SQL = "swcarpentry/sql-novice-survey"


@pytest.fixture
def reco(service):
    return service.recommender


def learner(service, slack_id="U0ANA", **profile):
    found = service.learners.save_profile(slack_id, {"real_name": "Ana García", "first_name": "Ana", **profile})
    return found


def take(service, learner_id: str, course_id: str, kind: str = COMPLETED) -> None:
    assert service.history.record(learner_id, course_id, kind, source="slack")


def assert_truthful(service, person, picks) -> None:
    """Every reason names evidence that is really there: a course in their history, an interest, their role."""
    taken = {e.course_id for e in service.history.for_learner(person.slack_id)}
    for pick in picks:
        reason = pick.reason
        if reason.evidence_id is not None:
            assert reason.evidence_id in taken, reason
        if reason.kind == "interest":
            assert reason.evidence in person.interests
        if reason.kind == "role":
            assert reason.evidence == person.role
        if reason.kind == "up_next":
            assert reason.evidence == pick.course.path_title
        if reason.kind == "topic":
            assert any(reason.evidence == service.courses.get(c).topics[0].casefold() for c in taken if c)
        if reason.kind == "new_interest":
            assert reason.evidence in person.interests


def test_up_next_in_a_path_comes_first_and_names_the_path(service, reco):
    ana = learner(service)
    take(service, ana.slack_id, f"{GIT}/01-basics")
    picks = reco.next_for(ana, k=5)
    assert picks[0].course.id == f"{GIT}/02-setup"
    assert (picks[0].reason.kind, picks[0].reason.evidence) == ("up_next", "Version Control with Git")
    assert_truthful(service, ana, picks)


def test_never_recommends_what_was_completed_or_dismissed(service, reco):
    ana = learner(service)
    done = [f"{SQL}/01-select", f"{SQL}/02-sort-dup", f"{GIT}/01-basics"]
    for course_id in done:
        take(service, ana.slack_id, course_id)
    take(service, ana.slack_id, f"{SQL}/03-filter", DISMISSED)
    for k in (5, 20, 50):
        ids = {p.course.id for p in reco.next_for(ana, k=k)}
        assert not ids & {*done, f"{SQL}/03-filter"}
    rows = reco.rows_for(ana)
    assert not {p.course.id for r in rows for p in r.picks} & {*done, f"{SQL}/03-filter"}


def test_reasons_name_evidence_from_the_learners_own_history(service, reco):
    ana = learner(service, title="Data Analyst")
    ana = service.learners.update(ana, interests=("machine learning",))
    for course_id in (f"{SQL}/01-select", f"{SQL}/02-sort-dup", "swcarpentry/shell-novice/01-intro"):
        take(service, ana.slack_id, course_id)
    picks = reco.next_for(ana, k=10)
    assert {p.reason.kind for p in picks} - {"up_next", "continue"}
    assert_truthful(service, ana, picks)
    for row in reco.rows_for(ana):
        assert_truthful(service, ana, row.picks)


def test_interests_picked_once_are_enough_for_good_first_picks(service, reco):
    ana = service.learners.update(learner(service), interests=("databases and SQL",))
    picks = reco.next_for(ana, k=5)
    assert picks[0].course.id == f"{SQL}/01-select"  # the SQL lesson, entered at its start
    assert all(p.reason.kind == "interest" and p.reason.evidence == "databases and SQL" for p in picks)


def test_a_hint_steers_the_picks(service, reco):
    ana = learner(service)
    take(service, ana.slack_id, f"{SQL}/01-select")
    picks = reco.next_for(ana, query="version control", k=5)
    assert picks and all(p.course.path_id == GIT for p in picks[:3])


def test_lists_are_diverse_not_copies(service, reco):
    ana = service.learners.update(learner(service), interests=("python",))
    titles = [p.course.title.casefold() for p in reco.next_for(ana, k=10)]
    assert len(titles) == len(set(titles))


def test_dismissing_a_course_pushes_its_close_neighbours_down_a_little(standalone, reco):
    service = standalone  # courses in no path: enough close courses to compare
    ana = service.learners.update(learner(service), interests=("version control with git",))
    before = [p.course.id for p in reco.next_for(ana, k=20)]
    dismissed = service.courses.get(before[0])
    # close in meaning, as the penalty is (not by shared words, which each engine ranks its own way)
    nearest = service.search.index.vectors.search(service.search.course_vector(dismissed), 6)
    by_num = service.courses.many_by_num(num for num, _ in nearest)
    neighbour = next(by_num[num].id for num, _ in nearest if by_num[num].id in before[1:])
    take(service, ana.slack_id, dismissed.id, DISMISSED)
    after = [p.course.id for p in reco.next_for(ana, k=20)]
    assert dismissed.id not in after
    assert neighbour not in after or after.index(neighbour) > before.index(neighbour) - 1


def test_people_in_the_same_role_shape_a_new_colleagues_picks(service, reco):
    firsts = {f"{SQL}/01-select", f"{GIT}/01-basics", "swcarpentry/shell-novice/01-intro"}
    for i in range(3):
        colleague = learner(service, f"U0DA{i}", title="Data Analyst")
        for course_id in (*firsts, f"{SQL}/02-sort-dup", f"{SQL}/03-filter"):
            take(service, colleague.slack_id, course_id, STARTED)
    newcomer = learner(service, "U0NEW", title="data  analyst")
    reco.signals.refresh()
    rows = reco.rows_for(newcomer)
    role_rows = [r for r in rows if r.kind == "role"]
    assert role_rows and role_rows[0].evidence == "data  analyst"
    assert {p.course.id for p in role_rows[0].picks} == firsts  # each lesson at its start, not in its middle


def test_home_rows_are_few_short_and_never_repeat_a_course(service, reco):
    ana = service.learners.update(learner(service, title="Data Analyst"), interests=("python", "sql"))
    take(service, ana.slack_id, f"{GIT}/01-basics")
    take(service, ana.slack_id, f"{SQL}/01-select", STARTED)
    rows = reco.rows_for(ana)
    assert 1 <= len(rows) <= 4
    assert rows[0].kind == "continue"
    ids = [p.course.id for r in rows for p in r.picks]
    assert len(ids) == len(set(ids))
    assert all(len(r.picks) <= 5 for r in rows) and all(len(r.picks) >= 3 for r in rows[1:])


def test_with_nothing_known_the_home_page_still_offers_honest_starting_points(service, reco):
    stranger = service.learners.ensure("U0STRANGER")
    rows = reco.rows_for(stranger)
    assert rows and rows[0].kind == "starters"
    assert all(p.reason.kind == "starter" for p in rows[0].picks)
    assert all(p.course.language in (None, "en") for p in rows[0].picks)


def test_a_spanish_speaker_gets_spanish_courses_where_the_catalog_has_them(service, reco):
    ana = service.learners.update(learner(service, locale="es-ES"), interests=("la terminal de unix",))
    picks = reco.next_for(ana, k=5)
    assert any(p.course.language == "es" for p in picks)


def test_a_language_chosen_over_the_slack_locale_brings_its_courses_into_the_picks(service, reco):
    ana = service.learners.update(learner(service, locale="en-US"), interests=("la terminal de unix",))
    assert not [p for p in reco.next_for(ana, k=5) if p.course.language == "es"]
    chose = service.learners.update(ana, language="es")
    assert any(p.course.language == "es" for p in reco.next_for(chose, k=5))
    refreshed = service.learners.save_profile(ana.slack_id, {"locale": "en-US"})  # Slack's profile, read again
    assert refreshed is not None and refreshed.language == "es" and refreshed.speaks == "es"


def test_whats_new_only_offers_new_courses_close_to_the_learner_and_says_why(service, reco, tmp_path):
    import json
    from datetime import UTC, datetime

    rows = [
        {"id": "new-sql", "title": "Window functions in SQL", "description": "Rank and aggregate rows over windows",
         "topics": ["sql"], "published_at": "2026-11-20"},
        {"id": "new-pottery", "title": "Pottery wheel basics", "description": "Throw your first bowl",
         "topics": ["crafts"], "published_at": "2026-11-20"},
    ]  # fmt: skip
    path = tmp_path / "new.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    service.catalog.import_file(path)
    ana = service.learners.update(learner(service), interests=("databases",))
    take(service, ana.slack_id, f"{SQL}/01-select")
    picks = reco.whats_new(ana, since=datetime(2026, 11, 1, tzinfo=UTC), k=5, minimum=0.3)
    assert [p.course.id for p in picks] == ["new-sql"]
    assert picks[0].reason.kind in ("new_interest", "new_like")
    assert_truthful(service, ana, picks)


PYTHON = "swcarpentry/python-novice-inflammation"
SHELL = "swcarpentry/shell-novice"


def test_a_finished_introduction_is_never_followed_by_its_equivalents(service, reco):
    """Python Fundamentals done: no other lesson's introduction to Python (same level, this close) and no
    translation of a finished episode, anywhere; "Because you finished" offers what comes next in its lesson."""
    ana = service.learners.update(learner(service, locale="es-ES"), interests=("python", "la terminal de unix"))
    take(service, ana.slack_id, f"{PYTHON}/01-intro")
    take(service, ana.slack_id, f"{SHELL}/02-filedir")
    frame = reco.frames.current()
    finished = [frame.by_id[f"{PYTHON}/01-intro"], frame.by_id[f"{SHELL}/02-filedir"]]
    repeats = progression.repeats(frame, finished)
    assert repeats[frame.by_id["datacarpentry/python-ecology-lesson/01-short-introduction-to-Python"]]
    assert repeats[frame.by_id["swcarpentry/shell-novice-es/02-filedir@es"]]  # the translation
    assert not repeats[frame.by_id[f"{PYTHON}/03-matplotlib"]]  # a step forward in the same lesson
    rows = reco.rows_for(ana)
    picked = [p for r in rows for p in r.picks] + reco.next_for(ana, k=30)
    assert picked and not [p.course.id for p in picked if repeats[p.course.num]]
    because = next(r for r in rows if r.kind == "because")
    assert because.picks[0].course.path_id == SHELL and because.picks[0].reason.kind == "builds_on"
    assert_truthful(service, ana, because.picks)


def test_the_translation_link_is_imported_and_a_course_cannot_translate_itself(empty_service, tmp_path):
    rows = [
        {"id": "intro", "title": "Introduction", "language": "en"},
        {"id": "intro-es", "title": "Introducción", "language": "es", "translation_of": "intro"},
        {"id": "loop", "title": "Loops", "translation_of": "loop"},
    ]
    path = tmp_path / "catalog.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = empty_service.catalog.import_file(path)
    assert report.rejected == 0 and "itself" in str(report.warnings[0])  # an optional value: a warning, not a loss
    assert empty_service.courses.get("intro-es").translation_of == "intro"
    assert empty_service.courses.get("loop").translation_of is None
