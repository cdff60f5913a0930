"""Keeps the FAISS index in step with the courses table.

The store is the source of truth, and its `course_vectors` table holds every course's vector. `sync()` compares what
the index holds (id -> content hash) with what the store says it should hold, takes the vectors from the store,
embeds only what is missing there, and saves the index atomically under UPNEXT_HOME. Run at start, it builds the
index of a process on an empty disk from the stored vectors (a new replica embeds nothing) and repairs an index left
behind by a crash mid-import.

Another process (`upnext catalog import`, or another web replica on another machine) may change the catalog. The
index follows it through the store: at most every FOLLOW_SECONDS, a read of the catalog version (`meta`) tells whether
it changed, and a changed catalog is synced in the background while searches go on with the current index, which is
swapped for the new one when it is ready. On one machine it also notices the file another process saved.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.encoder import file_slug
from embeddings.index import VectorIndex
from embeddings.vector_cache import VectorCache
from learning.background import in_background
from learning.catalog.courses import CourseRepository
from learning.saved_file import file_state

log = logging.getLogger(__name__)

FOLLOW_SECONDS = 20.0  # how often a process asks the store whether the catalog changed (a new one is in within 1 min)


@dataclass(frozen=True)
class SyncReport:
    embedded: int  # vectors computed by the model
    indexed: int  # vectors added or replaced in the index
    removed: int  # vectors dropped because their course is gone

    @property
    def changed(self) -> bool:
        return bool(self.indexed or self.removed)


class CourseIndex:
    def __init__(
        self,
        courses: CourseRepository,
        cache: VectorCache,
        directory: Path,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.courses = courses
        self.cache = cache
        self.path = directory / f"courses-{file_slug(cache.encoder.name)}.faiss.npz"
        self.clock = clock
        self._lock = threading.Lock()  # guards swapping the index in
        self._syncing = threading.Lock()  # one sync at a time
        self._file = file_state(self.path)
        self._vectors = VectorIndex.load(self.path, cache.encoder.dimension) or VectorIndex(cache.encoder.dimension)
        self.generation = 0  # bumped whenever the vectors change: what caches built from them compare
        self.version: str | None = None  # the catalog version (CourseRepository.version) the last sync started from
        self._checked = clock()
        self._following = False

    @property
    def vectors(self) -> VectorIndex:
        """The index, reloaded when another process saved a newer one (the file is replaced atomically); asking
        also starts a catch-up with the store's catalog when one is due (see `follow`)."""
        self.follow()
        state = file_state(self.path)
        if state != self._file and state is not None:
            with self._lock:
                if state != self._file:
                    loaded = VectorIndex.load(self.path, self.cache.encoder.dimension)
                    if loaded is not None:
                        self._vectors, self.generation = loaded, self.generation + 1
                    self._file = state
        return self._vectors

    def follow(self) -> None:
        """At most every FOLLOW_SECONDS, catch up in the background with a catalog another process changed."""
        if self._following or self.clock() - self._checked < FOLLOW_SECONDS:
            return
        self._following, self._checked = True, self.clock()
        in_background("catalog catch-up", self._catch_up_in_background)

    def _catch_up_in_background(self) -> None:
        try:
            self.catch_up()
        finally:
            self._following = False

    def catch_up(self) -> SyncReport | None:
        """Sync when the store's catalog version differs from the one the index was last synced to (one read of
        `meta` when it does not); None when nothing changed. Embeds nothing: a course whose vector is not stored yet
        (the importing process is still embedding it) is indexed by a later catch-up."""
        if self.courses.version() == self.version:
            return None
        with self._syncing:
            return self._sync(self._vectors, None, embed=False)

    def sync(self, on_progress: Callable[[int, int], None] | None = None) -> SyncReport:
        with self._syncing:
            return self._sync(self._vectors, on_progress)

    def rebuild(self) -> SyncReport:
        """Start the index afresh from the stored vectors (embedding only what the store lacks)."""
        with self._syncing:
            return self._sync(VectorIndex(self.cache.encoder.dimension), None, fresh=True)

    def _sync(
        self,
        base: VectorIndex,
        on_progress: Callable[[int, int], None] | None,
        fresh: bool = False,
        embed: bool = True,
    ) -> SyncReport:
        """Bring a copy of `base` in step with the store and swap it in: searches meanwhile use the current one."""
        version = self.courses.version()  # read first: a change made while syncing is caught by the next catch-up
        wanted = self.courses.content_hashes()
        held = base.hashes
        stale = {num: content_hash for num, content_hash in wanted.items() if held.get(num) != content_hash}
        gone = [num for num in held if num not in wanted]
        vectors, embedded = self._stored_vectors(stale, on_progress, embed) if stale else ({}, 0)
        # a course removed meanwhile, or (not embedding) one whose vector is not stored yet, has none
        items = {num: (h, vectors[h]) for num, h in stale.items() if h in vectors}
        if items or gone or fresh:
            changed = base if fresh else base.copy()
            changed.upsert(items)
            changed.remove(gone)
            changed.save(self.path)
            with self._lock:
                self._vectors, self._file, self.generation = changed, file_state(self.path), self.generation + 1
        if len(items) == len(stale):  # else vectors are still to come: the next catch-up looks again
            self.version = version
        return SyncReport(embedded=embedded, indexed=len(items), removed=len(gone))

    def _stored_vectors(
        self, hashes_by_num: dict[int, str], on_progress: Callable[[int, int], None] | None, embed: bool
    ) -> tuple[dict[str, np.ndarray], int]:
        """The vectors for these courses from the store, with `embed` embedding (and storing) those it lacks: the
        courses' texts are read for those alone. A malformed stored vector is skipped and embedded again even
        without `embed` (nobody else is about to store it). Returns (vectors by content hash, how many were
        embedded)."""
        vectors, malformed = self.cache.read(hashes_by_num.values())
        if malformed:
            log.warning("%d stored course vector(s) malformed (not %d float32 values): embedded again", len(malformed),
                        self.cache.encoder.dimension)  # fmt: skip
        missing = [num for num, h in hashes_by_num.items() if h not in vectors and (embed or h in malformed)]
        if not missing:
            return vectors, 0
        texts = {course.content_hash: course.embedding_text() for course in self.courses.many_by_num(missing).values()}
        found, embedded = self.cache.vectors_for(texts, on_progress=on_progress)
        return {**vectors, **found}, embedded
