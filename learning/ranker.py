"""A learned ranker over the recommender's candidates: LightGBM LambdaRank on the blend's components and a few
facts about the learner and the course. It re-orders the blend's top CANDIDATES; without a model (too little history
to train on, or a model that did not beat the blend on the newest cut) the blend's order stands.

The model is trained by `ranker_training.train` on time-ordered cuts of the store's own history and retrained in the
background by `RankerCache` when enough new events arrived.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from learning.catalog_frame import CatalogFrame

CANDIDATES = 100  # the blend's best, re-ordered by the model
COMPONENTS = ("taken_with", "taken_together", "taken_next", "like_yours", "topic_share", "trending", "popular",
              "fresh", "interests", "role", "up_next")  # fmt: skip
FEATURES = (*COMPONENTS, "blend", "history", "takers", "level", "readable", "position")
RETRAIN_EVENTS = 5000  # new events since the last training that trigger a retraining
MIN_EVENTS = 5000  # below this, no training is attempted (there could not be enough learners to learn from)


@dataclass(frozen=True)
class Ranker:
    model: object  # lightgbm.Booster
    trained_on: int  # events in the store when it was trained
    validation: dict[str, float]  # NDCG@10 of model and blend on the newest cut

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(rows), np.float32)  # type: ignore[attr-defined]


def candidates(scores: np.ndarray) -> np.ndarray:
    """The blend's top CANDIDATES, best first."""
    finite = np.flatnonzero(np.isfinite(scores))
    if len(finite) > CANDIDATES:
        finite = finite[np.argpartition(-scores[finite], CANDIDATES - 1)[:CANDIDATES]]
    return finite[np.argsort(-scores[finite])]


def features(
    nums: np.ndarray,
    parts: dict[str, np.ndarray],
    blend: np.ndarray,
    history: int,
    takers: np.ndarray,
    readable: np.ndarray,
    frame: CatalogFrame,
) -> np.ndarray:
    """One row per candidate, columns in FEATURES order."""
    taken = np.zeros(frame.size, np.float32)
    taken[: min(frame.size, len(takers))] = takers[: frame.size]
    columns = [parts[name][nums] if name in parts else np.zeros(len(nums), np.float32) for name in COMPONENTS]
    columns += [
        blend[nums],
        np.full(len(nums), np.log1p(history), np.float32),
        np.log1p(taken[nums]),
        frame.level[nums].astype(np.float32),
        readable[nums].astype(np.float32),
        frame.position[nums].astype(np.float32),
    ]
    return np.column_stack(columns).astype(np.float32)


class RankerCache:
    """Serves the current model (or None); trains in the background when RETRAIN_EVENTS new events arrived since
    the last training. `train` returns a Ranker, or None when there is too little history or the blend was better."""

    def __init__(self, train: Callable[[], Ranker | None], events: Callable[[], int]):
        self.train = train
        self.events = events
        self._ranker: Ranker | None = None
        self._trained_at_events = 0
        self._training = False
        self._lock = threading.Lock()

    def current(self) -> Ranker | None:
        with self._lock:
            events = self.events()
            due = not self._training and events >= MIN_EVENTS and events - self._trained_at_events >= RETRAIN_EVENTS
            if due:
                self._training = True
        if due:
            threading.Thread(target=self.refresh, daemon=True, name="ranker").start()
        return self._ranker

    def refresh(self) -> Ranker | None:
        """Train now (the background thread, tests, benchmarks)."""
        try:
            events = self.events()
            self._ranker = self.train()
            self._trained_at_events = events
        finally:
            self._training = False
        return self._ranker
