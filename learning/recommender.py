"""Personal picks, each with the reason that names its evidence.

`next_for` answers "what should I learn next?": every course is scored by a blend of components, each computed
for the whole catalog at once from what is precomputed in `Signals` and `CatalogFrame`:

- taken_with: EASE item-item weights from everyone's history applied to this learner's (collaborative)
- like_yours: cosine between the course and the centroid of the learner's history (content)
- topic_share: share of the learner's history in the course's main topic
- trending / popular: time-decayed popularity over two horizons
- fresh: courses that recently started being taken
- interests / role: the topics the learner picked, and what people with the same job title take
- up_next: the next course of a path the learner is in

A light MMR re-rank keeps a list from being five near-identical courses. `rows_for` builds the Home page rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from embeddings.encoder import Encoder
from learning.catalog_frame import CatalogFrame, FrameCache
from learning.courses import Course, CourseRepository
from learning.history import CourseState, History
from learning.learners import Learner
from learning.search import CourseSearch
from learning.signals import SignalCache, Signals, role_key
from learning.store import utcnow

# Blend weights (tuned on CoCo, one cut before the evaluation cut; see BENCHMARKS.md).
WEIGHTS = {
    "taken_with": 1.0,
    "like_yours": 1.2,
    "topic_share": 0.5,
    "trending": 0.3,
    "popular": 0.2,
    "fresh": 0.2,
    "interests": 1.0,
    "role": 0.4,
    "up_next": 2.0,
}
MMR_THETA = 0.1
MMR_POOL = 50
NEAR_DUPLICATE = 0.97  # cosine above which two courses are the same course (copies, re-runs): never both
DISMISS_PENALTY = 0.5  # "not for me" pushes down the course's close neighbours too
OTHER_LANGUAGE = 0.15  # score factor for a course in a language the learner does not use
ROW_MIN, ROW_MAX, MAX_ROWS = 3, 5, 4
NEW_DAYS = 90
HINT_MATCHES, HINT_FLOOR, HINT_WEIGHT = 20, 0.6, 2.0  # "next in data": the closest matches, then personal order


@dataclass(frozen=True)
class Reason:
    """Why a course was picked. `kind` selects the sentence; `evidence` is what it names (a course title, a topic,
    a role, a path) and `evidence_id` the course id when the evidence is one of the learner's courses."""

    kind: str  # up_next | continue | taken_with | like_yours | interest | role | trending | popular | starter | match
    evidence: str | None = None
    evidence_id: str | None = None


@dataclass(frozen=True)
class Pick:
    course: Course
    reason: Reason
    score: float = 0.0


@dataclass(frozen=True)
class Row:
    kind: str  # continue | because | interests | new | role | popular | starters
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

    languages: set[str | None] = field(default_factory=set)  # what they read: locale, English, their history's

    @property
    def language(self) -> str:
        """From the Slack locale; English until we know better."""
        return (self.learner.locale or "en").split("-")[0].lower()


class Recommender:
    def __init__(
        self,
        courses: CourseRepository,
        history: History,
        search: CourseSearch,
        signals: SignalCache,
        frames: FrameCache,
        encoder: Encoder,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.clock = clock
        self.courses = courses
        self.history = history
        self.search = search
        self.signals = signals
        self.frames = frames
        self.encoder = encoder

    # -- building blocks -----------------------------------------------------------------------------------------
    def profile(self, learner: Learner, frame: CatalogFrame) -> Profile:
        states = self.history.states(learner.slack_id)
        profile = Profile(learner, states)
        taken = sorted(
            (s for s in states.values() if (s.started_at or s.completed_at) and s.course_id in frame.by_id),
            key=lambda s: s.last_at,
        )
        profile.history = [(frame.by_id[s.course_id], 1.0) for s in taken]
        profile.languages = {None, "en", profile.language} | {frame.language[n] for n, _ in profile.history}
        for state in states.values():
            num = frame.by_id.get(state.course_id)
            if num is not None and (state.completed_at or state.dismissed):
                profile.exclude.add(num)
                if state.dismissed:
                    profile.dismissed.append(num)
        return profile

    def _interest_scores(self, learner: Learner, frame: CatalogFrame) -> tuple[np.ndarray, list[str]]:
        """Per course: best cosine to any of the learner's interests (topic words embedded), and the interests."""
        interests = list(learner.interests)
        if not interests:
            return np.zeros(frame.size, np.float32), []
        vectors = np.vstack([self.encoder.encode_query(i) for i in interests])
        sims = frame.vectors @ vectors.T
        return sims.max(axis=1), interests

    def components(self, profile: Profile, frame: CatalogFrame, signals: Signals) -> dict[str, np.ndarray]:
        size = frame.size
        parts: dict[str, np.ndarray] = {}
        nums = [n for n, _ in profile.history]
        weights = np.array([w for _, w in profile.history], np.float32)
        parts["taken_with"] = _normalise(signals.taken_with(nums, weights, size))
        if nums:
            centroid = (weights[:, None] * frame.vectors[nums]).sum(axis=0)
            centroid /= np.linalg.norm(centroid) + 1e-9
            parts["like_yours"] = frame.vectors @ centroid
            main_topic = np.array([t[0] if t else None for t in frame.topics], object)
            counts: dict[str, float] = {}
            for num in nums:
                if frame.topics[num]:
                    counts[frame.topics[num][0]] = counts.get(frame.topics[num][0], 0) + 1
            parts["topic_share"] = np.array([counts.get(t, 0.0) for t in main_topic], np.float32) / len(nums)
        parts["trending"] = _fit(signals.trending, size)
        parts["popular"] = _fit(signals.popular_decayed, size)
        parts["fresh"] = _fit(signals.fresh, size)
        parts["interests"] = self._interest_scores(profile.learner, frame)[0]
        role = role_key(profile.learner.role)
        if role and signals.role_learners.get(role, 0) >= 3:
            parts["role"] = _normalise(np.log1p(_fit(signals.by_role[role], size)))
        parts["up_next"] = self._up_next_mask(profile, frame)
        return parts

    def _up_next_mask(self, profile: Profile, frame: CatalogFrame) -> np.ndarray:
        mask = np.zeros(frame.size, np.float32)
        for num, reason in self._up_next(profile, frame):
            mask[num] = 1.0 if reason.kind == "up_next" else 0.8
        return mask

    def _up_next(self, profile: Profile, frame: CatalogFrame) -> list[tuple[int, Reason]]:
        """Courses in progress ("continue"), then the next step of each path the learner is in ("up next")."""
        found: list[tuple[int, Reason]] = []
        by_recent = sorted(profile.states.values(), key=lambda s: s.last_at, reverse=True)
        for state in by_recent:
            num = frame.by_id.get(state.course_id)
            if num is not None and state.in_progress:
                found.append((num, Reason("continue")))
        paths: dict[str, int] = {}
        for state in by_recent:
            num = frame.by_id.get(state.course_id)
            if num is not None and frame.path_id[num] and (state.completed_at or state.started_at):
                paths.setdefault(frame.path_id[num], 0)
                paths[frame.path_id[num]] = max(paths[frame.path_id[num]], int(frame.position[num]))
        taken = {n for n, _ in profile.history} | profile.exclude
        for path, reached in paths.items():
            members = np.flatnonzero(frame.path_id == path)
            ahead = [int(n) for n in members[np.argsort(frame.position[members])] if frame.position[n] > reached]
            step = next((n for n in ahead if n not in taken), None)
            if step is not None:
                title = self.courses.many_by_num([step])[step].path_title
                found.append((step, Reason("up_next", title)))
        return found

    # -- scoring ---------------------------------------------------------------------------------------------------
    def score(self, profile: Profile, frame: CatalogFrame, signals: Signals) -> tuple[np.ndarray, dict]:
        parts = self.components(profile, frame, signals)
        total = np.zeros(frame.size, np.float32)
        for name, values in parts.items():
            total += WEIGHTS[name] * values
        if profile.dismissed:
            total -= DISMISS_PENALTY * np.maximum(0, frame.vectors @ frame.vectors[profile.dismissed].T).max(axis=1)
        total = np.where(self._readable(profile, frame), total, total * OTHER_LANGUAGE)
        total[~frame.present] = -np.inf
        if profile.exclude:
            excluded = list(profile.exclude)
            total[excluded] = -np.inf
            # copies of what they finished or dismissed (same course in another lesson) count as the same course
            total[(frame.vectors @ frame.vectors[excluded].T).max(axis=1) >= NEAR_DUPLICATE] = -np.inf
            total[np.isin(frame.titles, frame.titles[excluded])] = -np.inf
        return total, parts

    def reason(self, num: int, parts: dict[str, np.ndarray], profile: Profile, frame: CatalogFrame) -> Reason:
        """The largest weighted component for this course, stated with its evidence."""
        for up_num, reason in self._up_next(profile, frame):
            if up_num == num:
                return reason
        contributions = {name: WEIGHTS[name] * float(values[num]) for name, values in parts.items()}
        contributions.pop("up_next", None)
        best = max(contributions, key=contributions.__getitem__, default="popular")
        if contributions.get(best, 0) <= 0:
            return Reason("starter")
        if best in ("taken_with", "like_yours", "topic_share") and profile.history:
            evidence = self._closest_history(num, best, profile, frame)
            if evidence is not None:
                course = self.courses.many_by_num([evidence])[evidence]
                return Reason("taken_with" if best == "taken_with" else "like_yours", course.title, course.id)
        if best == "interests":
            _, interests = self._interest_scores(profile.learner, frame)
            vectors = np.vstack([self.encoder.encode_query(i) for i in interests])
            return Reason("interest", interests[int(np.argmax(vectors @ frame.vectors[num]))])
        if best == "role":
            return Reason("role", profile.learner.role)
        return Reason("trending" if best in ("trending", "fresh") else "popular")

    def _closest_history(self, num: int, component: str, profile: Profile, frame: CatalogFrame) -> int | None:
        nums = [n for n, _ in profile.history]
        if component == "taken_with":
            weights = self.signals.current().taken_with_each(nums, num)
            if weights is not None and weights.max() > 0:
                return nums[int(np.argmax(weights))]
        return nums[int(np.argmax(frame.vectors[nums] @ frame.vectors[num]))]

    def _diverse(self, scores: np.ndarray, frame: CatalogFrame, k: int, among: np.ndarray | None = None) -> list[int]:
        """Top k by score, re-ranked by maximal marginal relevance on content vectors."""
        candidates = np.flatnonzero(np.isfinite(scores)) if among is None else among[np.isfinite(scores[among])]
        if not len(candidates):
            return []
        pool = candidates[np.argsort(-scores[candidates])[:MMR_POOL]]
        relevance = scores[pool]
        low, high = relevance.min(), relevance.max()
        relevance = (relevance - low) / (high - low + 1e-9)
        similarity = frame.vectors[pool] @ frame.vectors[pool].T
        chosen: list[int] = []
        closest = np.zeros(len(pool), np.float32)
        available = np.ones(len(pool), bool)
        titles = frame.titles[pool]
        while len(chosen) < k and available.any():
            value = np.where(available, (1 - MMR_THETA) * relevance - MMR_THETA * closest, -np.inf)
            best = int(np.argmax(value))
            chosen.append(int(pool[best]))
            available &= (similarity[best] < NEAR_DUPLICATE) & (titles != titles[best])
            closest = np.maximum(closest, similarity[best])
        return chosen

    def _picks(self, nums: Sequence[int], scores: np.ndarray, parts: dict, profile: Profile, frame) -> list[Pick]:
        by_num = self.courses.many_by_num(nums)
        return [Pick(by_num[n], self.reason(n, parts, profile, frame), float(scores[n])) for n in nums if n in by_num]

    # -- public ----------------------------------------------------------------------------------------------------
    def next_for(self, learner: Learner, query: str | None = None, k: int = 5, untaken: bool = False) -> list[Pick]:
        """'What should I learn next?': k picks, each with its reason. A hint ("next in data") keeps the picks
        to courses that match it. With `untaken`, only courses the learner has not started (no "continue")."""
        frame, signals = self.frames.current(), self.signals.current()
        profile = self.profile(learner, frame)
        scores, parts = self.score(profile, frame, signals)
        if untaken and profile.history:
            scores[[n for n, _ in profile.history]] = -np.inf
        among = None
        if query and query.strip():
            matches = [h for h in self.search.search(query, k=HINT_MATCHES).hits if h.course.num is not None]
            best = max((h.score for h in matches), default=0.0)
            matches = [h for h in matches if h.score >= HINT_FLOOR * best]
            if matches:
                among = np.array([h.course.num for h in matches], np.int64)
                relevance = np.zeros(frame.size, np.float32)
                relevance[among] = [h.score for h in matches]
                scores = scores + HINT_WEIGHT * _normalise(relevance)
        return self._picks(self._diverse(scores, frame, k, among), scores, parts, profile, frame)

    def whats_new(self, learner: Learner, since: datetime, k: int = 5, minimum: float = 0.0) -> list[Pick]:
        """Courses published (or first taken) since `since`, ranked for this learner; none below `minimum`."""
        frame, signals = self.frames.current(), self.signals.current()
        profile = self.profile(learner, frame)
        scores, parts = self.score(profile, frame, signals)
        new = np.flatnonzero(frame.present & (frame.published >= since.timestamp()))
        new = new[scores[new] > minimum]
        return self._picks(self._diverse(scores, frame, k, new), scores, parts, profile, frame)

    def rows_for(self, learner: Learner, size: int = ROW_MAX) -> list[Row]:
        """The Home page: at most 4 rows of 3-5 picks (`size` more for a row's "More"), no course twice."""
        frame, signals = self.frames.current(), self.signals.current()
        profile = self.profile(learner, frame)
        scores, parts = self.score(profile, frame, signals)
        used: set[int] = set()
        rows: list[Row] = []

        def add(kind: str, picks: Iterable[Pick], evidence: str | None = None) -> None:
            shown = {frame.titles[n] for n in used}
            fresh = [p for p in picks if p.course.num not in used and frame.titles[p.course.num] not in shown]
            fresh = fresh[:size]
            if len(fresh) >= ROW_MIN and len(rows) < MAX_ROWS:
                rows.append(Row(kind, fresh, evidence))
                used.update(p.course.num for p in fresh if p.course.num is not None)

        up_next = [(n, r) for n, r in self._up_next(profile, frame) if n not in profile.exclude]
        by_num = self.courses.many_by_num([n for n, _ in up_next])
        continue_picks = [Pick(by_num[n], r, 1.0) for n, r in up_next if n in by_num]
        if continue_picks:  # a short Continue row still leads the page: it is the most useful one
            rows.append(Row("continue", continue_picks[:size]))
            used.update(p.course.num for p in continue_picks[:size] if p.course.num is not None)

        finished = sorted((s for s in profile.states.values() if s.completed_at), key=lambda s: s.completed_at or "")
        if finished and finished[-1].course_id in frame.by_id:
            last = self.courses.get(finished[-1].course_id)
            assert last is not None
            similar = self.search.similar(last, k=20, exclude=profile.exclude | used)
            readable = self._readable(profile, frame)
            reason = Reason("like_yours", last.title, last.id)
            picks = [Pick(c, reason) for c in similar if c.num is not None and np.isfinite(scores[c.num])]
            add("because", [p for p in picks if readable[p.course.num]], last.title)

        if profile.learner.interests:
            new = np.flatnonzero(frame.present & (frame.published >= self.clock().timestamp() - NEW_DAYS * 86400))
            interest_scores = np.where(
                np.isfinite(scores) & self._readable(profile, frame), parts["interests"], -np.inf
            )
            fresh_nums = self._diverse(interest_scores, frame, size + len(used), new)
            fresh_nums = [n for n in fresh_nums if n not in used and interest_scores[n] > 0.3]
            if len(fresh_nums) >= ROW_MIN:
                add("new", self._picks(fresh_nums, scores, {"interests": parts["interests"]}, profile, frame))
            else:
                nums = [n for n in self._diverse(interest_scores, frame, size + len(used)) if n not in used]
                add("interests", self._picks(nums, scores, {"interests": parts["interests"]}, profile, frame))

        if "role" in parts:
            readable = np.isfinite(scores) & self._readable(profile, frame) & (parts["role"] > 0)
            role_scores = np.where(readable, parts["role"], -np.inf)
            nums = [n for n in self._diverse(role_scores, frame, size + len(used)) if n not in used]
            add("role", self._picks(nums, scores, {"role": parts["role"]}, profile, frame), profile.learner.role)

        popular = _fit(signals.trending + signals.popular_decayed, frame.size)
        popular_scores = np.where(
            np.isfinite(scores) & self._readable(profile, frame) & (popular > 0), popular, -np.inf
        )
        nums = [n for n in self._diverse(popular_scores, frame, size + len(used)) if n not in used]
        add("popular", self._picks(nums, scores, {"popular": popular}, profile, frame))

        if profile.history or profile.learner.interests:
            nums = [n for n in self._diverse(scores, frame, size + len(used)) if n not in used]
            add("for_you", self._picks(nums, scores, parts, profile, frame))
        if not rows:
            add("starters", self.starters(profile, frame, scores, size))
        return rows

    def starters(self, profile: Profile, frame: CatalogFrame, scores: np.ndarray, k: int) -> list[Pick]:
        """With nothing to go on (no history, no interests, nobody has taken anything yet): first steps of paths,
        in the learner's language, varied."""
        first = frame.present & (frame.position <= 1) & np.isfinite(scores)
        if profile.language:
            first &= np.array([lang in (None, profile.language) for lang in frame.language]) | (frame.language == "en")
        starter_scores = np.where(first, 1.0 + 0.01 * scores, -np.inf)
        nums = self._diverse(starter_scores, frame, k)
        by_num = self.courses.many_by_num(nums)
        return [Pick(by_num[n], Reason("starter", by_num[n].path_title)) for n in nums if n in by_num]

    @staticmethod
    def _readable(profile: Profile, frame: CatalogFrame) -> np.ndarray:
        """Courses in a language the learner reads: their Slack locale's, English, or one they have taken."""
        return np.array([lang in profile.languages for lang in frame.language], bool)


def _normalise(values: np.ndarray) -> np.ndarray:
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    return (values / top).astype(np.float32) if top > 0 else values.astype(np.float32)


def _fit(values: np.ndarray, size: int) -> np.ndarray:
    """A per-course signal sized to the current catalog (new courses get 0)."""
    out = np.zeros(size, np.float32)
    n = min(size, len(values))
    out[:n] = values[:n]
    return out
