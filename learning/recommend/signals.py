"""What everyone's history says, precomputed for the recommender.

Popularity (two time-decayed horizons, per role), how fresh each course is, which courses are taken together (EASE
item-item weights, Steck 2019), and how many people of each workspace and role took each course (for "Taken by 12
people in your role"). Rebuilt from the events table when it changes, off the request path.

Courses are addressed by their integer key (`num`), so every signal is a dense array indexed by num.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy import sparse
from scipy.linalg import lapack

from learning.background import in_background
from learning.catalog.courses import CourseRepository
from learning.people.history import EventRepository
from learning.recommend.engagements import Engagement, first_engagements
from learning.timestamps import utcnow

TRENDING_DAYS = 14.0  # decay constants (e-folding, days) of the two popularity horizons
POPULAR_DAYS = 60.0
FRESH_DAYS = 30.0  # how long a course counts as fresh after it was first taken
NEIGHBOURS = 100  # item-item neighbours kept per course in the sparse co-enrolment and sequence matrices
SEQUENCE_STEPS, SEQUENCE_DECAY = 5, 0.7  # "what people take next": up to 5 courses later, 0.7 per step
EASE_LAMBDA = 5000.0
EASE_RECENCY_DAYS = 365.0  # EASE counts an enrolment with weight exp(-age / this): recent co-enrolments count more
EASE_MAX_COURSES = 8000  # EASE inverts a dense courses x courses matrix: only the most-taken courses take part
REFRESH_SECONDS = 60.0
DAY = 86400.0


def role_key(title: str | None) -> str | None:
    """Roles are compared case- and space-insensitively: 'Data  analyst' == 'data analyst'."""
    return " ".join(title.casefold().split()) if title and title.strip() else None


@dataclass(frozen=True)
class ProofPolicy:
    """Whose taking a course may be shown as "Taken by N people in your role": only counts of at least `min_group`
    people, and, with `by_workspace` (installs by OAuth, many workspaces), only people of the viewer's own workspace.
    With one token every learner is of the one workspace, LMS imports not yet seen in Slack included."""

    min_group: int = 5
    by_workspace: bool = False

    def workspace(self, team_id: str | None) -> str | None:
        """The key a learner's workspace is counted under (None: counted nowhere, shown nothing)."""
        return (team_id or None) if self.by_workspace else ""


@dataclass
class Signals:
    size: int = 0  # arrays are indexed 0..size-1 by course num
    trending: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # log-scaled, max 1
    popular_decayed: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # log-scaled, max 1
    fresh: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    takers: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # distinct learners, all time
    by_role: dict[str, np.ndarray] = field(default_factory=dict)
    role_learners: dict[str, int] = field(default_factory=dict)
    ease_nums: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # courses taking part in EASE
    ease: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))  # weights between them
    together: sparse.csr_matrix = field(default_factory=lambda: sparse.csr_matrix((0, 0), dtype=np.float32))
    after: sparse.csr_matrix = field(default_factory=lambda: sparse.csr_matrix((0, 0), dtype=np.float32))
    learners: int = 0
    # (workspace key, role key) -> {course num: people who started or finished it}, only counts of the minimum group
    role_takers: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)
    proof: ProofPolicy | None = None
    built_from: tuple[tuple[int, str | None], int] = ((0, None), 0)  # (events' version, num bound) they reflect

    def takers_in_role(self, team_id: str | None, title: str | None) -> dict[int, int]:
        """Course num -> how many people of this workspace and role started or finished it (at least the minimum
        group, else absent): a count, never who."""
        workspace, role = (self.proof.workspace(team_id) if self.proof else None), role_key(title)
        if workspace is None or role is None:
            return {}
        return self.role_takers.get((workspace, role), {})

    def taken_with(self, nums: list[int], weights: np.ndarray, size: int) -> np.ndarray:
        """EASE scores over the catalog for a learner who took `nums`."""
        out = np.zeros(size, np.float32)
        rows = self._ease_rows(nums)
        if rows[0].size:
            scores = (weights[rows[1]][:, None] * self.ease[rows[0]]).sum(axis=0)
            keep = self.ease_nums < size
            out[self.ease_nums[keep]] = scores[keep]
        return out

    def neighbours(self, matrix: sparse.csr_matrix, nums: list[int], weights: np.ndarray, size: int) -> np.ndarray:
        """Weighted sum of the rows of a sparse item-item matrix (`together` or `after`) over the catalog."""
        out = np.zeros(size, np.float32)
        known = [(n, w) for n, w in zip(nums, weights) if n < matrix.shape[0]]
        if known:
            rows = matrix[[n for n, _ in known]]
            scores = np.asarray(rows.T @ np.array([w for _, w in known], np.float32)).ravel()
            out[: min(size, len(scores))] = scores[:size]
        return out

    def taken_with_each(self, nums: list[int], num: int) -> np.ndarray | None:
        """How much each of `nums` contributes to `num`'s EASE score (for naming the evidence)."""
        column = np.flatnonzero(self.ease_nums == num)
        if not column.size:
            return None
        rows, which = self._ease_rows(nums)
        contributions = np.zeros(len(nums), np.float32)
        contributions[which] = self.ease[rows, column[0]]
        return contributions

    def _ease_rows(self, nums: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(row in the EASE matrix, position in nums) for the nums that take part in EASE."""
        if not len(self.ease_nums) or not nums:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        order = np.argsort(self.ease_nums)
        found = np.searchsorted(self.ease_nums, nums, sorter=order)
        found = np.minimum(found, len(order) - 1)
        rows = order[found]
        hit = self.ease_nums[rows] == np.asarray(nums)
        return rows[hit], np.flatnonzero(hit)

    @classmethod
    def build(
        cls,
        history: EventRepository,
        courses: CourseRepository,
        now: datetime | None = None,
        before: datetime | None = None,
        proof: ProofPolicy | None = None,
    ) -> Signals:
        """From every event, or only those before `before` (training the ranker at a cut of the history); with
        `proof`, the counts of people per workspace and role that social proof shows."""
        size = courses.num_bound()
        events_version = history.version()
        rows = first_engagements(history.store, before)
        now_s = (now or utcnow()).timestamp()
        learner_of: dict[str, int] = {}
        learner_rows = np.zeros(len(rows), np.int64)
        course_cols = np.zeros(len(rows), np.int64)
        taken_at = np.zeros(len(rows), np.float64)
        by_role: dict[str, np.ndarray] = {}
        role_members: dict[str, set[str]] = defaultdict(set)
        for i, (learner_id, num, at, title, _, _) in enumerate(rows):
            learner_rows[i] = learner_of.setdefault(learner_id, len(learner_of))
            course_cols[i] = num
            taken_at[i] = datetime.fromisoformat(at).timestamp()
            key = role_key(title)
            if key:
                by_role.setdefault(key, np.zeros(size, np.float32))[num] += 1
                role_members[key].add(learner_id)
        age_days = np.maximum(0.0, now_s - taken_at) / DAY
        first = np.full(size, np.inf)
        np.minimum.at(first, course_cols, taken_at)
        seen = np.isfinite(first)
        signals = cls(size=size, learners=len(learner_of), built_from=(events_version, size), proof=proof)
        if proof:
            signals.role_takers = role_takers(rows, proof)
        signals.takers = np.bincount(course_cols, minlength=size).astype(np.float32)
        signals.trending = _log_scaled(np.bincount(course_cols, np.exp(-age_days / TRENDING_DAYS), size))
        signals.popular_decayed = _log_scaled(np.bincount(course_cols, np.exp(-age_days / POPULAR_DAYS), size))
        fresh_age = np.where(seen, np.maximum(0.0, now_s - np.where(seen, first, now_s)) / DAY, np.inf)
        signals.fresh = np.where(seen, np.exp(-fresh_age / FRESH_DAYS), 0.0).astype(np.float32)
        signals.by_role = by_role
        signals.role_learners = {k: len(v) for k, v in role_members.items()}
        signals.ease_nums, signals.ease = _ease(
            learner_rows, course_cols, len(learner_of), size, signals.takers, np.exp(-age_days / EASE_RECENCY_DAYS)
        )
        signals.together = _co_enrolment(learner_rows, course_cols, len(learner_of), size)
        signals.after = _sequence(learner_rows, course_cols, taken_at, size)
        return signals


def role_takers(rows: list[Engagement], proof: ProofPolicy) -> dict[tuple[str, str], dict[int, int]]:
    """(workspace key, role key) -> {course num: people who started or finished it}, keeping only the counts of the
    minimum group or more (a smaller one is shown nowhere). One row per learner and course: each counts once."""
    counts: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    for _, num, _, title, team_id, taken in rows:
        if taken and (role := role_key(title)) is not None and (workspace := proof.workspace(team_id)) is not None:
            counts[(workspace, role)][num] += 1
    kept = {group: {num: n for num, n in by_num.items() if n >= proof.min_group} for group, by_num in counts.items()}
    return {group: by_num for group, by_num in kept.items() if by_num}


def _log_scaled(values: np.ndarray) -> np.ndarray:
    scaled = np.log1p(values)
    top = scaled.max() if len(scaled) else 0.0
    return (scaled / top if top > 0 else scaled).astype(np.float32)


def _co_enrolment(learner_rows: np.ndarray, course_cols: np.ndarray, learners: int, size: int) -> sparse.csr_matrix:
    """Cosine similarity of courses by who took them, each course's top neighbours."""
    taken = sparse.csr_matrix(
        (np.ones(len(learner_rows), np.float32), (learner_rows, course_cols)), shape=(max(learners, 1), size)
    )
    counts = np.sqrt(np.maximum(np.asarray(taken.sum(axis=0)).ravel(), 1))
    co = (taken.T @ taken).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    return _top_per_row((sparse.diags(1 / counts) @ co @ sparse.diags(1 / counts)).tocsr(), NEIGHBOURS)


def _sequence(learner_rows: np.ndarray, course_cols: np.ndarray, taken_at: np.ndarray, size: int) -> sparse.csr_matrix:
    """after[i, j]: how often j was taken within the next few courses after i, nearer steps counting more."""
    order = np.lexsort((taken_at, learner_rows))
    learners, courses = learner_rows[order], course_cols[order]
    rows, cols, values = [], [], []
    for step in range(1, SEQUENCE_STEPS + 1):
        same = learners[step:] == learners[:-step]
        rows.append(courses[:-step][same])
        cols.append(courses[step:][same])
        values.append(np.full(int(same.sum()), SEQUENCE_DECAY ** (step - 1), np.float32))
    if not rows or not sum(len(r) for r in rows):
        return sparse.csr_matrix((size, size), dtype=np.float32)
    matrix = sparse.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size)
    )
    matrix.setdiag(0)
    matrix.eliminate_zeros()
    return _top_per_row(matrix, NEIGHBOURS)


def _top_per_row(matrix: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    indptr, indices, data = [0], [], []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        values, cols = matrix.data[start:end], matrix.indices[start:end]
        if len(values) > keep:
            top = np.argpartition(-values, keep)[:keep]
            values, cols = values[top], cols[top]
        indices.extend(cols.tolist())
        data.extend(values.tolist())
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=matrix.shape, dtype=np.float32)


def _ease(
    learner_rows: np.ndarray,
    course_cols: np.ndarray,
    learners: int,
    size: int,
    takers: np.ndarray,
    entry_weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """EASE: B = I - P / diag(P), with P = (X'X + lambda I)^-1, over the most-taken courses; each enrolment's
    entry in X is its weight in `entry_weights`."""
    active = np.flatnonzero(takers > 0)
    if not len(active):
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    if len(active) > EASE_MAX_COURSES:
        active = active[np.argsort(-takers[active])[:EASE_MAX_COURSES]]
    column = np.full(size, -1, np.int64)
    column[active] = np.arange(len(active))
    keep = column[course_cols] >= 0
    values = entry_weights[keep]
    taken = sparse.csr_matrix(
        (values.astype(np.float32), (learner_rows[keep], column[course_cols[keep]])), shape=(learners, len(active))
    )
    # weighted entries shrink X'X: scale lambda by their mean square so the regularisation stays comparable
    ridge = EASE_LAMBDA * float(np.mean(values.astype(np.float64) ** 2)) if len(values) else EASE_LAMBDA
    gram = (taken.T @ taken).toarray()
    del taken
    gram[np.diag_indices_from(gram)] += ridge
    weights = _inverse_in_place(gram)
    weights /= -np.diag(weights)[None, :]
    np.fill_diagonal(weights, 0.0)
    return active.astype(np.int64), weights


def _inverse_in_place(matrix: np.ndarray, block: int = 1024) -> np.ndarray:
    """The inverse of a symmetric positive definite float32 matrix, written over it (Cholesky, LAPACK potrf/potri).

    The matrix is courses x courses (256 MB at 8,000): np.linalg.inv would hold three of them at once, which is what
    took the web process over 2 GB while it rebuilt its signals. float32 throughout; with lambda on the diagonal the
    inverse agrees with float64 to ~1e-7."""
    if not matrix.size:
        return matrix
    fortran = matrix if matrix.flags.f_contiguous else np.asfortranarray(matrix.T)  # .T of C order: no copy
    factor, info = lapack.spotrf(fortran, lower=False, clean=False, overwrite_a=True)
    if info == 0:
        factor, info = lapack.spotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE Gram matrix is not positive definite (LAPACK info {info})")
    # potri filled the upper triangle of the Fortran view, i.e. the lower triangle of its C-ordered transpose
    inverse = factor.T
    size = len(inverse)
    for start in range(0, size, block):
        stop = min(start + block, size)
        rows = inverse[start:stop]
        rows[:, stop:] = inverse[stop:, start:stop].T
        rows[:, start:stop] = np.tril(rows[:, start:stop]) + np.tril(rows[:, start:stop], -1).T
    return inverse


class SignalCache:
    """Serves the current signals; rebuilds them in the background when events or courses changed, so no request
    ever waits for a rebuild (except the very first)."""

    def __init__(
        self,
        history: EventRepository,
        courses: CourseRepository,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], datetime] = utcnow,
        proof: ProofPolicy | None = None,
    ):
        self.proof = proof  # None: no social proof counted
        self.history = history
        self.courses = courses
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        self._signals: Signals | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._building = False
        self.on_rebuild: Callable[[float], None] | None = None  # told each background rebuild's seconds

    def current(self) -> Signals:
        if self._signals is None:
            with self._lock:
                if self._signals is None:
                    self._signals = self._build()
                    self._checked = time.monotonic()
            return self._signals
        if time.monotonic() - self._checked > self.refresh_seconds:
            self._checked = time.monotonic()
            if self._stale() and not self._building:
                self._building = True
                in_background("signals rebuild", self._rebuild)
        return self._signals

    def refresh(self) -> Signals:
        """Rebuild now (tests, imports, the clock)."""
        self._signals = self._build()
        self._checked = time.monotonic()
        return self._signals

    def _stale(self) -> bool:
        assert self._signals is not None
        return (self.history.version(), self.courses.num_bound()) != self._signals.built_from

    def _build(self) -> Signals:
        return Signals.build(self.history, self.courses, self.clock(), proof=self.proof)

    def _rebuild(self) -> None:
        started = time.perf_counter()
        try:
            self._signals = self._build()
        finally:
            self._building = False
        if self.on_rebuild:
            self.on_rebuild(time.perf_counter() - started)
