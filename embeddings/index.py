"""A FAISS inner-product index over course vectors, persisted as one file that is replaced atomically.

Each vector id is the course's integer key; alongside the index we keep the content hash each vector was made
from, so the owner can tell exactly which entries are stale after a catalog change or a crash.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import faiss
import numpy as np


class VectorIndex:
    """Exact (flat) inner-product search with ids. Searches run concurrently; changes are serialised."""

    def __init__(self, dimension: int):
        self.dimension = dimension
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self._hashes: dict[int, str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._index.ntotal

    @property
    def hashes(self) -> Mapping[int, str]:
        """id -> content hash of the vector stored under that id."""
        return self._hashes

    def upsert(self, items: Mapping[int, tuple[str, np.ndarray]]) -> None:
        """Add or replace vectors: {id: (content_hash, vector)}."""
        if not items:
            return
        ids = np.fromiter(items.keys(), dtype=np.int64, count=len(items))
        vectors = np.vstack([vector for _, vector in items.values()]).astype(np.float32)
        with self._lock:
            self._index.remove_ids(faiss.IDSelectorBatch(ids))
            self._index.add_with_ids(vectors, ids)
            self._hashes.update({i: h for i, (h, _) in items.items()})

    def remove(self, ids: Iterable[int]) -> None:
        ids = np.fromiter(ids, dtype=np.int64)
        if not len(ids):
            return
        with self._lock:
            self._index.remove_ids(faiss.IDSelectorBatch(ids))
            for i in ids.tolist():
                self._hashes.pop(i, None)

    def search(self, vector: np.ndarray, k: int, allowed: Sequence[int] | None = None) -> list[tuple[int, float]]:
        """The k nearest ids by inner product, best first; only among `allowed` ids when given."""
        if k <= 0 or not len(self):
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
            params = faiss.SearchParameters(sel=selector)
        scores, ids = self._index.search(query, min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def save(self, path: Path) -> None:
        """Write to a temporary file and rename over the old one: a crash leaves the old or the new, never half."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            blob = faiss.serialize_index(self._index)
            ids = np.fromiter(self._hashes.keys(), dtype=np.int64, count=len(self._hashes))
            hashes = np.array(list(self._hashes.values()), dtype="S64")
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as out:
            np.savez(out, index=blob, ids=ids, hashes=hashes, dimension=np.int64(self.dimension))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> VectorIndex | None:
        """The saved index, or None when it is missing, unreadable or inconsistent (the caller rebuilds)."""
        try:
            with np.load(path) as data:
                dimension = int(data["dimension"])
                index = faiss.deserialize_index(data["index"])
                ids = data["ids"].tolist()
                hashes = [h.decode() for h in data["hashes"].tolist()]
        except (OSError, ValueError, KeyError, RuntimeError):
            return None
        if index.ntotal != len(ids) or set(faiss.vector_to_array(index.id_map).tolist()) != set(ids):
            return None
        loaded = cls(dimension)
        loaded._index = index
        loaded._hashes = dict(zip(ids, hashes))
        return loaded
