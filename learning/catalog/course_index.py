"""Keeps the FAISS index in step with the courses table.

The store is the source of truth. `sync()` compares what the index holds (id -> content hash) with what the store
says it should hold, embeds only what is missing from the vector cache, and saves the index atomically. Run at
start, it also repairs an index left behind by a crash mid-import.

Another process (`upnext catalog import` beside a running server) may save a newer index: `vectors` notices the
file changed and loads it, so a running server sees catalog changes without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from embeddings.encoder import file_slug
from embeddings.index import VectorIndex
from embeddings.vector_cache import VectorCache
from learning.catalog.courses import CourseRepository
from learning.saved_file import file_state


@dataclass(frozen=True)
class SyncReport:
    embedded: int  # vectors computed by the model
    indexed: int  # vectors added or replaced in the index
    removed: int  # vectors dropped because their course is gone

    @property
    def changed(self) -> bool:
        return bool(self.indexed or self.removed)


class CourseIndex:
    def __init__(self, courses: CourseRepository, cache: VectorCache, directory: Path):
        self.courses = courses
        self.cache = cache
        self.path = directory / f"courses-{file_slug(cache.encoder.name)}.faiss.npz"
        self._lock = threading.Lock()
        self._file = file_state(self.path)
        self._vectors = VectorIndex.load(self.path) or VectorIndex(cache.encoder.dimension)
        self.generation = 0  # bumped whenever the vectors change: what caches built from them compare

    @property
    def vectors(self) -> VectorIndex:
        """The index, reloaded when another process saved a newer one (the file is replaced atomically)."""
        state = file_state(self.path)
        if state != self._file and state is not None:
            with self._lock:
                if state != self._file:
                    loaded = VectorIndex.load(self.path)
                    if loaded is not None:
                        self._vectors, self.generation = loaded, self.generation + 1
                    self._file = state
        return self._vectors

    def sync(self, on_progress: Callable[[int, int], None] | None = None) -> SyncReport:
        wanted = self.courses.content_hashes()
        held = self.vectors.hashes
        stale = [num for num, content_hash in wanted.items() if held.get(num) != content_hash]
        gone = [num for num in held if num not in wanted]
        if not stale and not gone:
            return SyncReport(0, 0, 0)
        by_num = self.courses.many_by_num(stale)
        texts = {course.content_hash: course.embedding_text() for course in by_num.values()}
        vectors, embedded = self.cache.vectors_for(texts, on_progress=on_progress)
        with self._lock:
            self._vectors.upsert({num: (c.content_hash, vectors[c.content_hash]) for num, c in by_num.items()})
            self._vectors.remove(gone)
            self._vectors.save(self.path)
            self._file, self.generation = file_state(self.path), self.generation + 1
        return SyncReport(embedded=embedded, indexed=len(by_num), removed=len(gone))

    def rebuild(self) -> SyncReport:
        """Start the index afresh from the cached vectors (embedding only what the cache lacks)."""
        with self._lock:
            self._vectors, self.generation = VectorIndex(self.cache.encoder.dimension), self.generation + 1
        return self.sync()
