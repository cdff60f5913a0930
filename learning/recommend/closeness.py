"""How close new courses are to learners, and which courses a learner can be offered at all.

This is the one judgement behind "what's new", made for one learner (`Recommender.whats_new`, the digest's picks) or for
everyone at once (the planner deciding who gets a digest), so the two never disagree.

Learners come as a `Cohort`: sparse rows over the catalog frame's courses (their recency-weighted history, what they
completed or dismissed) and their interests. Closeness to a new course is the best of three: cosine to the centroid of
their history ("like yours"), cosine to one of their interests, and TOPIC_CLOSENESS times the share of their history in
the course's main topic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse

from embeddings.encoder import Encoder
from learning.recommend.catalog_frame import CatalogFrame
from learning.recommend.progression import repeat_pairs

HISTORY_DECAY = 0.8  # the r-th most recent course weighs 0.8^(r-1)
TOPIC_CLOSENESS = 0.5  # a new course in a learner's usual topic counts as this close, for the digest threshold
NEAR_DUPLICATE = 0.97  # cosine above which two courses are the same course (copies, re-runs): never both


def by_recency(newest_first: Sequence[int]) -> list[tuple[int, float]]:
    """(num, weight) of a history given newest first: the newest weighs 1, each older one HISTORY_DECAY times less."""
    return [(num, HISTORY_DECAY**rank) for rank, num in enumerate(newest_first)]


@dataclass(frozen=True)
class Cohort:
    """Learners as rows over the frame's courses."""

    history: sparse.csr_matrix  # the recency weight of each course they took
    excluded: sparse.csr_matrix  # 1 for each course they completed or dismissed: never offered again
    finished: sparse.csr_matrix  # 1 for each course they completed: nothing that only repeats one is offered
    interests: list[tuple[str, ...]]

    @classmethod
    def of(
        cls,
        size: int,
        histories: Sequence[Iterable[tuple[int, float]]],
        excluded: Sequence[Iterable[int]],
        finished: Sequence[Iterable[int]],
        interests: Sequence[Iterable[str]],
    ) -> Cohort:
        """From each learner's (num, weight) history, excluded and finished nums, and interests."""
        return cls(
            _rows(size, histories),
            _rows(size, [((n, 1.0) for n in nums) for nums in excluded]),
            _rows(size, [((n, 1.0) for n in nums) for nums in finished]),
            [tuple(i) for i in interests],
        )

    def __len__(self) -> int:
        return self.history.shape[0]


def _rows(size: int, rows: Sequence[Iterable[tuple[int, float]]]) -> sparse.csr_matrix:
    cells = [(row, num, value) for row, pairs in enumerate(rows) for num, value in pairs]
    row, col, value = zip(*cells, strict=True) if cells else ((), (), ())
    return sparse.csr_matrix((value, (row, col)), shape=(len(rows), size), dtype=np.float32)


def new_courses(frame: CatalogFrame, since: datetime, until: datetime) -> np.ndarray:
    """Nums of the courses published in [since, until]."""
    published = frame.published
    return np.flatnonzero(frame.present & (published >= since.timestamp()) & (published <= until.timestamp()))


@dataclass(frozen=True)
class Closeness:
    """Learners x courses judged, each part in [-1, 1] (same_topic in [0, 1])."""

    like_yours: np.ndarray
    interests: np.ndarray
    same_topic: np.ndarray

    @property
    def best(self) -> np.ndarray:
        """What the digest's threshold is held against."""
        return np.maximum.reduce([self.like_yours, self.interests, TOPIC_CLOSENESS * self.same_topic])


def closeness(frame: CatalogFrame, cohort: Cohort, courses: np.ndarray, encoder: Encoder) -> Closeness:
    """How close each of `courses` (nums) is to each learner of the cohort."""
    vectors = frame.vectors[courses]
    centroids = np.asarray(cohort.history @ frame.vectors)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True) + 1e-9
    like_yours = centroids @ vectors.T
    interests = np.zeros_like(like_yours)
    distinct = sorted({i for mine in cohort.interests for i in mine})
    if distinct:
        sims = np.vstack([encoder.encode_query(i) for i in distinct]) @ vectors.T
        position = {interest: row for row, interest in enumerate(distinct)}
        for row, mine in enumerate(cohort.interests):
            if mine:
                interests[row] = sims[[position[i] for i in mine]].max(axis=0)
    return Closeness(like_yours, interests, _topic_share(frame, cohort, courses))


def _topic_share(frame: CatalogFrame, cohort: Cohort, courses: np.ndarray) -> np.ndarray:
    """Per learner and course: the share of the learner's history in the course's main topic."""
    codes = frame.main_topic[courses]
    topics = np.unique(codes[codes >= 0])
    share = np.zeros((len(cohort), len(courses)), np.float32)
    if not len(topics):
        return share
    in_topic = np.flatnonzero(np.isin(frame.main_topic, topics))
    column = np.searchsorted(topics, frame.main_topic[in_topic])
    member = sparse.csr_matrix(
        (np.ones(len(in_topic), np.float32), (in_topic, column)), shape=(frame.size, len(topics))
    )
    taken = cohort.history.copy()
    taken.data[:] = 1.0
    counts = np.asarray((taken @ member).todense())
    lengths = np.maximum(taken.getnnz(axis=1), 1)[:, None]
    judged = codes >= 0
    share[:, judged] = counts[:, np.searchsorted(topics, codes[judged])] / lengths
    return share


def unavailable(frame: CatalogFrame, cohort: Cohort, courses: np.ndarray) -> np.ndarray:
    """Learners x `courses`: never offered, because the learner completed or dismissed it or the same course (a
    copy: NEAR_DUPLICATE close or the same title), or finished one it would only repeat (`progression`)."""
    blocked = np.zeros((len(cohort), len(courses)), bool)
    for rows, relation in ((cohort.excluded, _same_course), (cohort.finished, repeat_pairs)):
        taken = np.unique(rows.indices)
        if len(taken):
            related = relation(frame, taken, courses).astype(np.float32)
            blocked |= np.asarray(rows[:, taken] @ related) > 0
    return blocked


def _same_course(frame: CatalogFrame, taken: np.ndarray, courses: np.ndarray) -> np.ndarray:
    """taken x courses: the course itself, a near-duplicate of it, or one with the same title."""
    same = taken[:, None] == courses[None, :]
    same |= (frame.vectors[taken] @ frame.vectors[courses].T) >= NEAR_DUPLICATE
    return same | (frame.title_code[taken][:, None] == frame.title_code[courses][None, :])
