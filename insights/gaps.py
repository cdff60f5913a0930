"""Content gaps: what people ask for that the catalog answers weakly, grouped by meaning with the bundled encoder.

Free text is the most identifying thing people type, so a gap is told in no one's words. Questions whose best
catalog match was under a similarity threshold are clustered greedily: the phrase asked by the most people opens a
cluster, and every phrase at least `JOIN_SIMILARITY` close to a cluster's first phrase joins it. A cluster is shown
only when at least the minimum group of distinct people asked something in it, and it is named by the words that at
least that many of its askers typed (each word counted once per person, a plural with its singular); a cluster
whose askers share no such word, or asked by fewer people, folds into "other". A phrasing is listed beside the
label only when at least the minimum group of people typed it exactly."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.encoder import Encoder
from learning.search.course_search import STOPWORDS, words

GAP_SIMILARITY = 0.45  # a search whose closest course is under this cosine is answered weakly
JOIN_SIMILARITY = 0.6  # phrases this close mean the same thing
MAX_PHRASES = 400  # the phrases asked by the most people are clustered; rarer ones count towards "other"
MAX_LABEL_WORDS = 4
MAX_EXAMPLES = 3
# Words that say nothing about the subject, in the languages Upnext answers in, beside search's English stopwords.
LABEL_STOPWORDS = STOPWORDS | frozenset(
    "al aprender como con curso cursos de del el en la las lo los mi para por que quiero sobre un una y "
    "beginner beginners basics intro introduction class classes".split()
)


@dataclass(frozen=True)
class Gap:
    label: str  # the words at least the minimum group of its askers typed
    questions: int
    askers: int
    examples: tuple[str, ...] = ()  # phrasings each typed by at least the minimum group of people (at most 3)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def shared_label(phrases_by_person: Iterable[Iterable[str]], min_group: int) -> str:
    """The words at least `min_group` people used (each person counted once per word), at most MAX_LABEL_WORDS of
    the most shared, in the order people tend to put them; "" when no word is shared by that many."""
    people: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    places: dict[str, list[float]] = defaultdict(list)
    for phrases in phrases_by_person:
        mine: dict[str, tuple[str, float]] = {}
        for phrase in phrases:
            found = [w for w in words(phrase) if w not in LABEL_STOPWORDS and not w.isdigit()]
            for place, word in enumerate(found):
                mine.setdefault(_singular(word), (word, place / len(found)))
        for key, (word, share) in mine.items():
            people[key] += 1
            forms[key][word] += 1
            places[key].append(share)
    shared = [key for key, n in people.most_common() if n >= min_group][:MAX_LABEL_WORDS]
    shared.sort(key=lambda key: (sum(places[key]) / len(places[key]), key))
    return " ".join(forms[key].most_common(1)[0][0] for key in shared)


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

    def _clusters(self, phrases: Sequence[str]) -> list[list[str]]:
        """Greedy clusters, each opened by its first phrase (the order of `phrases`)."""
        vectors = self._embed(phrases)
        leaders: list[int] = []
        members: dict[int, list[str]] = defaultdict(list)
        for i in range(len(phrases)):
            closeness = vectors[leaders] @ vectors[i] if leaders else np.zeros(0)
            best = int(np.argmax(closeness)) if len(closeness) else -1
            leader = leaders[best] if best >= 0 and closeness[best] >= JOIN_SIMILARITY else i
            if leader == i:
                leaders.append(i)
            members[leader].append(phrases[i])
        return list(members.values())

    def find(self, asked: Sequence[tuple[str, str]], min_group: int) -> tuple[list[Gap], int]:
        """`asked` holds (question, asker) pairs; returns the gaps asked by at least `min_group` people and named
        by words at least that many of them typed, most askers first, and how many questions fold into "other"."""
        counts = Counter(question for question, _ in asked)
        askers: dict[str, set[str]] = defaultdict(set)
        for question, who in asked:
            askers[question].add(who)
        ranked = sorted(counts, key=lambda p: (-len(askers[p]), -counts[p], p))
        gaps, folded = [], sum(counts[p] for p in ranked[MAX_PHRASES:])
        for cluster in self._clusters(ranked[:MAX_PHRASES]) if ranked else []:
            by_person: dict[str, list[str]] = defaultdict(list)
            for phrase in cluster:
                for who in askers[phrase]:
                    by_person[who].append(phrase)
            questions = sum(counts[p] for p in cluster)
            label = shared_label(by_person.values(), min_group) if len(by_person) >= min_group else ""
            if not label:
                folded += questions
                continue
            examples = tuple(p for p in cluster if len(askers[p]) >= min_group)[:MAX_EXAMPLES]
            gaps.append(Gap(label, questions, len(by_person), examples))
        gaps.sort(key=lambda g: (-g.askers, -g.questions, g.label))
        return gaps, folded
