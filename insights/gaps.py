"""Content gaps: what people ask for that the catalog answers weakly, grouped by meaning with the bundled encoder.

Questions whose best catalog match was under a similarity threshold are clustered greedily: the most asked phrase
opens a cluster, and every phrase at least `JOIN_SIMILARITY` close to a cluster's first phrase joins it. A cluster
is named by its most asked phrase. Clusters asked by fewer than the minimum group of people fold into "other"."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.encoder import Encoder

GAP_SIMILARITY = 0.45  # a search whose closest course is under this cosine is answered weakly
JOIN_SIMILARITY = 0.6  # phrases this close mean the same thing
MAX_PHRASES = 400  # the most asked distinct phrases are clustered; rarer ones count towards "other"


@dataclass(frozen=True)
class Gap:
    phrase: str  # the cluster's most asked phrase
    questions: int
    askers: int
    examples: tuple[str, ...] = ()  # other phrasings in the cluster (at most 3)


class GapFinder:
    """Clusters weak questions; remembers phrase vectors so a dashboard refresh does not re-embed them."""

    def __init__(self, encoder: Encoder):
        self.encoder = encoder
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def _embed(self, phrases: Sequence[str]) -> np.ndarray:
        missing = [p for p in phrases if p not in self._vectors]
        if missing:
            vectors = self.encoder.encode(missing)
            with self._lock:
                self._vectors.update(zip(missing, vectors))
        return np.vstack([self._vectors[p] for p in phrases])

    def find(self, asked: Sequence[tuple[str, str]], min_group: int) -> tuple[list[Gap], int]:
        """`asked` holds (question, asker) pairs; returns the gaps asked by at least `min_group` people, most asked
        first, and how many questions were folded into "other"."""
        counts = Counter(question for question, _ in asked)
        if not counts:
            return [], 0
        phrases = [p for p, _ in counts.most_common(MAX_PHRASES)]
        vectors = self._embed(phrases)
        leaders: list[int] = []
        members: dict[int, list[int]] = defaultdict(list)
        for i in range(len(phrases)):
            closeness = vectors[leaders] @ vectors[i] if leaders else np.zeros(0)
            best = int(np.argmax(closeness)) if len(closeness) else -1
            if best >= 0 and closeness[best] >= JOIN_SIMILARITY:
                members[leaders[best]].append(i)
            else:
                leaders.append(i)
                members[i].append(i)
        cluster_of = {phrases[m]: leader for leader, ms in members.items() for m in ms}
        askers: dict[int, set[str]] = defaultdict(set)
        for question, who in asked:
            if question in cluster_of:
                askers[cluster_of[question]].add(who)
        gaps, folded = [], sum(n for p, n in counts.items() if p not in cluster_of)
        for leader, ms in members.items():
            questions = sum(counts[phrases[m]] for m in ms)
            if len(askers[leader]) >= min_group:
                examples = tuple(phrases[m] for m in ms[1:4])
                gaps.append(Gap(phrases[leader], questions, len(askers[leader]), examples))
            else:
                folded += questions
        gaps.sort(key=lambda g: (-g.questions, g.phrase))
        return gaps, folded
