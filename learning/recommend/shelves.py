"""The catalog at a glance: its subjects, each with a course count, a cover image and a shelf.

A subject's shelf is what browsing it shows, in order. A course's subject is its first topic as the catalog spells
it; a path's, the subject most of its steps have, so that a path stays whole on one shelf. A shelf holds each path once,
by its first step (a path is entered at its start), from beginner to advanced, then the courses in no path, by level
(Beginner → Advanced, unknown last) and title. Everything here is computed once per catalog generation (`ShelfCache`,
keyed like the catalog frame), so opening or paging through a subject reads a few arrays whatever the catalog's size.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np

from learning.background import in_background
from learning.catalog.courses import LEVELS, CourseRepository
from learning.recommend.catalog_frame import CatalogFrame, FrameCache
from learning.search.query import fold_case

UNKNOWN_LEVEL = len(LEVELS)  # sorts after advanced
NO_SUBJECT = ""  # courses with no topic (and no path that has one) share a shelf
RASTER_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif")  # what Slack renders; an SVG it does not


def shown_image(url: str | None) -> str | None:
    """The URL, if Slack can show it as an image: http(s), and not an SVG (Slack does not render SVG); else None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return None if parts.path.casefold().endswith((".svg", ".svgz")) else url.strip()


def subject_key(name: str) -> str:
    """A short stable key for a subject (for buttons and a modal's private_metadata): the same across generations."""
    return hashlib.sha1(fold_case(name).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Subject:
    key: str
    name: str  # as the catalog spells it; NO_SUBJECT for courses with no topic
    cover: str | None  # the first image on its shelf that Slack can show
    items: np.ndarray  # int64 nums: each path's first step, then the courses in no path, in shelf order
    steps: np.ndarray  # int32 per item: how many steps its path has (0 for a course in no path)
    language: np.ndarray  # int32 per item: the frame's language code
    counts: np.ndarray  # int64 per language code: how many of the subject's courses are in that language

    def count(self, codes: np.ndarray) -> int:
        """Courses in any of these languages."""
        return int(self.counts[codes].sum())

    def paths(self, codes: np.ndarray) -> int:
        """Paths in any of these languages."""
        return int((self.steps[self.shelf(codes)] > 0).sum())

    def shelf(self, codes: np.ndarray) -> np.ndarray:
        """Positions in `items` of those in any of these languages."""
        return np.flatnonzero(np.isin(self.language, codes))


@dataclass(frozen=True)
class Shelves:
    version: tuple
    subjects: tuple[Subject, ...]  # most courses first
    by_key: dict[str, Subject]
    language_codes: dict[str | None, int]

    def codes(self, languages: Iterable[str | None]) -> np.ndarray:
        return np.array([self.language_codes[lang] for lang in languages if lang in self.language_codes], np.int64)

    def ordered(self, languages: Iterable[str | None], interests: Sequence[str]) -> list[tuple[Subject, int]]:
        """(subject, courses in these languages) of every subject with any, those the learner is interested in
        first (in the order of their interests), then by how many courses they hold."""
        codes = self.codes(languages)
        rank = {fold_case(interest): i for i, interest in enumerate(interests)}
        counted = [(s, s.count(codes)) for s in self.subjects]
        found = [(s, n) for s, n in counted if n]
        return sorted(found, key=lambda sn: (rank.get(fold_case(sn[0].name), len(rank)), -sn[1], fold_case(sn[0].name)))


def build_shelves(frame: CatalogFrame, courses: CourseRepository) -> Shelves:
    """Every subject's count, cover and shelf, from the frame and one read of the courses' topics and images."""
    names: dict[int, str] = {}  # num -> the first topic as spelt
    images: dict[int, str] = {}
    path_titles: dict[str, str] = {}
    for num, topics, image_url, path_id, path_title in courses.shelf_rows():
        first = json.loads(topics or "[]")[:1]
        if first and isinstance(first[0], str) and first[0].strip():
            names[num] = first[0].strip()
        if (shown := shown_image(image_url)) is not None:
            images[num] = shown
        if path_id and path_title:
            path_titles.setdefault(path_id, fold_case(path_title))
    spelling: dict[str, str] = {}
    for num in sorted(names):
        spelling.setdefault(fold_case(names[num]), names[num])
    subject_of = {num: fold_case(name) for num, name in names.items()}
    level = np.where(frame.level >= 0, frame.level, UNKNOWN_LEVEL)

    shelves: dict[str, list[tuple[tuple, int, int, list[int]]]] = {}  # subject -> (sort key, item, steps, members)
    for path, steps in frame.paths.items():
        votes = Counter(subject_of.get(int(n), NO_SUBJECT) for n in steps)
        first_step = int(steps[0])
        top = max(votes.values())
        subject = next(s for s in [subject_of.get(first_step, NO_SUBJECT), *votes] if votes.get(s) == top)
        key = (0, int(level[first_step]), path_titles.get(path, ""), first_step)
        shelves.setdefault(subject, []).append((key, first_step, len(steps), [int(n) for n in steps]))
    for num in np.flatnonzero(frame.present & (frame.first_step < 0)):
        subject = subject_of.get(int(num), NO_SUBJECT)
        key = (1, int(level[num]), frame.titles[num] or "", int(num))
        shelves.setdefault(subject, []).append((key, int(num), 0, [int(num)]))

    width = len(frame.language_codes)
    subjects = []
    for subject, entries in shelves.items():
        entries.sort(key=lambda entry: entry[0])
        items = np.array([item for _, item, _, _ in entries], np.int64)
        members = np.array([n for *_, nums in entries for n in nums], np.int64)
        cover = next((images[n] for n in members.tolist() if n in images), None)
        name = spelling.get(subject, NO_SUBJECT)
        subjects.append(Subject(
            subject_key(name), name, cover, items, np.array([steps for _, _, steps, _ in entries], np.int32),
            frame.language_code[items], np.bincount(frame.language_code[members], minlength=width).astype(np.int64),
        ))  # fmt: skip
    subjects.sort(key=lambda s: (-int(s.counts.sum()), fold_case(s.name)))
    return Shelves(frame.version, tuple(subjects), {s.key: s for s in subjects}, frame.language_codes)


class ShelfCache:
    """The shelves of the current catalog generation, rebuilt when the catalog frame is.

    Only the first build is waited for: after a catalog import the last shelves are served while the new ones are
    built in the background, so opening a modal never waits for a rebuild (Slack's trigger_id lasts 3 seconds).
    """

    def __init__(self, frames: FrameCache, courses: CourseRepository):
        self.frames = frames
        self.courses = courses
        self._shelves: Shelves | None = None
        self._lock = threading.Lock()
        self._rebuilding = False

    def current(self) -> Shelves:
        shelves = self._shelves
        if shelves is None:
            with self._lock:
                if self._shelves is None:
                    self._shelves = build_shelves(self.frames.current(), self.courses)
                return self._shelves
        if shelves.version != self.frames.version():
            with self._lock:
                start, self._rebuilding = not self._rebuilding, True
            if start:
                in_background("browse shelves", self._rebuild)
        return shelves

    def _rebuild(self) -> None:
        try:
            self._shelves = build_shelves(self.frames.current(), self.courses)
        finally:
            self._rebuilding = False
