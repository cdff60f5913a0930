"""Answers to what learners ask, each recorded so its buttons can redraw it in place.

Learners ask what next, search, ask for their saved courses or say `/learn done`; an answer redrawn in place shows what
the learner has done since.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.block_kit import blocks
from bot.block_kit.blocks import CardState, Message
from bot.block_kit.mrkdwn import echo, escape, truncate
from bot.i18n import messages_for
from learning.catalog.courses import CourseRepository
from learning.people.answers import Answer, AnswerRepository, ShownPick
from learning.people.history import COMPLETED, CourseState, EventRepository
from learning.people.learners import Learner
from learning.reasons import Reason
from learning.recommend.picks import Pick
from learning.recommend.recommender import Recommender
from learning.search.course_search import CourseSearch, words
from learning.search.intent import EMPTY, GREETING, HELP, NEXT, classify


def card_states(states: dict[str, CourseState]) -> dict[str, CardState]:
    """What each course's card shows (started, saved, done, dismissed), from the learner's course states."""
    return {
        course_id: CardState(
            started=state.started_at is not None,
            saved=state.saved,
            done=state.completed_at is not None,
            dismissed=state.dismissed,
        )
        for course_id, state in states.items()
    }


def record_answer(
    answers: AnswerRepository,
    learner: Learner,
    kind: str,
    picks: list[Pick],
    surface: str,
    context: dict | None = None,
    seen: bool = True,
) -> int:
    """Keep what an answer showed (its id goes into its buttons); returns that id."""
    shown = [ShownPick(p.course.id, p.reason) for p in picks]
    return answers.save(learner.slack_id, kind, shown, context, surface=surface, seen=seen)


@dataclass(frozen=True)
class Questions:
    recommender: Recommender
    search: CourseSearch
    courses: CourseRepository
    history: EventRepository
    answers: AnswerRepository

    def states(self, learner: Learner) -> dict[str, CardState]:
        return card_states(self.history.states(learner.slack_id))

    def _record(self, learner: Learner, kind: str, picks: list[Pick], surface: str, context: dict | None = None) -> int:
        return record_answer(self.answers, learner, kind, picks, surface, context)

    def next_answer(self, learner: Learner, hint: str = "", *, surface: str) -> Message:
        picks = self.recommender.next_for(learner, query=hint or None, k=5)
        answer_id = self._record(learner, "next", picks, surface, {"hint": hint})
        t, takers = messages_for(learner), self.recommender.taken_in_role(learner, [p.course for p in picks])
        return blocks.picks_answer(picks, t, learner.name, hint or None, answer_id, self.states(learner), takers)

    def search_answer(self, learner: Learner, text: str, *, surface: str) -> Message:
        """Search; the question is kept with how close the catalog's best match came (for content gaps)."""
        result = self.search.search(text, k=5, locale=learner.speaks)
        picks = [Pick(hit.course, Reason("match")) for hit in result.hits]
        closest = self.search.closest(result.query.text) if words(result.query.text) else 0.0
        context = {"query": result.query.text, "top_similarity": round(closest, 4)}
        answer_id = self._record(learner, "search", picks, surface, context)
        return blocks.search_answer(result, messages_for(learner), answer_id, self.states(learner))

    def saved_answer(self, learner: Learner, *, surface: str) -> Message:
        states = self.history.states(learner.slack_id)
        saved_ids = [cid for cid, s in sorted(states.items(), key=lambda i: i[1].last_at, reverse=True) if s.saved]
        by_id = self.courses.many_by_id(saved_ids)
        courses = [by_id[cid] for cid in saved_ids if cid in by_id]
        answer_id = self._record(learner, "saved", [Pick(c, Reason("saved")) for c in courses], surface)
        return blocks.saved_answer(courses, messages_for(learner), answer_id, card_states(states))

    def for_text(self, learner: Learner, text: str, *, surface: str) -> Message:
        """Free text from a DM, a mention, an assistant thread or `/learn`."""
        intent = classify(text)
        t = messages_for(learner)
        if intent.kind == NEXT:
            return self.next_answer(learner, intent.text, surface=surface)
        if intent.kind in (HELP, EMPTY):
            return blocks.help_message(t)
        if intent.kind == GREETING:
            return blocks.text_message(t.named("greeting.reply", echo(learner.name)))
        return self.search_answer(learner, intent.text, surface=surface)

    def mark_done(self, learner: Learner, text: str, *, surface: str) -> Message:
        """`/learn done <course>`: the course whose title matches; a choice when it is not clear which."""
        t = messages_for(learner)
        if not text.strip():
            return blocks.text_message(t("done.usage"))
        result = self.search.search(text, k=3, locale=learner.speaks)
        hits = [h for h in result.hits if h.matched != "meaning"]  # the words must appear, not just something near
        if not hits:
            return blocks.text_message(t("done.none", query=echo(text)))
        top = hits[0]
        if top.matched == "title" or len(hits) == 1:
            self.history.record(learner.slack_id, top.course.id, COMPLETED)
            return blocks.text_message(t("done.marked", title=escape(truncate(top.course.title, 150))))
        picks = [Pick(h.course, Reason("match")) for h in hits]
        answer_id = self._record(learner, "done", picks, surface, {"query": result.query.text})
        return blocks.done_choice([p.course for p in picks], t, answer_id)

    def picks_of(self, answer: Answer) -> list[Pick]:
        by_id = self.courses.many_by_id(p.course_id for p in answer.picks)
        return [Pick(by_id[p.course_id], p.reason) for p in answer.picks if p.course_id in by_id]

    def redraw(self, answer: Answer, learner: Learner) -> Message | None:
        """The answer again, as it was, with each card showing what the learner has done since (and, for a course
        recommended to them, who recommended it: a stored answer keeps no name)."""
        picks = self.picks_of(answer)
        if any(p.reason.names_a_person for p in picks):
            named = self.recommender.recommended_reasons(learner)
            picks = [replace(p, reason=named.get(p.course.id, p.reason)) if p.reason.names_a_person else p
                     for p in picks]  # fmt: skip
        t, states = messages_for(learner), self.states(learner)
        courses = [p.course for p in picks]
        if answer.kind == "search":
            return blocks.search_cards(answer.context.get("query", ""), courses, t, answer.id, states)
        if answer.kind == "done":
            return blocks.done_choice(courses, t, answer.id, states)
        if answer.kind == "saved":
            return blocks.saved_answer(courses, t, answer.id, states)
        if answer.kind == "next":
            takers = self.recommender.taken_in_role(learner, courses)
            hint = answer.context.get("hint") or None
            return blocks.picks_answer(picks, t, learner.name, hint, answer.id, states, takers)
        return None  # Home rows and modals are redrawn by publishing the view again
