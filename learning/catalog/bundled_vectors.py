"""The bundled catalog's vectors, computed once ahead of time and loaded into an empty store's vector cache.

Two sources, keyed by the encoder's name so vectors from another model or runtime are never used:

- shipped in the package (`learning/catalog/data/vectors-*.npz`, float16: 1.1 MB a model), for both of the product's
  models, so a fresh UPNEXT_HOME imports the bundled catalog without embedding it: the multilingual model takes
  ~0.16 s of CPU per course, minutes for the whole catalog;
- `upnext models build` writes float32 ones beside the int8 model (the container image does this at build time),
  preferred when present; `upnext models build --ship` rewrites the shipped ones after the catalog changed.

Vectors are stored under the course's content hash, the hash of the text embedded, so a course whose text changed
is simply missing and embedded as usual.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np

from embeddings.encoder import Encoder, file_slug
from embeddings.vector_cache import VectorCache
from learning.catalog.files import read_catalog_file
from learning.catalog.importer import bundled_catalog_path


def bundled_vectors_path(models_dir: Path, encoder: Encoder) -> Path:
    return models_dir / f"bundled-catalog-{file_slug(encoder.name)}.npz"


def shipped_vectors_path(encoder: Encoder) -> Path:
    return Path(str(resources.files("learning.catalog") / "data" / f"vectors-{file_slug(encoder.name)}.npz"))


def write_bundled_vectors(encoder: Encoder, target: Path, dtype: type = np.float32) -> Path:
    """Embed every course of the bundled catalog and write {content hash: vector} to `target` atomically."""
    texts = {
        course.content_hash: course.embedding_text() for course in read_catalog_file(bundled_catalog_path()).courses
    }
    vectors: np.ndarray = encoder.encode(list(texts.values())).astype(dtype)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(partial, "wb") as out:
        np.savez(out, hashes=np.array(list(texts), dtype="S32"), vectors=vectors)
    os.replace(partial, target)
    return target


def read_vectors(path: Path) -> dict[str, np.ndarray]:
    """{content hash: float32 unit vector} from a file `write_bundled_vectors` wrote."""
    with np.load(path) as data:
        vectors = data["vectors"].astype(np.float32)
        hashes = [h.decode() for h in data["hashes"].tolist()]
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)  # float16 rounding
    return dict(zip(hashes, vectors))


def preload_bundled_vectors(cache: VectorCache, models_dir: Path) -> int:
    """Put the prebuilt vectors into the cache, if there are any for this encoder; returns how many."""
    for path in (bundled_vectors_path(models_dir, cache.encoder), shipped_vectors_path(cache.encoder)):
        if path.is_file():
            vectors = read_vectors(path)
            cache.put(vectors)
            return len(vectors)
    return 0
