"""A learned ranker that re-orders the blend's top CANDIDATES among the recommender's candidates.

It is LightGBM LambdaRank on the blend's components, each candidate's rank in them, and a few facts about the learner
and the course. Without a model (too little history to train on, or a model that did not beat the blend on the newest
cut) the blend's order stands.

The model is trained by `ranker_training.train` in the clock process (`scheduler.clock`), which saves it to a file under
UPNEXT_HOME; the web process reads the newest saved model through `RankerFile`, so training never costs the web process
time or memory.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from learning.recommend.catalog_frame import CatalogFrame
from learning.saved_file import file_state

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
MODEL_FILE = "ranker.json"


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

    def save(self, path: Path) -> None:
        """Write atomically: a reader sees the old file or the new one, never half of one."""
        text = json.dumps({
            "features": list(self.features),
            "trained_on": self.trained_on,
            "validation": self.validation,
            "model": self.model.model_to_string(),
        })  # fmt: skip
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)

    @classmethod
    def load(cls, path: Path) -> Ranker | None:
        """The saved model, or None when there is none or it reads features this version does not compute."""
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
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


class RankerFile:
    """The newest model another process (the clock) saved, reloaded when the file changes, like the course index.
    No file, or a model this version cannot read: None, and the blend's order stands."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._state: tuple[int, int, int] | None = None
        self._ranker: Ranker | None = None

    def current(self) -> Ranker | None:
        state = file_state(self.path)
        if state != self._state:
            with self._lock:
                if state != self._state:
                    self._ranker = Ranker.load(self.path) if state is not None else None
                    self._state = state
        return self._ranker
