"""The whole catalog as arrays indexed by course num, so the recommender can score every course at once.

The arrays hold vectors, language, level, path and position, publication date, translations. Rebuilt when the catalog or
its index changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from learning.catalog.course_index import CourseIndex
from learning.catalog.courses import CATALOG_VERSION, LEVELS, CourseRepository
from learning.search.query import fold_case
from learning.store.engine import Store


@dataclass(frozen=True)
class CatalogFrame:
    size: int  # arrays are indexed 0..size-1 by course num; `present` marks nums that are real courses
    present: np.ndarray  # bool
    ids: np.ndarray  # object: course id by num
    vectors: np.ndarray  # float32 (size, dim); zero rows for missing nums
    language: np.ndarray  # object: language code or None
    path_id: np.ndarray  # object
    position: np.ndarray  # int32, 0 when not in a path
    published: np.ndarray  # float64 unix seconds, 0 when unknown
    topics: np.ndarray  # object: tuple of folded topics
    titles: np.ndarray  # object: folded title, to tell copies of one course apart from different courses
    by_id: dict[str, int]
    version: tuple[str | None, int, int]
    main_topic: np.ndarray  # int32 code of each course's first topic, -1 when it has none
    language_code: np.ndarray  # int32 code of each course's language (code 0 is "unknown")
    language_codes: dict[str | None, int]
    paths: dict[str, np.ndarray]  # path id -> its courses' nums in path order
    title_code: np.ndarray  # int32: equal for courses with the same folded title
    level: np.ndarray  # int8 rank in LEVELS (0 beginner … 2 advanced), -1 when unknown
    translation: np.ndarray  # int32: equal for a course and its translations
    path_code: np.ndarray  # int32 code of each course's path, -1 when it has none
    first_step: np.ndarray  # int64 num of the first step of each course's path, -1 when it has none
    starts: np.ndarray  # bool: a good place to start (a path's first step, or a beginner course in no path)

    def languages_mask(self, languages: set[str | None]) -> np.ndarray:
        """Courses in any of these languages (None: language unknown)."""
        codes = [self.language_codes[lang] for lang in languages if lang in self.language_codes]
        return np.isin(self.language_code, codes)


def _version(store: Store, index: CourseIndex) -> tuple[str | None, int, int]:
    """Cheap to read on every request: the catalog version the import bumps, the index size and generation."""
    return store.get_meta(CATALOG_VERSION), len(index.vectors), index.generation


def build_frame(store: Store, courses: CourseRepository, index: CourseIndex) -> CatalogFrame:
    import json

    version = _version(store, index)
    rows = courses.frame_rows()
    size = max((r[0] for r in rows), default=0) + 1
    present = np.zeros(size, bool)
    ids = np.full(size, None, object)
    language = np.full(size, None, object)
    path_id = np.full(size, None, object)
    position = np.zeros(size, np.int32)
    published = np.zeros(size, np.float64)
    topics = np.empty(size, object)
    topics[:] = [()] * size
    titles = np.full(size, None, object)
    level = np.full(size, -1, np.int8)
    original = np.full(size, None, object)  # the id a course translates, or its own id
    for num, course_id, lang, path, pos, published_at, topic_json, title, level_name, translation_of in rows:
        level[num] = LEVELS.index(level_name) if level_name in LEVELS else -1
        original[num] = translation_of or course_id
        titles[num] = fold_case(title)
        present[num] = True
        ids[num] = course_id
        language[num] = (lang or "").split("-")[0] or None
        path_id[num] = path
        position[num] = pos or 0
        published[num] = datetime.fromisoformat(published_at).timestamp() if published_at else 0.0
        topics[num] = tuple(t.casefold() for t in json.loads(topic_json or "[]"))
    vectors = np.zeros((size, index.cache.encoder.dimension), np.float32)
    nums, matrix = index.vectors.matrix()
    if len(nums):
        keep = nums < size
        vectors[nums[keep]] = matrix[keep]
    by_id = {course_id: num for num, course_id, *_ in rows}
    topic_codes: dict[str, int] = {}
    main_topic = np.array([topic_codes.setdefault(t[0], len(topic_codes)) if t else -1 for t in topics], np.int32)
    language_codes: dict[str | None, int] = {None: 0}
    language_code = np.array([language_codes.setdefault(lang, len(language_codes)) for lang in language], np.int32)
    members: dict[str, list[int]] = {}
    for num in np.flatnonzero(present):
        if path_id[num]:
            members.setdefault(path_id[num], []).append(int(num))
    paths = {path: np.array(sorted(nums, key=lambda n: position[n]), np.int64) for path, nums in members.items()}
    first_step = np.full(size, -1, np.int64)
    for steps in paths.values():
        first_step[steps] = steps[0]
    starts = present & ((first_step == np.arange(size)) | ((first_step < 0) & (level == LEVELS.index("beginner"))))
    return CatalogFrame(
        size, present, ids, vectors, language, path_id, position, published, topics, titles, by_id, version,
        main_topic, language_code, language_codes, paths, _codes(titles), level, _codes(original),
        np.where([p is not None for p in path_id], _codes(path_id), -1).astype(np.int32), first_step, starts,
    )  # fmt: skip


def _codes(values: np.ndarray) -> np.ndarray:
    """int32 codes, equal where the values are equal."""
    codes: dict = {}
    return np.array([codes.setdefault(value, len(codes)) for value in values], np.int32)


class FrameCache:
    def __init__(self, store: Store, courses: CourseRepository, index: CourseIndex):
        self.store = store
        self.courses = courses
        self.index = index
        self._frame: CatalogFrame | None = None
        self._lock = threading.Lock()

    def version(self) -> tuple[str | None, int, int]:
        """The version the current catalog's frame has (cheap: no frame is built)."""
        return _version(self.store, self.index)

    def current(self) -> CatalogFrame:
        version = _version(self.store, self.index)
        frame = self._frame
        if frame is None or frame.version != version:
            with self._lock:
                if self._frame is frame:
                    self._frame = build_frame(self.store, self.courses, self.index)
        assert self._frame is not None
        return self._frame
