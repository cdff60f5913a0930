"""Training the learned ranker on time-ordered cuts of the store's own history.

For each cut (every HORIZON_DAYS back from the newest event, CUTS of them) the signals are rebuilt from the events
before the cut, and each learner who had history before it and took courses in the HORIZON_DAYS after it is one
query: the blend's top candidates at the cut (courses they had not taken), labelled by whether they took them after.
The model learns on the older cuts and is kept only if it beats the blend's own order (NDCG@10) on the newest.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import numpy as np

from learning.history import ENGAGED, Event
from learning.learners import LearnerRepository
from learning.ranker import FEATURES, Ranker, candidates, features
from learning.recommender import Recommender
from learning.signals import Signals

CUTS, HORIZON_DAYS = 3, 30
MIN_QUERIES = 200  # per cut: fewer learners with something to learn from, and the blend stays
MAX_QUERIES = 3000  # per cut, sampled: bounds the training time
K = 10
PARAMETERS = {"objective": "lambdarank", "metric": "ndcg", "eval_at": [K], "learning_rate": 0.05, "num_leaves": 31,
              "min_data_in_leaf": 50, "feature_fraction": 0.9, "verbosity": -1, "num_threads": 1}  # fmt: skip
ROUNDS = 200


def train(recommender: Recommender, seed: int = 0) -> Ranker | None:
    """A validated model, or None (too little history, or no better than the blend)."""
    import lightgbm  # imported here: only the background training needs it

    store = recommender.history.store
    events = recommender.history.everyone()
    if not events:
        return None
    newest = max(datetime.fromisoformat(e.at) for e in events)
    cuts = [newest - timedelta(days=HORIZON_DAYS * i) for i in range(CUTS, 0, -1)]  # oldest first
    data = [_queries(recommender, store, events, cut, seed) for cut in cuts]
    if any(len(groups) < MIN_QUERIES for _, _, groups, _ in data):
        return None
    train_rows = np.vstack([rows for rows, _, _, _ in data[:-1]])
    train_labels = np.concatenate([labels for _, labels, _, _ in data[:-1]])
    train_groups = [g for _, _, groups, _ in data[:-1] for g in groups]
    dataset = lightgbm.Dataset(train_rows, train_labels, group=train_groups, feature_name=list(FEATURES))
    model = lightgbm.train(PARAMETERS, dataset, num_boost_round=ROUNDS)
    rows, labels, groups, blend = data[-1]
    validation = {"model": _ndcg(model.predict(rows), labels, groups), "blend": _ndcg(blend, labels, groups)}
    if validation["model"] <= validation["blend"]:
        return None
    return Ranker(model, len(events), validation)


def _queries(recommender: Recommender, store, events: list[Event], cut: datetime, seed: int):
    """(feature rows, labels, group sizes, blend scores) for the learners of one cut."""
    before: dict[str, list[Event]] = {}
    after: dict[str, set[str]] = {}
    horizon = cut + timedelta(days=HORIZON_DAYS)
    for event in events:
        at = datetime.fromisoformat(event.at)
        if at < cut:
            before.setdefault(event.learner_id, []).append(event)
        elif at < horizon and event.kind in ENGAGED and event.course_id:
            after.setdefault(event.learner_id, set()).add(event.course_id)
    people = sorted(p for p in after if p in before)
    people = random.Random(seed).sample(people, min(MAX_QUERIES, len(people)))
    signals = Signals.build(recommender.history, recommender.courses, cut, before=cut)
    frame = recommender.frames.current()
    learners = LearnerRepository(store)
    rows, labels, groups, blend = [], [], [], []
    for person in people:
        learner = learners.get(person) or learners.ensure(person)
        profile = recommender.profile(learner, frame, before[person])
        scores, parts = recommender.score(profile, frame, signals)
        scores[[n for n, _ in profile.history]] = -np.inf
        top = candidates(scores)
        wanted = np.isin(frame.ids[top], list(after[person] - {e.course_id for e in before[person]}))
        if not len(top) or not wanted.any():
            continue
        rows.append(features(top, parts, scores, len(profile.history), signals.takers, profile.readable, frame))
        labels.append(wanted.astype(np.float32))
        groups.append(len(top))
        blend.append(scores[top])
    if not rows:
        return np.zeros((0, len(FEATURES)), np.float32), np.zeros(0, np.float32), [], np.zeros(0, np.float32)
    return np.vstack(rows), np.concatenate(labels), groups, np.concatenate(blend)


def _ndcg(predicted: np.ndarray, labels: np.ndarray, groups: list[int]) -> float:
    total, start = 0.0, 0
    discounts = 1 / np.log2(np.arange(2, K + 2))
    for size in groups:
        order = np.argsort(-predicted[start : start + size])[:K]
        gains = labels[start : start + size]
        ideal = np.sort(gains)[::-1][:K]
        total += float(
            (gains[order] * discounts[: len(order)]).sum() / max((ideal * discounts[: len(ideal)]).sum(), 1e-9)
        )
        start += size
    return total / max(len(groups), 1)
