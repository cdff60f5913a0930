"""Browsing the catalog: the subjects a learner can read, theirs first, and each subject's shelf a page at a time.

Each shelf page shown is recorded as an answer (its cards' Start and Save count towards it, as everywhere else);
clicking a card redraws the page in place from the modal's own `Place`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.block_kit.blocks import NO_STATE
from bot.block_kit.browse import (
    PAGE_SIZE,
    Place,
    ShelfItem,
    SubjectCard,
    gone_modal,
    pages_of,
    shelf_modal,
    subjects_modal,
)
from bot.i18n import messages_for
from bot.use_cases.questions import card_states, record_answer
from learning.catalog.courses import CourseRepository
from learning.people.answers import AnswerRepository
from learning.people.history import EventRepository
from learning.people.learners import Learner
from learning.reasons import Reason
from learning.recommend.picks import Pick
from learning.recommend.shelves import ShelfCache

COVER_PATH = "/static/cover.png"  # the cover shown for a subject with no image Slack can show (served by http.py)


def reading(learner: Learner) -> set[str | None]:
    """The languages shown to a learner: their Slack locale's, English, and courses of unknown language."""
    return {None, "en", (learner.speaks or "en").replace("_", "-").split("-")[0].lower()}


def fallback_cover(public_url: str | None) -> str | None:
    """Our own PNG, served at the public address; without one, a subject with no usable image shows none."""
    return f"{public_url.rstrip('/')}{COVER_PATH}" if public_url else None


@dataclass(frozen=True)
class Browsing:
    shelves: ShelfCache
    courses: CourseRepository
    history: EventRepository
    answers: AnswerRepository
    cover: str | None = None  # `fallback_cover`

    def subjects_view(self, learner: Learner, place: Place) -> dict[str, Any]:
        """A page of the subjects the learner can read, those they are interested in first."""
        shelves = self.shelves.current()
        codes = shelves.codes(reading(learner))
        ordered = shelves.ordered(reading(learner), learner.interests)
        pages = pages_of(len(ordered))
        page = min(place.page, pages - 1)
        cards = [
            SubjectCard(subject.key, subject.name, count, subject.paths(codes), subject.cover or self.cover)
            for subject, count in ordered[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        ]
        return subjects_modal(cards, Place("", page, 0, place.origin), pages, messages_for(learner))

    def shelf_view(self, learner: Learner, place: Place, redraw: bool = False) -> dict[str, Any]:
        """A page of a subject's shelf. A new page is recorded as an answer; a `redraw` (after a click on one of its
        cards) keeps the page's answer and shows what the learner has done since."""
        shelves = self.shelves.current()
        t = messages_for(learner)
        subject = shelves.by_key.get(place.subject)
        if subject is None:  # gone with a catalog import since the modal opened
            return gone_modal(Place(place.subject, 0, 0, place.origin), t)
        codes = shelves.codes(reading(learner))
        shelf = subject.shelf(codes)
        pages = pages_of(len(shelf))
        page = min(place.page, pages - 1)
        chosen = shelf[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        by_num = self.courses.many_by_num(subject.items[chosen].tolist())
        shown = [(by_num[num], int(steps)) for num, steps in zip(subject.items[chosen].tolist(), subject.steps[chosen])
                 if num in by_num]  # fmt: skip
        answer_id = place.answer_id if redraw and place.answer_id else self._record(learner, shown, place.origin)
        states = card_states(self.history.states(learner.slack_id))
        items = [ShelfItem(course, steps, states.get(course.id, NO_STATE)) for course, steps in shown]
        here = Place(subject.key, page, answer_id, place.origin)
        return shelf_modal(subject.name, subject.count(codes), subject.paths(codes), items, here, pages, t)

    def _record(self, learner: Learner, shown: list, origin: str) -> int:
        picks = [Pick(course, Reason("browse", course.path_title if steps else None)) for course, steps in shown]
        return record_answer(self.answers, learner, "browse", picks, origin)
