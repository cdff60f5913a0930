"""Vectors cached by content hash, so a course whose text did not change is never embedded again.

The cache lives in the `course_vectors` table of the store's database and is keyed by (content hash, encoder
name): switching runtimes or models never serves a vector made by another one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from embeddings.encoder import Encoder

TableSteps = Mapping[int, str]  # as learning.store.engine.TableSteps (embeddings imports no store)

KEY = ("vectors_key", ("content_hash", "model"))  # a shared file's unique index


# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    1: """
        CREATE TABLE course_vectors (
            content_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            vector BLOB NOT NULL,             -- float32, L2-normalised
            PRIMARY KEY (content_hash, model)
        );
""",
}


class Statements(Protocol):
    """Portable SQL with named placeholders (the store's `Store.sql`)."""

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]: ...

    def execute_many(self, sql: str, rows: Iterable[Mapping[str, Any]]) -> int: ...


class VectorTable(Protocol):
    """What the cache needs of the store (`learning.store.engine.Store`): statements, and copying a table's rows
    to or from another store file."""

    @property
    def sql(self) -> Statements: ...

    def exchange_rows(self, other: Path, table: str, key: tuple[str, Sequence[str]], direction: str) -> None: ...


class VectorCache:
    def __init__(self, store: VectorTable, encoder: Encoder):
        self._store = store
        self.encoder = encoder

    def get(self, content_hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these hashes that are well formed (see `read`)."""
        return self.read(content_hashes)[0]

    def read(self, content_hashes: Iterable[str]) -> tuple[dict[str, np.ndarray], set[str]]:
        """The stored vectors of these hashes, and the hashes whose stored vector is malformed: not `dimension`
        finite float32 values (a damaged row, a truncated write). A malformed one is left out, as if missing, so
        it never reaches FAISS, which cannot take a vector of another dimension."""
        wanted = list(dict.fromkeys(content_hashes))
        found: dict[str, np.ndarray] = {}
        malformed: set[str] = set()
        size = self.encoder.dimension * np.dtype(np.float32).itemsize
        for start in range(0, len(wanted), 500):
            rows = self._store.sql.rows(
                "SELECT content_hash, vector FROM course_vectors WHERE model = :model AND content_hash IN (:hashes)",
                {"model": self.encoder.name, "hashes": wanted[start : start + 500]},
            )
            for content_hash, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32) if len(blob) == size else None
                if vector is not None and np.isfinite(vector).all():
                    found[content_hash] = vector
                else:
                    malformed.add(content_hash)
        return found, malformed

    def put(self, vectors: Mapping[str, np.ndarray]) -> None:
        self._store.sql.execute_many(
            "INSERT INTO course_vectors (content_hash, model, vector) VALUES (:hash, :model, :vector) "
            "ON CONFLICT (content_hash, model) DO UPDATE SET vector = excluded.vector",
            [{"hash": h, "model": self.encoder.name, "vector": np.asarray(v, dtype=np.float32).tobytes()}
             for h, v in vectors.items()],
        )  # fmt: skip

    def vectors_for(
        self,
        texts_by_hash: Mapping[str, str],
        batch_size: int = 64,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> tuple[dict[str, np.ndarray], int]:
        """Vectors for every hash, embedding (and caching) only the missing ones. Returns (vectors, embedded)."""
        vectors = self.get(texts_by_hash)
        missing: Sequence[str] = [h for h in texts_by_hash if h not in vectors]
        chunk = max(batch_size * 8, 256)
        for start in range(0, len(missing), chunk):
            hashes = missing[start : start + chunk]
            encoded = self.encoder.encode([texts_by_hash[h] for h in hashes], batch_size=batch_size)
            fresh = dict(zip(hashes, encoded))
            self.put(fresh)  # committed per chunk: an interrupted import keeps what it already paid for
            vectors.update(fresh)
            if on_progress:
                on_progress(min(start + chunk, len(missing)), len(missing))
        return vectors, len(missing)

    def exchange(self, other: Path, direction: str) -> None:
        """Copy cached vectors from the store file `other` ("in") or into it ("out"), keeping what is there."""
        self._store.exchange_rows(other, "course_vectors", KEY, direction)
