"""Two models routed, not averaged: which model's vectors score a query's dense retrieval.

Every course has two vectors: today's English model's (all-MiniLM-L6-v2, int8 ONNX) and the multilingual model's
(multilingual-e5-small). Measured on the bundled Carpentries translations and on MeTA (BENCHMARKS.md), the English
model is the better one between English words, and the multilingual one the only one that reaches across languages;
joining both in one vector gave up one or the other at every weight. So:

- an English query against English courses is scored by the English model (English quality is exactly today's);
- wherever either side is not English, the multilingual model scores;
- when an English query meets a catalog holding both, the multilingual model's non-English hits are placed among
  the English model's hits by rank: each takes the English-model score of the English course the multilingual
  model ranks at the same height (`place`), so one fused list keeps the English model's scale, which the keyword
  fusion beside it was tuned for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from learning.catalog.course_index import CourseIndex
from learning.catalog.courses import CourseRepository
from learning.search.query_language import ENGLISH, base_language

Hits = list[tuple[int, float]]


@dataclass(frozen=True)
class Languages:
    """The catalog's languages as the index holds it: each course's, and which are not English."""

    of: np.ndarray  # object by num: base language code, None when unknown
    others: np.ndarray  # bool by num: a course in a language other than English (unknown counts as English)
    present: frozenset[str]  # base codes of the languages the catalog has courses in

    def english(self, num: int) -> bool:
        return num >= len(self.others) or not self.others[num]

    def speaks(self, language: str) -> Callable[[int], bool]:
        """Whether a course is in this language."""
        return lambda num: num < len(self.of) and self.of[num] == language

    def any_other(self, allowed: Sequence[int] | None) -> bool:
        """Whether any course (of `allowed`, when given) is not in English."""
        if allowed is None:
            return bool(self.others.any())
        nums = np.asarray(allowed, dtype=np.int64)
        return bool(self.others[nums[nums < len(self.others)]].any())


class CourseLanguages:
    """The courses' languages, read again whenever the index they are searched in changed."""

    def __init__(self, courses: CourseRepository, index: CourseIndex):
        self.courses = courses
        self.index = index
        self._key: object = object()
        self._languages = Languages(np.full(0, None, object), np.zeros(0, bool), frozenset())
        self._lock = threading.Lock()

    def current(self) -> Languages:
        key = (self.index.version, self.index.generation)
        if key != self._key:
            with self._lock:
                if key != self._key:
                    self._languages, self._key = self._read(), key
        return self._languages

    def _read(self) -> Languages:
        rows = self.courses.languages()
        of = np.full(max((num for num, _ in rows), default=-1) + 1, None, object)
        for num, language in rows:
            of[num] = base_language(language)
        others = np.array([code not in (None, ENGLISH) for code in of], bool)
        return Languages(of, others, frozenset(code for code in of if code))


def _rescale(anchors: Sequence[float], targets: Sequence[float]) -> Callable[[float], float]:
    """A score on the anchors' scale moved to the targets': the i-th best anchor becomes the i-th best target, in
    between linearly; above the top (or below the bottom) a score keeps its distance. No pairs: unchanged."""
    shared = min(len(anchors), len(targets))
    xs = np.sort(np.asarray(anchors, np.float64))[::-1][:shared][::-1]  # ascending, as np.interp reads them
    ys = np.sort(np.asarray(targets, np.float64))[::-1][:shared][::-1]

    def moved(score: float) -> float:
        if not shared:
            return score
        if score > xs[-1]:
            return float(ys[-1] + score - xs[-1])
        if score < xs[0]:
            return float(ys[0] - (xs[0] - score))
        return float(np.interp(score, xs, ys))

    return moved


def place(english: Hits, multilingual: Hits, is_english: Callable[[int], bool]) -> Hits:
    """An English query's hits: the English model's (English courses), with the multilingual model's hits of other
    courses placed among them by rank: between the multilingual model's i-th and (i+1)-th English course, a course
    scores between the English model's i-th and (i+1)-th score."""
    moved = _rescale([score for num, score in multilingual if is_english(num)], [score for _, score in english])
    placed = [(num, moved(score)) for num, score in multilingual if not is_english(num)]
    return sorted([*english, *placed], key=lambda hit: -hit[1])


def interleave(hits: Hits, home: Callable[[int], bool], is_english: Callable[[int], bool]) -> Hits:
    """A non-English query's hits (the multilingual model's), fused by rank: the i-th best English course scores as
    the i-th best course in the query's language (just after it), and courses in other languages are placed among
    the English ones as `place` does. The model scores a course in the query's own language well above the same
    course in English, so without this a Japanese query found five Japanese courses before the English version
    of the one it names."""
    own = [hit for hit in hits if home(hit[0])]
    english = [hit for hit in hits if is_english(hit[0]) and not home(hit[0])]
    moved = _rescale([score for _, score in english], [score for _, score in own])
    fused = [(num, moved(score)) for num, score in english]
    others = [(num, moved(score)) for num, score in hits if not home(num) and not is_english(num)]
    return sorted([*own, *fused, *others], key=lambda hit: -hit[1])  # stable: on a tie, the query's language first
