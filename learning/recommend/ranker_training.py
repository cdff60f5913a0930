"""Training the learned ranker on time-ordered cuts of the store's own history.

For each cut the signals are rebuilt from the events before the cut, and each learner who had history before it and
took courses in the HORIZON_DAYS after it is one query: the blend's top candidates at the cut (courses they had not
taken), labelled by whether they took them after. The newest cut starts HORIZON_DAYS before the newest event; the
model learns on the CUTS - 1 older ones (every STRIDE_DAYS, their windows ending before the newest cut's starts).
The newest cut's learners are split in two halves: one stops the boosting early, the other decides whether the model
is kept (it must beat the blend's own order in NDCG@10 there).
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from learning.people.history import ENGAGED, Event
from learning.people.learners import Learner, LearnerRepository
from learning.recommend.ranker import FEATURES, Ranker, SavedRanker, candidates, features
from learning.recommend.recommender import Recommender
from learning.recommend.signals import Signals

if TYPE_CHECKING:
    import lightgbm

log = logging.getLogger(__name__)

CUTS, HORIZON_DAYS = 7, 30
STRIDE_DAYS = 10  # between the cuts learned from (shorter than the horizon: overlapping windows, more queries)
RETRAIN_EVENTS = 5000  # new events since the last training that make the clock train again
MIN_EVENTS = 5000  # below this, no training is attempted (there could not be enough learners to learn from)
MIN_QUERIES = 200  # per cut: fewer learners with something to learn from, and the blend stays
MAX_QUERIES = 3000  # per cut, sampled: bounds the training time
K = 10
# Chosen on the CoCo tuning cut 2017-04-15 (benchmarks.ranker_tuning; BENCHMARKS.md): small trees with large leaves
# (the labels are few and noisy) and LambdaRank's pairs limited to the top 20.
PARAMETERS = {"objective": "lambdarank", "metric": "ndcg", "eval_at": [K], "learning_rate": 0.05, "num_leaves": 15,
              "min_data_in_leaf": 200, "lambdarank_truncation_level": 20, "feature_fraction": 0.9, "verbosity": -1,
              "num_threads": 1}  # fmt: skip
ROUNDS, STOP_AFTER = 300, 30  # at most ROUNDS; stop when the stopping half has not improved for STOP_AFTER rounds
USED = FEATURES  # the columns the model learns from


@dataclass
class Queries:
    """One cut's learners: candidate rows (FEATURES columns), 0/1 labels, candidates per learner, blend scores."""

    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FEATURES)), np.float32))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    groups: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    blend: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    def __len__(self) -> int:
        return len(self.groups)

    @classmethod
    def joined(cls, parts: list[Queries]) -> Queries:
        return cls(
            *(np.concatenate([getattr(p, name) for p in parts]) for name in ("rows", "labels", "groups", "blend"))
        )

    def halves(self) -> tuple[Queries, Queries]:
        """Every other learner: (even, odd)."""
        starts = np.concatenate([[0], np.cumsum(self.groups)])
        picked = []
        for parity in (0, 1):
            chosen = [np.arange(starts[i], starts[i + 1]) for i in range(parity, len(self.groups), 2)]
            at = np.concatenate(chosen) if chosen else np.zeros(0, np.int64)
            picked.append(Queries(self.rows[at], self.labels[at], self.groups[parity::2], self.blend[at]))
        return picked[0], picked[1]


@dataclass(frozen=True)
class Training:
    ranker: Ranker | None  # the model fitted, if there was enough history to fit one
    outcome: str  # kept | too little history | no better than the blend
    validation: dict[str, float] = field(default_factory=dict)  # NDCG@10 of model and blend on the held-out half
    queries: tuple[int, ...] = ()  # learners per cut, oldest first
    seconds: float = 0.0

    @property
    def kept(self) -> bool:
        """Better than the blend on the held-out learners: the model to serve."""
        return self.outcome == "kept" and self.ranker is not None


class Retraining:
    """The clock's job: train when RETRAIN_EVENTS new events arrived since the last attempt (or the saved model),
    and save a kept model in the store, where every web process picks it up (`SavedRanker`). A model that is not
    kept leaves the saved one in place."""

    def __init__(
        self,
        recommender: Recommender,
        learners: LearnerRepository,
        saved: SavedRanker,
        min_events: int = MIN_EVENTS,
        every: int = RETRAIN_EVENTS,
    ):
        self.recommender = recommender
        self.learners = learners
        self.saved = saved
        self.min_events, self.every = min_events, every
        latest = saved.latest()
        self.attempted_at = latest.trained_on if latest is not None else 0  # events when training last ran

    def due(self) -> bool:
        events = self.recommender.history.count()
        return events >= self.min_events and events - self.attempted_at >= self.every

    def run(self) -> Training | None:
        """Train if due; None when it was not."""
        if not self.due():
            return None
        self.attempted_at = self.recommender.history.count()
        training = train(self.recommender, self.learners)
        if training.kept and training.ranker is not None:  # kept implies a ranker; said again for the type checker
            self.saved.save(training.ranker)
        log.info(
            "ranker: %s in %.0f s (NDCG@10 on the held-out learners: %s; learners per cut: %s)",
            training.outcome, training.seconds, training.validation, training.queries,
        )  # fmt: skip
        return training


def train(recommender: Recommender, learners: LearnerRepository, seed: int = 0) -> Training:
    """A model validated against the blend on the newest cut, or the reason there is none."""
    started = time.perf_counter()
    mark = recommender.history.count()
    events = recommender.history.everyone()
    if not events:
        return Training(None, "too little history")
    newest = max(datetime.fromisoformat(e.at) for e in events)
    last = newest - timedelta(days=HORIZON_DAYS)  # validation: the newest window; learning: windows ending before it
    cuts = [last - timedelta(days=HORIZON_DAYS + STRIDE_DAYS * i) for i in range(CUTS - 2, -1, -1)] + [last]
    data = [cut_queries(recommender, learners, events, cut, HORIZON_DAYS, MAX_QUERIES, seed) for cut in cuts]
    counts = tuple(len(q) for q in data)
    if min(counts) < MIN_QUERIES:
        return Training(None, "too little history", queries=counts, seconds=time.perf_counter() - started)
    stopping, held_out = data[-1].halves()
    model, validation = fit(Queries.joined(data[:-1]), stopping, held_out)
    outcome = "kept" if validation["model"] > validation["blend"] else "no better than the blend"
    return Training(Ranker(model, USED, mark, validation), outcome, validation, counts, time.perf_counter() - started)


def fit(
    learning: Queries,
    stopping: Queries,
    held_out: Queries,
    used: tuple[str, ...] = USED,
    parameters: dict | None = None,
    rounds: int = ROUNDS,
) -> tuple[lightgbm.Booster, dict[str, float]]:
    """A LambdaRank model on `learning`, early-stopped on `stopping`, and its NDCG@10 beside the blend's on
    `held_out`."""
    import lightgbm  # imported here: only training needs it

    columns = [FEATURES.index(name) for name in used]

    def dataset(queries: Queries, reference=None):
        return lightgbm.Dataset(
            queries.rows[:, columns], queries.labels, group=queries.groups, feature_name=list(used), reference=reference
        )

    train_set = dataset(learning)
    model = lightgbm.train(
        parameters or PARAMETERS,
        train_set,
        num_boost_round=rounds,
        valid_sets=[dataset(stopping, train_set)],
        callbacks=[lightgbm.early_stopping(STOP_AFTER, verbose=False)],
    )
    predicted = np.asarray(model.predict(held_out.rows[:, columns]))
    validation = {
        "model": round(ndcg(predicted, held_out.labels, held_out.groups), 4),
        "blend": round(ndcg(held_out.blend, held_out.labels, held_out.groups), 4),
        "rounds": int(model.best_iteration or rounds),
    }
    return model, validation


def cut_queries(
    recommender: Recommender,
    learners: LearnerRepository,
    events: list[Event],
    cut: datetime,
    horizon_days: int,
    limit: int,
    seed: int,
) -> Queries:
    """The learners of one cut, at most `limit` of them (sampled); someone with history but no profile is
    judged without one (training writes nothing)."""
    before: dict[str, list[Event]] = {}
    after: dict[str, set[str]] = {}
    horizon = cut + timedelta(days=horizon_days)
    for event in events:
        at = datetime.fromisoformat(event.at)
        if at < cut:
            before.setdefault(event.learner_id, []).append(event)
        elif at < horizon and event.kind in ENGAGED and event.course_id:
            after.setdefault(event.learner_id, set()).add(event.course_id)
    people = sorted(p for p in after if p in before)
    people = random.Random(seed).sample(people, min(limit, len(people)))
    signals = Signals.build(recommender.history, recommender.courses, cut, before=cut)
    frame = recommender.frames.current()
    found: list[Queries] = []
    for person in people:
        learner = learners.get(person) or Learner(person)
        profile = recommender.profile(learner, frame, before[person])
        scores, parts = recommender.score(profile, frame, signals)
        scores[[n for n, _ in profile.history]] = -np.inf
        top = candidates(scores)
        wanted = np.isin(frame.ids[top], list(after[person] - {e.course_id for e in before[person]}))
        if not len(top) or not wanted.any():
            continue
        rows = features(top, parts, scores, profile, signals, frame, cut)
        found.append(Queries(rows, wanted.astype(np.float32), np.array([len(top)]), scores[top]))
    return Queries.joined(found) if found else Queries()


def ndcg(predicted: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> float:
    """Mean NDCG@K over the groups (ties broken by the order given: the blend's)."""
    total, start = 0.0, 0
    discounts = 1 / np.log2(np.arange(2, K + 2))
    for size in groups:
        order = np.argsort(-predicted[start : start + size], kind="stable")[:K]
        gains = labels[start : start + size]
        ideal = np.sort(gains)[::-1][:K]
        total += float(
            (gains[order] * discounts[: len(order)]).sum() / max((ideal * discounts[: len(ideal)]).sum(), 1e-9)
        )
        start += size
    return total / max(len(groups), 1)
