"""The FAISS index follows the store: rebuilt from cached vectors when lost or damaged, never re-embedding."""

from __future__ import annotations

import numpy as np

from embeddings.index import VectorIndex
from learning.course_index import CourseIndex
from tests.helpers import CountingEncoder
from upnext.build import build_service


def test_search_returns_nearest_ids_by_inner_product():
    index = VectorIndex(3)
    vectors = np.eye(3, dtype=np.float32)
    index.upsert({10: ("a", vectors[0]), 11: ("b", vectors[1]), 12: ("c", vectors[2])})
    assert index.search(np.array([0.1, 0.9, 0.0]), 2)[0][0] == 11
    index.upsert({11: ("b2", vectors[0])})
    assert len(index) == 3 and index.hashes[11] == "b2"
    index.remove([10])
    assert {i for i, _ in index.search(vectors[0], 5)} == {11, 12}


def test_index_survives_restart_and_is_rebuilt_from_cache_when_deleted(service, settings, encoder):
    path = service.catalog.index.path
    held = dict(service.catalog.index.vectors.hashes)
    assert path.exists() and len(held) == service.courses.count()

    counting = CountingEncoder(encoder)
    reopened = build_service(settings, encoder=counting)
    assert dict(reopened.catalog.index.vectors.hashes) == held
    assert counting.embedded == []

    path.unlink()
    rebuilt = build_service(settings, encoder=counting)
    assert dict(rebuilt.catalog.index.vectors.hashes) == held
    assert counting.embedded == []  # vectors came from the cache


def test_corrupt_index_file_is_detected_and_rebuilt(service, settings, encoder):
    path = service.catalog.index.path
    path.write_bytes(b"not an index")
    rebuilt = build_service(settings, encoder=encoder)
    assert len(rebuilt.catalog.index.vectors) == service.courses.count()
    assert rebuilt.search.search("version control", 3)[0].course.path_id == "swcarpentry/git-novice"


def test_stale_index_is_repaired_on_start(service, settings, encoder):
    stale = CourseIndex(service.courses, service.catalog.index.cache, settings.home)
    some = list(stale.vectors.hashes)[:5]
    stale.vectors.remove(some)
    stale.vectors.save(stale.path)
    repaired = build_service(settings, encoder=encoder)
    assert set(some) <= set(repaired.catalog.index.vectors.hashes)
