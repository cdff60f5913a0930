"""A learned ranker that re-orders the blend's top CANDIDATES among the recommender's candidates.

It is LightGBM LambdaRank on the blend's components, each candidate's rank in them, and a few facts about the learner
and the course. Without a model (too little history to train on, or a model that did not beat the blend on the newest
cut) the blend's order stands.

The model is trained by `ranker_training.train` in the clock process (`scheduler.clock`), which saves it in the store;
every web process, on whichever machine, reads the newest saved model through `SavedRanker`, so training never costs
a web process time or memory.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from learning.recommend.catalog_frame import CatalogFrame
from learning.store.engine import Store

if TYPE_CHECKING:
    import lightgbm

    from learning.recommend.picks import Profile
    from learning.recommend.signals import Signals

CANDIDATES = 100  # the blend's best, re-ordered by the model
COMPONENTS = ("taken_with", "taken_together", "taken_next", "like_yours", "topic_share", "trending", "popular",
              "fresh", "interests", "role", "up_next")  # fmt: skip
RANKED = COMPONENTS[:7]  # components whose catalog-wide rank is a feature too
FEATURES = (
    *COMPONENTS,
    *(f"{name}_rank" for name in RANKED),
    "blend", "blend_rank", "blend_gap",  # the blend's score, the candidate's place in its order, distance to its top
    "history", "idle_days",  # courses in the learner's history, days since they last took one
    "last_with", "last_together", "last_next",  # EASE, co-enrolment and sequence from their most recent course alone
    "pool",  # how many courses are co-enrolled with their history at all
    "takers", "level", "readable", "position",
)  # fmt: skip
MODEL_KEY, MODEL_VERSION = "ranker_model", "ranker_model_version"  # meta keys: the JSON, and a version to poll
CHECK_SECONDS = 30.0  # how often a web process asks the store whether the clock saved a newer model


@dataclass(frozen=True)
class Ranker:
    model: lightgbm.Booster
    features: tuple[str, ...]  # the columns of FEATURES it reads
    trained_on: int  # events in the store when it was trained
    validation: dict[str, float]  # NDCG@10 of model and blend on the newest cut

    def scores(self, rows: np.ndarray) -> np.ndarray:
        columns = [FEATURES.index(name) for name in self.features]
        predicted = self.model.predict(rows[:, columns], num_threads=1)
        return np.asarray(predicted, np.float32)

    def text(self) -> str:
        return json.dumps({
            "features": list(self.features),
            "trained_on": self.trained_on,
            "validation": self.validation,
            "model": self.model.model_to_string(),
        })  # fmt: skip

    @classmethod
    def from_text(cls, text: str) -> Ranker | None:
        """The saved model, or None when it reads features this version does not compute."""
        saved = json.loads(text)
        features = tuple(saved["features"])
        if not set(features) <= set(FEATURES):
            return None
        import lightgbm  # only a process that has a model to serve needs it

        model = lightgbm.Booster(model_str=saved["model"])
        return cls(model, features, int(saved["trained_on"]), dict(saved["validation"]))


def candidates(scores: np.ndarray) -> np.ndarray:
    """The blend's top CANDIDATES, best first."""
    finite = np.flatnonzero(np.isfinite(scores))
    if len(finite) > CANDIDATES:
        finite = finite[np.argpartition(-scores[finite], CANDIDATES - 1)[:CANDIDATES]]
    return finite[np.argsort(-scores[finite], kind="stable")]


def features(
    nums: np.ndarray,
    parts: dict[str, np.ndarray],
    blend: np.ndarray,
    profile: Profile,
    signals: Signals,
    frame: CatalogFrame,
    now: datetime,
) -> np.ndarray:
    """One row per candidate (`nums`, the blend's order), columns in FEATURES order."""
    size, count = frame.size, len(nums)

    def fitted(values: np.ndarray) -> np.ndarray:
        out = np.zeros(size, np.float32)
        out[: min(size, len(values))] = values[:size]
        return out[nums]

    def constant(value: float) -> np.ndarray:
        return np.full(count, value, np.float32)

    columns = [parts[name][nums] if name in parts else constant(0.0) for name in COMPONENTS]
    for name in RANKED:  # how many courses score higher on this component alone
        above = size - np.searchsorted(np.sort(parts[name]), parts[name][nums], side="right") if name in parts else 0
        columns.append(np.log1p(constant(0.0) + above))
    history = [n for n, _ in profile.history]
    last = history[-1:]
    one = np.ones(len(last), np.float32)
    taken_at = [s.last_at for s in profile.states.values() if s.last_at and s.course_id in frame.by_id]
    idle = (now - datetime.fromisoformat(max(taken_at))).total_seconds() / 86400 if taken_at else -1.0
    top = float(blend[nums[0]]) if count else 0.0
    columns += [
        blend[nums],
        np.log1p(np.arange(count, dtype=np.float32)),
        blend[nums] - top,
        constant(float(np.log1p(len(history)))),
        constant(float(np.log1p(max(idle, 0.0))) if idle >= 0 else -1.0),
        signals.taken_with(last, one, size)[nums],
        signals.neighbours(signals.together, last, one, size)[nums],
        signals.neighbours(signals.after, last, one, size)[nums],
        constant(float(np.log1p(np.count_nonzero(parts.get("taken_together", np.zeros(0)))))),
        np.log1p(fitted(signals.takers)),
        frame.level[nums].astype(np.float32),
        profile.readable[nums].astype(np.float32),
        frame.position[nums].astype(np.float32),
    ]
    return np.column_stack(columns).astype(np.float32)


class SavedRanker:
    """The newest model the clock saved in the store (`meta`), whichever machine it runs on: web processes read a
    version at most every CHECK_SECONDS and load the model when it changed. No model, or one this version cannot
    read: None, and the blend's order stands."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic):
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()
        self._version: str | None = None
        self._checked = clock() - CHECK_SECONDS - 1
        self._ranker: Ranker | None = None

    def save(self, ranker: Ranker) -> None:
        with self.store.transaction():
            self.store.set_meta(MODEL_KEY, ranker.text())
            self.store.set_meta(MODEL_VERSION, uuid.uuid4().hex)

    def latest(self) -> Ranker | None:
        """The saved model, read now."""
        text = self.store.get_meta(MODEL_KEY)
        return Ranker.from_text(text) if text else None

    def current(self) -> Ranker | None:
        if self.clock() - self._checked > CHECK_SECONDS:
            with self._lock:
                if self.clock() - self._checked > CHECK_SECONDS:
                    version = self.store.get_meta(MODEL_VERSION)
                    if version != self._version:
                        self._ranker, self._version = self.latest(), version
                    self._checked = self.clock()
        return self._ranker
