"""Personal picks, each with the reason that names its evidence.

`next_for` answers "what should I learn next?": every course is scored by a blend of components, each computed
for the whole catalog at once from what is precomputed in `Signals` and `CatalogFrame`:

- taken_with: EASE item-item weights from everyone's history (recent enrolments weigh more) applied to this
  learner's (collaborative)
- taken_together / taken_next: co-enrolment cosine, and what people took within their next few courses
- like_yours: cosine between the course and the centroid of the learner's history (content)
- topic_share: share of the learner's history in the course's main topic
- trending / popular: time-decayed popularity over two horizons
- fresh: courses that recently started being taken
The learner's history is weighted by recency (the newest course counts most).
- interests / role: the topics the learner picked, and what people with the same job title take
- up_next: the next course of a path the learner is in
- recommended: a course a colleague shared with the learner, or their manager recommended (`RecommendedBy`),
  in the last 90 days; its reason names who, to the learner only

A light MMR re-rank keeps a list from being five near-identical courses, and nothing that would only repeat a course
finished (a translation of it, or a close course at the same or a lower level: `progression`) is picked. Courses
only started or enrolled in do not count: on CoCo, where learners enrol in several near-equivalent courses, applying
the rule to enrolments cost 28% of NDCG@10 (BENCHMARKS.md).
`rows_for` builds the Home page rows; "Because you finished X" offers what people took after X, then what builds on
it (the rest of its path, its topic at a higher level), then courses like it that are not repeats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

import numpy as np

from embeddings.encoder import Encoder
from learning.catalog.courses import Course, CourseRepository
from learning.people.history import Event, EventRepository, course_states
from learning.people.learners import Learner
from learning.people.shares import Recommendation
from learning.reasons import Reason, recommended_by
from learning.recommend.catalog_frame import CatalogFrame, FrameCache
from learning.recommend.closeness import NEAR_DUPLICATE, by_recency, closeness, new_courses, unavailable
from learning.recommend.pick_feedback import EXPLORE_EVERY, EXPLORE_MIN_LEARNERS, PickFeedback
from learning.recommend.picks import Pick, Profile, Row
from learning.recommend.progression import builds_on
from learning.recommend.ranker import SavedRanker, candidates, features
from learning.recommend.signals import SignalCache, Signals, role_key
from learning.search.course_search import CourseSearch
from learning.timestamps import utcnow

# Blend weights and the MMR trade-off, fitted on CoCo at two tuning cuts (history before 2017-03-01 and before
# 2017-04-15, targets up to 2017-06-01; see BENCHMARKS.md) with floors on diversity and coverage over EASE, and frozen
# here. A component's weight for a learner is WEIGHTS + HISTORY_SLOPE * ln(1 + courses in their history): the longer
# the history, the more their own courses say and the less popularity does. interests, role and up_next are zero on
# that data and keep hand-set weights, scaled to stay ahead of popularity.
WEIGHTS = {
    "taken_with": 1.046,
    "taken_together": 0.291,
    "taken_next": 0.472,
    "like_yours": 0.775,
    "topic_share": 0.792,
    "trending": 1.188,
    "popular": 0.74,
    "fresh": -0.059,
    "interests": 3.0,
    "role": 1.2,
    "up_next": 6.0,
    "recommended": 4.0,  # someone the learner works with thought of them: ahead of everything but their own paths
}
HISTORY_SLOPE = {
    "taken_with": 0.122,
    "taken_together": 0.185,
    "taken_next": -0.172,
    "like_yours": 0.607,
    "topic_share": -0.126,
    "trending": 0.227,
    "popular": -0.533,
    "fresh": 0.236,
}
MMR_THETA, MMR_POOL = 0.45, 70  # next_for and the Home rows: relevance vs variety, and how many compete
NEW_MMR_THETA, NEW_MMR_POOL = 0.35, 30  # what's new
BRIDGE_NEIGHBOURS, BRIDGE_POWER, BRIDGE_WEIGHT = 30, 4, 0.5  # new courses borrow collaborative signal from lookalikes
DISMISS_PENALTY = 1.5  # "not for me" pushes down the course's close neighbours too (scaled with the weights)
OTHER_LANGUAGE = 0.15  # score factor for a course in a language the learner does not use
# A course in the learner's own language (not English) is lifted by this share of the spread of the scores: it comes
# before a course in another language that scores up to this much better (`_own_language_first`).
OWN_LANGUAGE_LIFT = 0.5
ROW_MIN, ROW_MAX, MAX_ROWS = 3, 5, 4
NEW_DAYS = 90
HINT_MATCHES, HINT_FLOOR, HINT_WEIGHT = 20, 0.6, 2.0  # "next in data": the closest matches, then personal order
# A path's start borrows this share of its best later step's score and components: a path whose start itself
# matches comes before one that matches only through a later step (on the bundled catalog, a Julia lesson's start
# otherwise stood for "python" through one episode on calling Python).
LEND = 0.8


class RecommendedBy(Protocol):
    """Where courses recommended to a learner come from (colleagues' shares, managers' recommendations)."""

    def recommended_to(self, learner_id: str, now: datetime) -> list[Recommendation]: ...


class Recommender:
    def __init__(
        self,
        courses: CourseRepository,
        history: EventRepository,
        search: CourseSearch,
        signals: SignalCache,
        frames: FrameCache,
        encoder: Encoder,
        clock: Callable[[], datetime] = utcnow,
        feedback: PickFeedback | None = None,
        recommended: RecommendedBy | None = None,
        name_of: Callable[[str], str | None] = lambda slack_id: None,
    ):
        self.clock = clock
        self.recommended = recommended  # None: nobody's recommendations lift a course
        self.name_of = name_of  # how a recommender is named to the learner (None: "a colleague")
        self.feedback = feedback  # None: picks are not adjusted by reactions, and nothing is explored
        self.ranker: SavedRanker | None = None  # None, or no model saved: the blend's order
        self.courses = courses
        self.history = history
        self.search = search
        self.signals = signals
        self.frames = frames
        self.encoder = encoder

    # -- building blocks -----------------------------------------------------------------------------------------
    def profile(
        self, learner: Learner, frame: CatalogFrame, events: list[Event] | None = None, recommended: bool = True
    ) -> Profile:
        """The learner now, or as of the given events (their history at a cut, for training the ranker: no
        reactions, since what they were shown then is not known); without `recommended`, leaving out what was
        recommended to them (what's new, which only ranks new courses, spares the read)."""
        as_of = events is not None
        events = events if events is not None else self.history.for_learner(learner.slack_id)
        profile = Profile(learner, course_states(events))
        states = profile.states
        if self.feedback is not None and not as_of:
            profile.reactions = self.feedback.for_learner(learner.slack_id, events)
        taken = sorted(
            (s for s in states.values() if (s.started_at or s.completed_at) and s.course_id in frame.by_id),
            key=lambda s: s.last_at,
        )
        profile.history = by_recency([frame.by_id[s.course_id] for s in reversed(taken)])[::-1]  # oldest first
        languages = {None, "en", profile.language} | {frame.language[n] for n, _ in profile.history}
        profile.readable = frame.languages_mask(languages)
        for state in states.values():
            num = frame.by_id.get(state.course_id)
            if num is not None and (state.completed_at or state.dismissed):
                profile.exclude.add(num)
                if state.dismissed:
                    profile.dismissed.append(num)
                if state.completed_at:
                    profile.finished.append(num)
        steps = self._next_steps(profile, frame)
        profile.up_next = self._up_next(profile, frame, steps)
        profile.offered = self._offered_as(profile, frame, steps)
        if recommended and not as_of:
            profile.recommended = self._recommended(learner, frame)
            named = list(profile.recommended)  # a course a colleague or manager picked is offered as itself, even
            profile.offered[named] = named  # in the middle of a path: they chose that step for the learner
        return profile

    def _recommended(self, learner: Learner, frame: CatalogFrame) -> dict[int, Reason]:
        """Courses recommended to the learner (by num), each with its reason naming who recommended it."""
        found = self.recommended_reasons(learner)
        return {frame.by_id[course_id]: reason for course_id, reason in found.items() if course_id in frame.by_id}

    def recommended_reasons(self, learner: Learner) -> dict[str, Reason]:
        """Course id -> why it is recommended to the learner, naming who recommended it (while they are known)."""
        if self.recommended is None:
            return {}
        return {
            r.course_id: recommended_by(r.kind, self.name_of(r.by) if r.by else None)
            for r in self.recommended.recommended_to(learner.slack_id, self.clock())
        }

    def _interest_scores(self, learner: Learner, frame: CatalogFrame) -> np.ndarray:
        """Per course: best cosine to any of the learner's interests (topic words embedded)."""
        if not learner.interests:
            return np.zeros(frame.size, np.float32)
        vectors = np.vstack([self.encoder.encode_query(i) for i in learner.interests])
        return (frame.vectors @ vectors.T).max(axis=1)

    def components(self, profile: Profile, frame: CatalogFrame, signals: Signals) -> dict[str, np.ndarray]:
        size = frame.size
        parts: dict[str, np.ndarray] = {}
        nums = [n for n, _ in profile.history]
        weights = np.array([w for _, w in profile.history], np.float32)
        parts["taken_with"] = _normalise(signals.taken_with(nums, weights, size))
        parts["taken_together"] = _normalise(signals.neighbours(signals.together, nums, weights, size))
        parts["taken_next"] = _normalise(signals.neighbours(signals.after, nums, weights, size))
        if nums:
            centroid = (weights[:, None] * frame.vectors[nums]).sum(axis=0)
            centroid /= np.linalg.norm(centroid) + 1e-9
            parts["like_yours"] = frame.vectors @ centroid
            codes = frame.main_topic[nums]
            shares = np.bincount(codes[codes >= 0], minlength=int(frame.main_topic.max()) + 1) / len(nums)
            parts["topic_share"] = np.where(frame.main_topic >= 0, shares[frame.main_topic], 0.0).astype(np.float32)
        parts["trending"] = _fit(signals.trending, size)
        parts["popular"] = _fit(signals.popular_decayed, size)
        parts["fresh"] = _fit(signals.fresh, size)
        parts["interests"] = self._interest_scores(profile.learner, frame)
        role = role_key(profile.learner.role)
        if role and signals.role_learners.get(role, 0) >= 3:
            parts["role"] = _normalise(np.log1p(_fit(signals.by_role[role], size)))
        parts["up_next"] = self._up_next_mask(profile, frame)
        if profile.recommended:
            parts["recommended"] = np.zeros(frame.size, np.float32)
            parts["recommended"][list(profile.recommended)] = 1.0
        return parts

    def _up_next_mask(self, profile: Profile, frame: CatalogFrame) -> np.ndarray:
        mask = np.zeros(frame.size, np.float32)
        for num, reason in profile.up_next:
            mask[num] = 1.0 if reason.kind == "up_next" else 0.8
        return mask

    def _next_steps(self, profile: Profile, frame: CatalogFrame) -> dict[str, int | None]:
        """Each path the learner began (started or finished one of its steps), most recent first: its next step
        after the furthest one reached that they have not taken, or None when there is none."""
        reached: dict[str, int] = {}
        for state in sorted(profile.states.values(), key=lambda s: s.last_at, reverse=True):
            num = frame.by_id.get(state.course_id)
            if num is not None and frame.path_id[num] and (state.completed_at or state.started_at):
                path = frame.path_id[num]
                reached[path] = max(reached.get(path, 0), int(frame.position[num]))
        taken = {n for n, _ in profile.history} | profile.exclude
        return {
            path: next((int(n) for n in frame.paths[path] if frame.position[n] > furthest and n not in taken), None)
            for path, furthest in reached.items()
        }

    def _up_next(self, profile: Profile, frame: CatalogFrame, steps: dict[str, int | None]) -> list[tuple[int, Reason]]:
        """Courses in progress ("continue"), then the next step of each path the learner is in ("up next")."""
        found: list[tuple[int, Reason]] = []
        for state in sorted(profile.states.values(), key=lambda s: s.last_at, reverse=True):
            num = frame.by_id.get(state.course_id)
            if num is not None and state.in_progress:
                found.append((num, Reason("continue")))
        titles = self.courses.many_by_num([step for step in steps.values() if step is not None])
        found += [(step, Reason("up_next", titles[step].path_title)) for step in steps.values() if step in titles]
        return found

    @staticmethod
    def _offered_as(profile: Profile, frame: CatalogFrame, steps: dict[str, int | None]) -> np.ndarray:
        """Per course, the course offered in its place. A path is entered at its first step, or, once begun, at
        its next step ("up next"): any other of its steps stands for that one; a course the learner took stands for
        itself; -1 for the steps of a path with no next step left."""
        offered = np.where(frame.first_step >= 0, frame.first_step, np.arange(frame.size))
        for path, step in steps.items():
            offered[frame.paths[path]] = -1 if step is None else step
        taken = [n for n, _ in profile.history] + list(profile.exclude)
        offered[taken] = taken
        return offered

    # -- scoring ---------------------------------------------------------------------------------------------------
    def score(
        self, profile: Profile, frame: CatalogFrame, signals: Signals, enter_paths: bool = True
    ) -> tuple[np.ndarray, dict]:
        """Every course's blended score and its components. With `enter_paths`, a path is only offered at its entry
        (`Profile.offered`), which carries the blend of the path's best step; what the learner did with the entry
        itself (reactions, "not for me" nearby) still counts on it. A search (a hint) may land anywhere in a path."""
        parts = self.components(profile, frame, signals)
        weights = _weights(len(profile.history))
        total = np.zeros(frame.size, np.float32)
        for name, values in parts.items():
            total += weights[name] * values
        out = ~frame.present | unavailable(frame, profile.cohort(frame.size), np.arange(frame.size))[0]
        moved = _enter_paths(total, parts, profile.offered, ~out) if enter_paths else np.zeros(0, np.int64)
        total += profile.reactions.adjustment(frame)
        if profile.dismissed:
            total -= DISMISS_PENALTY * np.maximum(0, frame.vectors @ frame.vectors[profile.dismissed].T).max(axis=1)
        total = np.where(profile.readable, total, total * OTHER_LANGUAGE)
        total[out] = -np.inf
        total[moved] = -np.inf
        return _own_language_first(total, profile, frame), parts

    @staticmethod
    def _with_evidence(
        scores: np.ndarray,
        parts: dict[str, np.ndarray],
        profile: Profile,
        frame: CatalogFrame,
        matched: np.ndarray | None = None,
    ) -> np.ndarray:
        """The scores of courses something speaks for (a component above zero, or a match for the learner's hint);
        every other course is out, but for the good places to start in a language the learner reads: with nothing
        known, those are what is offered."""
        weights = _weights(len(profile.history))
        supported = np.zeros(frame.size, bool)
        if matched is not None:
            supported[matched] = True
        for name, values in parts.items():
            supported |= weights[name] * values > 0
        return np.where(supported | (frame.starts & profile.readable), scores, -np.inf)

    def reason(self, num: int, parts: dict[str, np.ndarray], profile: Profile, frame: CatalogFrame) -> Reason:
        """The largest weighted component for this course, stated with its evidence."""
        for up_num, reason in profile.up_next:
            if up_num == num:
                return reason
        if num in profile.recommended:
            return profile.recommended[num]
        weights = _weights(len(profile.history))
        contributions = {name: weights[name] * float(values[num]) for name, values in parts.items()}
        contributions.pop("up_next", None)
        contributions.pop("recommended", None)
        best = max(contributions, key=contributions.__getitem__, default="popular")
        if contributions.get(best, 0) <= 0:  # only a place to start or a hint's match gets here (`_with_evidence`)
            return _starter(self.courses.many_by_num([num])[num]) if frame.starts[num] else Reason("match")
        if best == "topic_share" and frame.topics[num]:
            return Reason("topic", frame.topics[num][0])
        if best in ("taken_with", "taken_together", "taken_next", "like_yours") and profile.history:
            evidence = self._closest_history(num, best, profile, frame)
            course = self.courses.many_by_num([evidence])[evidence]
            kind = {"taken_together": "taken_with", "taken_next": "taken_next"}.get(best, best)
            return Reason(kind, course.title, course.id)
        if best == "interests":
            return Reason("interest", self._closest_interest(num, list(profile.learner.interests), frame))
        if best == "role":
            return Reason("role", profile.learner.role)
        return Reason({"fresh": "rising", "trending": "trending"}.get(best, "popular"))

    def _closest_history(self, num: int, component: str, profile: Profile, frame: CatalogFrame) -> int:
        """The course in the learner's history that contributes most to this component for `num`."""
        nums = [n for n, _ in profile.history]
        weights = np.array([w for _, w in profile.history], np.float32)
        signals = self.signals.current()
        each: np.ndarray | None = None
        if component == "taken_with":
            each = signals.taken_with_each(nums, num)
        elif component in ("taken_together", "taken_next"):
            matrix = signals.together if component == "taken_together" else signals.after
            known = [n if n < matrix.shape[0] and num < matrix.shape[1] else None for n in nums]
            each = np.array([matrix[n, num] if n is not None else 0.0 for n in known], np.float32)
        if each is not None and each.max() > 0:
            return nums[int(np.argmax(each * weights))]
        return nums[int(np.argmax(frame.vectors[nums] @ frame.vectors[num]))]

    def _diverse(
        self,
        scores: np.ndarray,
        frame: CatalogFrame,
        k: int,
        among: np.ndarray | None = None,
        theta: float = MMR_THETA,
        pool_size: int = MMR_POOL,
    ) -> list[int]:
        """Top k by score, re-ranked by maximal marginal relevance on content vectors."""
        candidates = np.flatnonzero(np.isfinite(scores)) if among is None else among[np.isfinite(scores[among])]
        if not len(candidates):
            return []
        pool = candidates[np.argsort(-scores[candidates])[:pool_size]]
        relevance = scores[pool]
        low, high = relevance.min(), relevance.max()
        relevance = (relevance - low) / (high - low + 1e-9)
        similarity = frame.vectors[pool] @ frame.vectors[pool].T
        chosen: list[int] = []
        closest = np.zeros(len(pool), np.float32)
        available = np.ones(len(pool), bool)
        titles = frame.titles[pool]
        while len(chosen) < k and available.any():
            value = np.where(available, (1 - theta) * relevance - theta * closest, -np.inf)
            best = int(np.argmax(value))
            chosen.append(int(pool[best]))
            available &= (similarity[best] < NEAR_DUPLICATE) & (titles != titles[best])
            closest = np.maximum(closest, similarity[best])
        return chosen

    def _picks(self, nums: Sequence[int], scores: np.ndarray, parts: dict, profile: Profile, frame) -> list[Pick]:
        by_num = self.courses.many_by_num(nums)
        return [Pick(by_num[n], self.reason(n, parts, profile, frame), float(scores[n])) for n in nums if n in by_num]

    # -- public ----------------------------------------------------------------------------------------------------
    def next_for(
        self, learner: Learner, query: str | None = None, k: int = 5, untaken: bool = False, explore: bool = True
    ) -> list[Pick]:
        """'What should I learn next?': k picks, each with its reason. A hint ("next in data") keeps the picks
        to courses that match it. With `untaken`, only courses the learner has not started (no "continue").
        Without a hint, every fifth pick may be an exploratory one (a new course; not with `explore` off, as in an
        offline replay, where no one can click on it)."""
        frame, signals = self.frames.current(), self.signals.current()
        profile = self.profile(learner, frame)
        hinted = bool(query and query.strip())
        scores, parts = self.score(profile, frame, signals, enter_paths=not hinted)
        if untaken and profile.history:
            scores[[n for n, _ in profile.history]] = -np.inf
        if not hinted:
            scores = self._learned(scores, parts, profile, frame, signals)
        among = None
        if query and hinted:
            found = self.search.search(query, k=HINT_MATCHES, locale=learner.speaks)
            matches = [h for h in found.hits if h.course.num is not None]
            best = max((h.score for h in matches), default=0.0)
            matches = [h for h in matches if h.score >= HINT_FLOOR * best]
            if matches:
                among = np.array([h.course.num for h in matches], np.int64)
                relevance = np.zeros(frame.size, np.float32)
                relevance[among] = [h.score for h in matches]
                scores = scores + HINT_WEIGHT * _normalise(relevance)
        scores = self._with_evidence(scores, parts, profile, frame, among)
        chosen = self._diverse(scores, frame, k, among)
        picks = self._picks(chosen, scores, parts, profile, frame)
        if explore and among is None and self.feedback is not None:
            picks = self._explore(picks, scores, parts, profile, frame, signals)
        return picks

    def _learned(
        self, scores: np.ndarray, parts: dict, profile: Profile, frame: CatalogFrame, signals: Signals
    ) -> np.ndarray:
        """The blend's top candidates re-scored by the learned ranker (the rest drop out); path steps and
        recommendations stay first."""
        ranker = self.ranker.current() if self.ranker is not None else None
        if ranker is None:
            return scores
        top = candidates(scores)
        if not len(top):
            return scores
        rows = features(top, parts, scores, profile, signals, frame, self.clock())
        learned = np.full(frame.size, -np.inf, np.float32)
        kept = WEIGHTS["up_next"] * parts["up_next"][top]  # path steps and recommendations stay first
        if "recommended" in parts:
            kept += WEIGHTS["recommended"] * parts["recommended"][top]
        learned[top] = ranker.scores(rows) + kept
        return _own_language_first(learned, profile, frame)

    def _explore(
        self, picks: list[Pick], scores: np.ndarray, parts: dict, profile: Profile, frame: CatalogFrame, signals
    ) -> list[Pick]:
        """Give the last of every EXPLORE_EVERY slots to a new course chosen by Thompson sampling (feedback)."""
        assert self.feedback is not None
        if signals.learners < EXPLORE_MIN_LEARNERS:
            return picks
        eligible = np.isfinite(scores) & profile.readable
        eligible[[p.course.num for p in picks if p.course.num is not None]] = False
        closeness = np.maximum(parts.get("like_yours", parts["interests"]), parts["interests"])
        picks = list(picks)
        for slot in range(EXPLORE_EVERY - 1, len(picks), EXPLORE_EVERY):
            if picks[slot].reason.kind in ("continue", "up_next") or picks[slot].reason.names_a_person:
                continue
            num = self.feedback.explore(frame, signals.takers, eligible, closeness, self.clock().timestamp())
            if num is None:
                break
            eligible[num] = False
            course = self.courses.many_by_num([num])[num]
            closest = self._new_reason(num, profile, frame, parts["interests"])
            kind = {"new_interest": "explore_interest", "new_like": "explore_like"}.get(closest.kind, "explore")
            picks[slot] = Pick(course, Reason(kind, closest.evidence, closest.evidence_id), float(scores[num]), True)
        return picks

    def whats_new(self, learner: Learner, since: datetime, k: int = 5, minimum: float = 0.0) -> list[Pick]:
        """ "What's new for you": courses published since `since` (and not after now), by how close they are to what
        the learner takes or wants (content and interests) plus a bridge: the collaborative score of the existing
        courses each new one most resembles. None whose `closeness` is below `minimum` (silence beats noise)."""
        frame, signals = self.frames.current(), self.signals.current()
        profile = self.profile(learner, frame, recommended=False)
        scores, parts = self.score(profile, frame, signals)
        new, entries = self._entries(new_courses(frame, since, self.clock()), scores, profile)
        if not len(new):
            return []
        judged = closeness(frame, profile.cohort(frame.size), new, self.encoder)
        close = judged.best[0] >= minimum
        new, entries, fit = new[close], entries[close], (judged.like_yours[0] + judged.interests[0])[close]
        fit += BRIDGE_WEIGHT * self._bridge(new, parts["taken_with"], frame)
        fresh_scores = _best_of(frame.size, entries, fit)
        chosen = self._diverse(fresh_scores, frame, k, np.unique(entries), NEW_MMR_THETA, NEW_MMR_POOL)
        by_num, is_new = self.courses.many_by_num(chosen), set(new.tolist())

        def why(num: int) -> Reason:
            if num in is_new:
                return self._new_reason(num, profile, frame, parts["interests"])
            return _new_in_path(by_num[num], frame)

        return [Pick(by_num[n], why(n), float(fresh_scores[n])) for n in chosen]

    @staticmethod
    def _entries(new: np.ndarray, scores: np.ndarray, profile: Profile) -> tuple[np.ndarray, np.ndarray]:
        """The new courses that can be offered, and the course offered for each: itself, or, for a step in the
        middle of a path, the path's entry (`Profile.offered`), so that a path is never opened in the middle."""
        entries = profile.offered[new]
        keep = entries >= 0
        keep[keep] = np.isfinite(scores[entries[keep]])
        return new[keep], entries[keep]

    def _bridge(self, new: np.ndarray, taken_with: np.ndarray, frame: CatalogFrame) -> np.ndarray:
        """Per new course: the learner's EASE score on its closest existing lookalikes, weighted by cosine^4."""
        existing = np.flatnonzero(frame.present & (taken_with != 0))
        if not len(existing):
            return np.zeros(len(new), np.float32)
        similarity = np.maximum(frame.vectors[new] @ frame.vectors[existing].T, 0) ** BRIDGE_POWER
        keep = min(BRIDGE_NEIGHBOURS, similarity.shape[1])
        top = np.argpartition(-similarity, keep - 1, axis=1)[:, :keep]
        weights = np.take_along_axis(similarity, top, axis=1)
        weights /= weights.sum(axis=1, keepdims=True) + 1e-9
        return (weights * taken_with[existing][top]).sum(axis=1)

    def _new_reason(self, num: int, profile: Profile, frame: CatalogFrame, interest_sims: np.ndarray) -> Reason:
        """New courses name what they are close to: an interest, or a course the learner took."""
        interests = list(profile.learner.interests)
        history_sim = max((float(frame.vectors[h] @ frame.vectors[num]) for h, _ in profile.history), default=0.0)
        if interests and interest_sims[num] >= history_sim:
            return Reason("new_interest", self._closest_interest(num, interests, frame))
        if profile.history:
            course = self.courses.many_by_num([self._closest_history(num, "like_yours", profile, frame)])
            closest = next(iter(course.values()))
            return Reason("new_like", closest.title, closest.id)
        return Reason("rising")

    def _closest_interest(self, num: int, interests: list[str], frame: CatalogFrame) -> str:
        vectors = np.vstack([self.encoder.encode_query(i) for i in interests])
        return interests[int(np.argmax(vectors @ frame.vectors[num]))]

    def warm(self) -> None:
        """Build what a process's first recommendation would otherwise wait for: the catalog frame, everyone's
        signals and the exploration totals (the web process calls this in the background at start)."""
        self.frames.current()
        self.signals.current()
        if self.feedback is not None:
            self.feedback.totals()

    def taken_in_role(self, learner: Learner, courses: Iterable[Course]) -> dict[str, int]:
        """Course id -> how many people of the learner's workspace and role started or finished it, for the courses
        where that is at least the minimum group (from the precomputed signals: a few look-ups, no query)."""
        takers = self.signals.current().takers_in_role(learner.team_id, learner.role)
        return {course.id: takers[course.num] for course in courses if course.num in takers}

    def rows_for(self, learner: Learner, size: int = ROW_MAX) -> list[Row]:
        """The Home page: at most 4 rows of 3-5 picks (`size` more for a row's "More"), no course twice."""
        frame, signals = self.frames.current(), self.signals.current()
        profile = self.profile(learner, frame)
        scores, parts = self.score(profile, frame, signals)
        scores = self._with_evidence(scores, parts, profile, frame)
        used: set[int] = set()
        rows: list[Row] = []

        def add(kind: str, picks: Iterable[Pick], evidence: str | None = None) -> None:
            shown = {frame.titles[n] for n in used}
            fresh = [p for p in picks if p.course.num not in used and frame.titles[p.course.num] not in shown]
            fresh = fresh[:size]
            if len(fresh) >= ROW_MIN and len(rows) < MAX_ROWS:
                rows.append(Row(kind, fresh, evidence))
                used.update(p.course.num for p in fresh if p.course.num is not None)

        up_next = [(n, r) for n, r in profile.up_next if n not in profile.exclude]
        by_num = self.courses.many_by_num([n for n, _ in up_next])
        continue_picks = [Pick(by_num[n], r, 1.0) for n, r in up_next if n in by_num]
        if continue_picks:  # a short Continue row still leads the page: it is the most useful one
            rows.append(Row("continue", continue_picks[:size]))
            used.update(p.course.num for p in continue_picks[:size] if p.course.num is not None)

        finished = sorted((s for s in profile.states.values() if s.completed_at), key=lambda s: s.completed_at or "")
        if finished and finished[-1].course_id in frame.by_id:
            last = self.courses.get(finished[-1].course_id)
            assert last is not None and last.num is not None
            add("because", self._because(last, profile, frame, signals, scores, size + len(used)), last.title)

        if profile.learner.interests:
            interest_scores = np.where(np.isfinite(scores) & profile.readable, parts["interests"], -np.inf)
            recent = np.flatnonzero(frame.present & (frame.published >= self.clock().timestamp() - NEW_DAYS * 86400))
            new, entries = self._entries(recent, interest_scores, profile)
            new_scores = _best_of(frame.size, entries, parts["interests"][new])
            fresh_nums = self._diverse(new_scores, frame, size + len(used), np.unique(entries))
            fresh_nums = [n for n in fresh_nums if n not in used and new_scores[n] > 0.3]
            if len(fresh_nums) >= ROW_MIN:
                picks = self._picks(fresh_nums, scores, {"interests": parts["interests"]}, profile, frame)
                is_new = set(new.tolist())
                add("new", [_as_new(p, is_new, frame) for p in picks])
            else:
                interest_scores[parts["interests"] <= 0] = -np.inf
                nums = [n for n in self._diverse(interest_scores, frame, size + len(used)) if n not in used]
                add("interests", self._picks(nums, scores, {"interests": parts["interests"]}, profile, frame))

        if "role" in parts:
            readable = np.isfinite(scores) & profile.readable & (parts["role"] > 0)
            role_scores = np.where(readable, parts["role"], -np.inf)
            nums = [n for n in self._diverse(role_scores, frame, size + len(used)) if n not in used]
            add("role", self._picks(nums, scores, {"role": parts["role"]}, profile, frame), profile.learner.role)

        popular = _fit(signals.trending + signals.popular_decayed, frame.size)
        popular_scores = np.where(np.isfinite(scores) & profile.readable & (popular > 0), popular, -np.inf)
        nums = [n for n in self._diverse(popular_scores, frame, size + len(used)) if n not in used]
        add("popular", self._picks(nums, scores, {"popular": popular}, profile, frame))

        if profile.history or profile.learner.interests:
            nums = [n for n in self._diverse(scores, frame, size + len(used)) if n not in used]
            add("for_you", self._picks(nums, scores, parts, profile, frame))
        if not rows:
            add("starters", self.starters(profile, frame, scores, size))
        return rows

    def _because(
        self, last: Course, profile: Profile, frame: CatalogFrame, signals: Signals, scores: np.ndarray, k: int
    ) -> list[Pick]:
        """For "Because you finished X": what people took after X, then what builds on X, then courses like X;
        never a repeat of anything taken (those score -inf), only courses the learner reads. X's own path goes on
        here in order, past its next step (which leads the Continue row): its later steps are offered nowhere else."""
        assert last.num is not None
        path = frame.paths.get(frame.path_id[last.num] or "", np.zeros(0, np.int64))
        later = path[frame.position[path] > frame.position[last.num]]
        going_on = set(later[~unavailable(frame, profile.cohort(frame.size), later)[0]].tolist())
        after = np.zeros(0, np.int64)
        if last.num < signals.after.shape[0]:
            row = signals.after[last.num]
            after = row.indices[np.argsort(-row.data)].astype(np.int64)
        similar = [c.num for c in self.search.similar(last, k=20, exclude=profile.exclude) if c.num is not None]
        taken_next, like_last = Reason("taken_next", last.title, last.id), Reason("like_yours", last.title, last.id)
        builds = Reason("builds_on", last.title, last.id)
        candidates = [
            *((n, taken_next) for n in after), *((n, builds) for n in builds_on(frame, last.num)),
            *((n, like_last) for n in similar),
        ]  # fmt: skip
        chosen: dict[int, Reason] = {}
        for num, reason in candidates:
            offered = np.isfinite(scores[num]) or num in going_on
            if len(chosen) < k and num not in chosen and offered and profile.readable[num]:
                chosen[int(num)] = reason
        by_num = self.courses.many_by_num(chosen)
        return [
            Pick(by_num[n], reason, float(scores[n]) if np.isfinite(scores[n]) else 0.0)
            for n, reason in chosen.items()
            if n in by_num
        ]

    def starters(self, profile: Profile, frame: CatalogFrame, scores: np.ndarray, k: int) -> list[Pick]:
        """With nothing to go on (no history, no interests, nobody has taken anything yet): good places to start
        (first steps of paths, beginner courses in no path) in a language the learner reads, varied."""
        first = frame.starts & profile.readable & np.isfinite(scores)
        nums = self._diverse(np.where(first, 1.0 + 0.01 * scores, -np.inf), frame, k)
        return [Pick(course, _starter(course)) for course in self.courses.many_by_num(nums).values()]


def _weights(history_length: int) -> dict[str, float]:
    """Each component's weight for a learner with this many courses in their history."""
    length = float(np.log1p(history_length))
    return {name: weight + HISTORY_SLOPE.get(name, 0.0) * length for name, weight in WEIGHTS.items()}


def _enter_paths(total: np.ndarray, parts: dict[str, np.ndarray], offered: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """In place: each course offered through another (a step in the middle of a path, through the path's entry)
    lends that one LEND times its blended score and components where that is higher. Only `alive` courses (not
    done, dismissed or unavailable) lend or borrow. Returns the courses offered through another: they are out."""
    moved = np.flatnonzero(offered != np.arange(len(offered)))
    targets = offered[moved]
    live = (targets >= 0) & alive[moved]
    live[live] = alive[targets[live]]
    lenders, borrowers = moved[live], targets[live]
    for values in (total, *parts.values()):
        np.maximum.at(values, borrowers, LEND * values[lenders])
    return moved


def _own_language_first(scores: np.ndarray, profile: Profile, frame: CatalogFrame) -> np.ndarray:
    """The learner's own language first, where the catalog has it (English readers are left as they are): a course
    with a version in their language is offered in it (that version takes the best score of the versions still
    offered, and the others step aside), and every course in their language is lifted by OWN_LANGUAGE_LIFT of the
    spread of the scores."""
    own = frame.languages_mask({profile.language}) & np.isfinite(scores)
    if profile.language == "en" or not own.any():
        return scores
    scores = scores.copy()
    alive = np.isfinite(scores)
    groups = frame.translation
    best = np.full(int(groups.max()) + 1, -np.inf, np.float32)
    np.maximum.at(best, groups[alive], scores[alive])
    served = np.zeros(len(best), bool)
    served[groups[own]] = True  # translation groups with a version in the learner's language
    scores[own] = best[groups[own]]
    scores[alive & ~own & served[groups]] = -np.inf
    live = scores[np.isfinite(scores)]
    spread = float(live.max() - live.min()) or 1.0  # nothing tells the courses apart (a newcomer): a tie goes to it
    scores[own] += OWN_LANGUAGE_LIFT * spread
    return scores


def _best_of(size: int, nums: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per course, the best of `values` given for it in `nums` (-inf where none is)."""
    best = np.full(size, -np.inf, np.float32)
    np.maximum.at(best, nums, values)
    return best


def _starter(course: Course) -> Reason:
    """ "A good place to start": a beginner course in no path, or a path's first step (naming the path)."""
    return Reason("starter", course.path_title)


def _new_in_path(course: Course, frame: CatalogFrame) -> Reason:
    """For a path's entry offered because the path has a new step: "new in the path, start at step 1" for its
    first step; for the next step of a path the learner began, "up next" (which takes over once they begin)."""
    return Reason("new_in_path" if frame.first_step[course.num] == course.num else "up_next", course.path_title)


def _as_new(pick: Pick, new: set[int], frame: CatalogFrame) -> Pick:
    """A pick of the "new" row: a new course stays as it is; a path's entry, offered for a new step of the path,
    says so."""
    return pick if pick.course.num in new else replace(pick, reason=_new_in_path(pick.course, frame))


def _normalise(values: np.ndarray) -> np.ndarray:
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    return (values / top).astype(np.float32) if top > 0 else values.astype(np.float32)


def _fit(values: np.ndarray, size: int) -> np.ndarray:
    """A per-course signal sized to the current catalog (new courses get 0)."""
    out = np.zeros(size, np.float32)
    n = min(size, len(values))
    out[:n] = values[:n]
    return out
