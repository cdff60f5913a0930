"""Vectors cached by content hash, so a course whose text did not change is never embedded again.

The cache lives in the `course_vectors` table of the store's database and is keyed by (content hash, encoder
name): switching runtimes or models never serves a vector made by another one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import sqlite_utils

from embeddings.encoder import Encoder


class VectorCache:
    def __init__(self, database: Callable[[], sqlite_utils.Database], encoder: Encoder):
        self._database = database
        self.encoder = encoder

    def get(self, content_hashes: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(content_hashes))
        found: dict[str, np.ndarray] = {}
        db = self._database()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                f"SELECT content_hash, vector FROM course_vectors WHERE model = ? AND content_hash IN ({marks})",
                [self.encoder.name, *chunk],
            )
            for content_hash, blob in rows:
                found[content_hash] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, vectors: Mapping[str, np.ndarray]) -> None:
        db = self._database()
        with db.atomic():
            db.conn.executemany(
                "INSERT OR REPLACE INTO course_vectors (content_hash, model, vector) VALUES (?, ?, ?)",
                [(h, self.encoder.name, np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()],
            )

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
        """Copy cached vectors from the SQLite file `other` ("in") or into it ("out"), keeping what is there."""
        db = self._database()
        db.execute(f"ATTACH DATABASE '{other}' AS shared")
        db.execute("CREATE TABLE IF NOT EXISTS shared.course_vectors AS SELECT * FROM main.course_vectors WHERE 0")
        db.execute("CREATE UNIQUE INDEX IF NOT EXISTS shared.vectors_key ON course_vectors(content_hash, model)")
        source, target = ("shared", "main") if direction == "in" else ("main", "shared")
        db.execute(f"INSERT OR IGNORE INTO {target}.course_vectors SELECT * FROM {source}.course_vectors")
        db.conn.commit()
        db.execute("DETACH DATABASE shared")
