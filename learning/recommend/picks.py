"""What the recommender hands out: picks, the reasons that name their evidence, Home rows, and the learner's profile.

The profile is the learner as the scorer sees it. These are value types the recommender, its ranker and the Slack layer
share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from learning.catalog.courses import Course
from learning.people.history import CourseState
from learning.people.learners import Learner
from learning.reasons import Reason
from learning.recommend.closeness import Cohort
from learning.recommend.pick_feedback import Reactions


@dataclass(frozen=True)
class Pick:
    course: Course
    reason: Reason
    score: float = 0.0
    explore: bool = False  # an exploratory slot: a new course given a chance to earn its place


@dataclass(frozen=True)
class Row:
    kind: str  # continue | because | interests | new | role | popular | for_you | starters
    picks: list[Pick]
    evidence: str | None = None  # the course title in "Because you finished X", the role in "Popular with …"


@dataclass
class Profile:
    """One learner, as the scorer sees them."""

    learner: Learner
    states: dict[str, CourseState]
    history: list[tuple[int, float]] = field(default_factory=list)  # (num, weight) of courses they took
    exclude: set[int] = field(default_factory=set)  # completed or dismissed: never recommended
    dismissed: list[int] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)  # completed: nothing that only repeats one is picked

    # courses in a language they read: their Slack locale's, English, or one they have taken
    readable: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    up_next: list[tuple[int, Reason]] = field(default_factory=list)  # in progress, then next steps of their paths
    recommended: dict[int, Reason] = field(default_factory=dict)  # shared with them by a colleague, or their manager
    # per course, the course offered in its place: itself, or its path's entry (the first step, or the next step of
    # a path they began), or -1 when it is not offered (a step of a path they finished or skipped)
    offered: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    reactions: Reactions = field(default_factory=Reactions)  # to picks shown before

    @property
    def language(self) -> str:
        """The one they chose, else their Slack locale's; English until we know better."""
        return (self.learner.speaks or "en").split("-")[0].lower()

    def cohort(self, size: int) -> Cohort:
        """This learner alone, as `closeness` judges learners."""
        return Cohort.of(size, [self.history], [self.exclude], [self.finished], [self.learner.interests])
