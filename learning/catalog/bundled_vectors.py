"""The bundled catalog's vectors, computed once ahead of time and loaded into an empty store's vector cache.

`upnext models build` writes them beside the int8 model (the container image does this at build time), so a fresh
UPNEXT_HOME imports the bundled catalog without embedding it: ready in seconds instead of tens of seconds. The file
is keyed by the encoder's name, so vectors from another model or runtime are never used.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from embeddings.encoder import Encoder, file_slug
from embeddings.vector_cache import VectorCache
from learning.catalog.files import read_catalog_file
from learning.catalog.importer import bundled_catalog_path


def bundled_vectors_path(models_dir: Path, encoder: Encoder) -> Path:
    return models_dir / f"bundled-catalog-{file_slug(encoder.name)}.npz"


def write_bundled_vectors(encoder: Encoder, models_dir: Path) -> Path:
    """Embed every course of the bundled catalog and write {content hash: vector} atomically."""
    texts = {
        course.content_hash: course.embedding_text() for course in read_catalog_file(bundled_catalog_path()).courses
    }
    vectors = encoder.encode(list(texts.values()))
    target = bundled_vectors_path(models_dir, encoder)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(partial, "wb") as out:
        np.savez(out, hashes=np.array(list(texts), dtype="S64"), vectors=vectors)
    os.replace(partial, target)
    return target


def preload_bundled_vectors(cache: VectorCache, models_dir: Path) -> int:
    """Put the prebuilt vectors into the cache, if there are any for this encoder; returns how many."""
    path = bundled_vectors_path(models_dir, cache.encoder)
    if not path.is_file():
        return 0
    with np.load(path) as data:
        vectors = dict(zip((h.decode() for h in data["hashes"].tolist()), data["vectors"]))
    cache.put(vectors)
    return len(vectors)
