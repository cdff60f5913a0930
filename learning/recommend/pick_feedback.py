"""Learning from what people do with their picks.

For one learner: a pick shown again and again without a click sinks, a 👎 pushes the course and its close neighbours
down (harder than being ignored; "Not for me" does too, in the recommender), a 👍 or a completion lifts close courses.
Across everyone: new courses get a fair, bounded chance, at most one exploratory slot in five, by Thompson sampling on
their click-through so far: a new course whose draw beats everyone's click-through on established picks takes the slot,
so an ignored new course is tried less and less, and one that gets clicks keeps its chance until enough people took it
for the other signals to know it.

Impressions are read from the answers log (every answer records the picks it showed); a click is any event of the
learner's on a course (started, saved, completed, rated, dismissed), and only showings after the last click count as
ignored (a course started and then shown again and again without being resumed sinks too).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from learning.background import in_background
from learning.people.history import COMPLETED, ENROLLED, RATED, SAVED, STARTED, Event
from learning.recommend.catalog_frame import CatalogFrame

IGNORED_AFTER = 2  # shown this many times without a click, a pick starts to sink …
IGNORED_STEP, IGNORED_MAX = 0.5, 5.0  # … by this much per further showing, at most this much (blend units; enough,
# after ten showings, to let a "continue" pick that is never resumed give way)
DOWN_PENALTY = 2.5  # a 👎 on a course: minus this times cosine for it and its neighbours
UP_LIFT, LIFT_FROM = 1.0, 0.5  # a 👍 or a completion: courses closer than LIFT_FROM gain up to UP_LIFT
EXPLORE_EVERY = 5  # at most one exploratory pick in this many
NEW_DAYS = 90  # a course published this recently …
NEW_TAKERS, NEW_IMPRESSIONS = 3, 50  # … is new to the loop while fewer took it and fewer saw it than these
PRIOR_CTR = 0.1  # everyone's click-through before anything was shown
EXPLORE_MIN_LEARNERS = 30  # below this many learners with history everything is new: nothing to explore against
EXPLORE_CLOSENESS = 0.3  # an exploratory pick is at least this close to what the learner took or wants
TOTALS_SECONDS = 60.0  # everyone's impressions and clicks are re-read in the background at most this often

Shown = Callable[[str | None], dict[tuple[str, str], int]]  # AnswerRepository.shown
ShownTimes = Callable[[str], dict[str, list[str]]]  # AnswerRepository.shown_times
# EventRepository.took_up: every (learner, course) with these kinds
TookUp = Callable[[Sequence[str]], set[tuple[str, str]]]
CLICKS = (ENROLLED, STARTED, SAVED, COMPLETED)  # taking up a shown pick, for its click-through


@dataclass(frozen=True)
class Reactions:
    """One learner's reactions to what they were shown."""

    ignored: dict[str, int] = field(default_factory=dict)  # course id -> showings without a click
    down: frozenset[str] = frozenset()
    liked: frozenset[str] = frozenset()  # rated up or completed

    def adjustment(self, frame: CatalogFrame) -> np.ndarray:
        """Per course: what to add to its blended score."""
        out = np.zeros(frame.size, np.float32)
        for course_id, times in self.ignored.items():
            if course_id in frame.by_id:
                out[frame.by_id[course_id]] -= min(IGNORED_MAX, IGNORED_STEP * (times - IGNORED_AFTER + 1))
        down = _nums(frame, self.down)
        if down:
            out -= DOWN_PENALTY * np.maximum(0, frame.vectors @ frame.vectors[down].T).max(axis=1)
        liked = _nums(frame, self.liked - self.down)
        if liked:
            closeness = (frame.vectors @ frame.vectors[liked].T).max(axis=1)
            out += UP_LIFT * np.clip((closeness - LIFT_FROM) / (1 - LIFT_FROM), 0, 1)
        return out


def reactions(events: Iterable[Event], shown: dict[str, list[str]]) -> Reactions:
    """From a learner's events (in time order) and when each course was shown to them."""
    clicked: dict[str, str] = {}  # course id -> the learner's last event on it
    rating: dict[str, str | None] = {}
    completed: set[str] = set()
    for event in events:
        if event.course_id is None:
            continue
        clicked[event.course_id] = max(event.at, clicked.get(event.course_id, ""))
        if event.kind == RATED:
            rating[event.course_id] = event.value
        elif event.kind == COMPLETED:
            completed.add(event.course_id)
    since_click = {course: sum(at > clicked.get(course, "") for at in times) for course, times in shown.items()}
    ignored = {course: n for course, n in since_click.items() if n >= IGNORED_AFTER}
    down = frozenset(c for c, value in rating.items() if value == "down")
    liked = frozenset(c for c, value in rating.items() if value == "up") | frozenset(completed)
    return Reactions(ignored, down, liked)


def _nums(frame: CatalogFrame, course_ids: Iterable[str]) -> list[int]:
    return [frame.by_id[c] for c in course_ids if c in frame.by_id]


class PickFeedback:
    """Reads impressions and clicks; keeps everyone's per-course totals for exploration, refreshed off the request
    path (the first call reads them)."""

    def __init__(
        self,
        shown: Shown,
        shown_times: ShownTimes,
        took_up: TookUp,
        refresh_seconds: float = TOTALS_SECONDS,
        seed: int | None = None,
    ):
        self.shown = shown
        self.shown_times = shown_times
        self.took_up = took_up
        self.refresh_seconds = refresh_seconds
        self.random = np.random.default_rng(seed)
        self._totals: dict[str, tuple[int, int]] | None = None  # course id -> (learners shown it, of them clicked)
        self._ctr = PRIOR_CTR  # clicked / shown over every (learner, course) pair
        self._read_at = 0.0
        self._reading = False
        self._lock = threading.Lock()

    def for_learner(self, learner_id: str, events: Iterable[Event]) -> Reactions:
        return reactions(events, self.shown_times(learner_id))

    def totals(self) -> dict[str, tuple[int, int]]:
        if self._totals is None:
            with self._lock:
                if self._totals is None:
                    self._read()
        elif time.monotonic() - self._read_at > self.refresh_seconds and not self._reading:
            self._reading = True
            self._read_at = time.monotonic()  # a failing re-read is tried again after refresh_seconds, not at once
            in_background("exploration totals re-read", self._read)
        assert self._totals is not None
        return self._totals

    def refresh(self) -> None:
        """Re-read now (tests, the simulation)."""
        self._read()

    def _read(self) -> None:
        try:
            clicks = self.took_up(CLICKS)
            totals: dict[str, list[int]] = {}
            for pair in self.shown(None):
                counts = totals.setdefault(pair[1], [0, 0])
                counts[0] += 1
                counts[1] += pair in clicks
            self._totals = {course: (shown, clicked) for course, (shown, clicked) in totals.items()}
            shown = sum(counts[0] for counts in totals.values())
            self._ctr = sum(counts[1] for counts in totals.values()) / shown if shown else PRIOR_CTR
            self._read_at = time.monotonic()
        finally:
            self._reading = False

    def explore(
        self, frame: CatalogFrame, takers: np.ndarray, eligible: np.ndarray, closeness: np.ndarray, now: float
    ) -> int | None:
        """The new course that gets an exploratory slot, or None: among eligible courses published in the last
        NEW_DAYS that few took and few were shown, close enough to the learner, the best draw from
        Beta(1 + clicks, 1 + ignored) times closeness, if that draw beats everyone's click-through."""
        totals = self.totals()
        taken = np.zeros(frame.size, np.float32)
        taken[: min(frame.size, len(takers))] = takers[: frame.size]
        recent = frame.published >= now - NEW_DAYS * 86400
        candidates = np.flatnonzero(eligible & recent & (taken < NEW_TAKERS) & (closeness >= EXPLORE_CLOSENESS))
        counts = np.array([totals.get(frame.ids[n], (0, 0)) for n in candidates], np.float64).reshape(-1, 2)
        fresh = counts[:, 0] < NEW_IMPRESSIONS
        candidates, counts = candidates[fresh], counts[fresh]
        if not len(candidates):
            return None
        draws = self.random.beta(1 + counts[:, 1], 1 + counts[:, 0] - counts[:, 1])
        best = int(np.argmax(draws * closeness[candidates]))
        return int(candidates[best]) if draws[best] >= self._ctr else None
