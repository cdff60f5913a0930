"""The answers log: each answer's surface, its cards as impressions (the click-through denominator, and what the
recommender reads through `impressions`), which go with the answer when it is deleted."""

from __future__ import annotations

import pytest

from learning.people.answers import ShownPick
from learning.reasons import Reason


def picks(*course_ids: str) -> list[ShownPick]:
    return [ShownPick(c, Reason("popular")) for c in course_ids]


def test_impressions_count_each_card_shown_to_a_learner(empty_service):
    log = empty_service.answers
    log.save("U1", "next", picks("a", "b"), surface="dm")
    log.save("U1", "home:popular", picks("a", "c"), surface="home")
    log.save("U1", "home:popular", picks("a"), surface="home", seen=False)  # refreshed, not looked at
    log.save("U2", "next", picks("a"), surface="slash")
    assert log.impressions("U1") == {"a": 2, "b": 1, "c": 1}
    assert log.impressions("U3") == {}


def test_a_nudge_answer_is_on_the_nudge_surface_and_surfaces_are_checked(empty_service):
    log = empty_service.answers
    answer = log.get(log.save("U1", "nudge:come_back", picks("a"), nudge_id=7))
    assert answer is not None and answer.surface == "nudge" and answer.nudge_id == 7
    with pytest.raises(ValueError, match="unknown surface"):
        log.save("U1", "next", picks("a"), surface="email")


def test_impressions_go_with_their_answers_when_a_learner_is_forgotten(empty_service, store):
    log = empty_service.answers
    log.save("U1", "next", picks("a", "b"), surface="dm")
    empty_service.forget_me("U1")
    assert store.sql.value("SELECT count(*) FROM impressions") == 0
