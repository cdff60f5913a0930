"""FAISS inner-product index over course vectors, persisted as one file that is replaced atomically.

Exact (flat) search holds every current vector and serves filtered queries and small catalogs. Above
`approximate_above` vectors an HNSW graph built from a snapshot answers unfiltered queries; vectors changed since
the snapshot are searched exactly beside it (main + delta), and the graph is rebuilt once too much has changed.
Each vector id is the course's integer key; the content hash each vector came from is kept with it, so the owner
can tell exactly which entries are stale after a catalog change or a crash.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

# Measured on 2 cores (BENCHMARKS.md, search speed): exact search stays under a few ms to ~10k vectors and grows
# linearly; HNSW keeps recall@10 >= 0.98 at efSearch 128.
APPROXIMATE_ABOVE = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
REBUILD_STALE_SHARE = 0.05

# One OpenMP thread per search: requests already run in parallel, and a single query gains nothing from more.
faiss.omp_set_num_threads(1)


def _ids(values: Iterable[int]) -> np.ndarray:
    return np.fromiter(values, dtype=np.int64)


def _selector(ids: Iterable[int]) -> faiss.SearchParameters:
    return faiss.SearchParameters(sel=faiss.IDSelectorBatch(_ids(ids)))


class VectorIndex:
    """Searches run concurrently; changes are serialised by a lock."""

    def __init__(self, dimension: int, approximate_above: int = APPROXIMATE_ABOVE):
        self.dimension = dimension
        self.approximate_above = approximate_above
        self._exact = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self._hnsw: faiss.Index | None = None
        self._stale: set[int] = set()  # ids whose snapshot vector in the graph is outdated or removed
        self._fresh: set[int] = set()  # ids added or changed since the snapshot
        self._hashes: dict[int, str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._exact.ntotal

    @property
    def approximate(self) -> bool:
        return self._hnsw is not None

    @property
    def hashes(self) -> Mapping[int, str]:
        """id -> content hash of the vector stored under that id."""
        return self._hashes

    def copy(self) -> VectorIndex:
        """An independent copy to change while searches go on in this one (the owner swaps it in when done)."""
        with self._lock:
            twin = VectorIndex(self.dimension, self.approximate_above)
            twin._exact = faiss.clone_index(self._exact)
            twin._hnsw = faiss.clone_index(self._hnsw) if self._hnsw is not None else None
            twin._stale, twin._fresh, twin._hashes = set(self._stale), set(self._fresh), dict(self._hashes)
        return twin

    def upsert(self, items: Mapping[int, tuple[str, np.ndarray]]) -> None:
        """Add or replace vectors: {id: (content_hash, vector)}."""
        if not items:
            return
        ids = _ids(items.keys())
        vectors = np.vstack([vector for _, vector in items.values()]).astype(np.float32)
        with self._lock:
            self._exact.remove_ids(faiss.IDSelectorBatch(ids))
            self._exact.add_with_ids(vectors, ids)
            self._hashes.update({i: h for i, (h, _) in items.items()})
            if self._hnsw is not None:
                self._stale.update(items)
                self._fresh.update(items)
        self._maintain()

    def remove(self, ids: Iterable[int]) -> None:
        ids = _ids(ids)
        if not len(ids):
            return
        with self._lock:
            self._exact.remove_ids(faiss.IDSelectorBatch(ids))
            for i in ids.tolist():
                self._hashes.pop(i, None)
                self._fresh.discard(i)
                if self._hnsw is not None:
                    self._stale.add(i)
        self._maintain()

    def _maintain(self) -> None:
        """Build the graph once the index is large enough; rebuild it once too much of it is stale."""
        size = len(self)
        if size <= self.approximate_above:
            self._hnsw, self._stale, self._fresh = None, set(), set()
        elif self._hnsw is None or len(self._stale) > REBUILD_STALE_SHARE * size:
            self.build_graph()

    def matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every current vector, for scoring all courses at once."""
        with self._lock:
            ids = faiss.vector_to_array(self._exact.id_map).astype(np.int64)
            return ids, self._exact.index.reconstruct_n(0, self._exact.ntotal)

    def build_graph(self) -> None:
        ids, vectors = self.matrix()
        graph = faiss.IndexHNSWFlat(self.dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        graph.hnsw.efSearch = HNSW_EF_SEARCH
        hnsw = faiss.IndexIDMap(graph)
        hnsw.add_with_ids(vectors, ids)
        with self._lock:
            self._hnsw, self._stale, self._fresh = hnsw, set(), set()

    def search(self, vector: np.ndarray, k: int, allowed: Sequence[int] | None = None) -> list[tuple[int, float]]:
        """The k nearest ids by inner product, best first; only among `allowed` ids when given (always exact)."""
        if k <= 0 or not len(self):
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        hnsw, stale, fresh = self._hnsw, self._stale, self._fresh
        if allowed is not None or hnsw is None:
            params = _selector(allowed) if allowed is not None else None
            return self._found(*self._exact.search(query, min(k, len(self)), params=params))
        params = faiss.SearchParameters(sel=faiss.IDSelectorNot(faiss.IDSelectorBatch(_ids(stale)))) if stale else None
        found = self._found(*hnsw.search(query, k, params=params))
        if fresh:
            found += self._found(*self._exact.search(query, min(k, len(fresh)), params=_selector(fresh)))
        return sorted(found, key=lambda hit: -hit[1])[:k]

    @staticmethod
    def _found(scores: np.ndarray, ids: np.ndarray) -> list[tuple[int, float]]:
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def save(self, path: Path) -> None:
        """Write to a temporary file and rename over the old one: a crash leaves the old or the new, never half."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            parts: dict[str, Any] = {
                "index": faiss.serialize_index(self._exact),
                "ids": _ids(self._hashes.keys()),
                "hashes": np.array(list(self._hashes.values()), dtype="S64"),
                "dimension": np.int64(self.dimension),
            }
            if self._hnsw is not None:
                parts.update(graph=faiss.serialize_index(self._hnsw), stale=_ids(self._stale), fresh=_ids(self._fresh))
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # per process: replicas may share one home
        with open(tmp, "wb") as out:
            np.savez(out, **parts)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, dimension: int, approximate_above: int = APPROXIMATE_ABOVE) -> VectorIndex | None:
        """The saved index, or None when it is missing, unreadable, inconsistent or of another `dimension` than the
        encoder's (FAISS asserts on a query of another one): the caller rebuilds."""
        try:
            with np.load(path) as data:
                loaded = cls(int(data["dimension"]), approximate_above)
                loaded._exact = faiss.deserialize_index(data["index"])
                ids = data["ids"].tolist()
                loaded._hashes = dict(zip(ids, (h.decode() for h in data["hashes"].tolist())))
                if "graph" in data:
                    loaded._hnsw = faiss.deserialize_index(data["graph"])
                    faiss.downcast_index(loaded._hnsw.index).hnsw.efSearch = HNSW_EF_SEARCH
                    loaded._stale, loaded._fresh = set(data["stale"].tolist()), set(data["fresh"].tolist())
        except (OSError, ValueError, KeyError, RuntimeError, EOFError):
            return None
        exact_ids = faiss.vector_to_array(loaded._exact.id_map).tolist()
        if loaded.dimension != dimension or loaded._exact.d != dimension:
            return None
        if loaded._exact.ntotal != len(ids) or set(exact_ids) != set(ids):
            return None
        loaded._maintain()
        return loaded
