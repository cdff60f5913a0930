"""The FAISS index follows the store: rebuilt from cached vectors when lost or damaged, never re-embedding."""

from __future__ import annotations

import json

import numpy as np

from embeddings.index import VectorIndex
from learning.catalog.course_index import CourseIndex
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
    assert rebuilt.search.search("version control", 3).hits[0].course.path_id == "swcarpentry/git-novice"


def test_stale_index_is_repaired_on_start(service, settings, encoder):
    stale = CourseIndex(service.courses, service.catalog.index.cache, settings.home)
    some = list(stale.vectors.hashes)[:5]
    stale.vectors.remove(some)
    stale.vectors.save(stale.path)
    repaired = build_service(settings, encoder=encoder)
    assert set(some) <= set(repaired.catalog.index.vectors.hashes)


def test_crash_after_the_store_commit_but_before_embedding_is_repaired_on_start(service, settings, encoder):
    from learning.catalog.courses import Course

    new = Course(id="new-1", title="Regular expressions for text search", description="Match patterns in text")
    changed = service.courses.get("swcarpentry/git-novice/01-basics")
    changed = Course(**{**changed.__dict__, "description": "Entirely new description about branches", "num": None})
    service.courses.upsert([new, changed])  # the import died here: store written, index not
    counting = CountingEncoder(encoder)
    restarted = build_service(settings, encoder=counting)
    held = restarted.catalog.index.vectors.hashes
    for course in (restarted.courses.get("new-1"), restarted.courses.get("swcarpentry/git-novice/01-basics")):
        assert held[course.num] == course.content_hash
    assert len(counting.embedded) == 2  # only the two courses the index was missing
    assert restarted.search.search("regular expressions", 1).hits[0].course.id == "new-1"


def test_courses_removed_from_the_store_leave_the_index_on_start(service, settings, encoder, db):
    gone = service.courses.get("swcarpentry/shell-novice/01-intro")
    db.execute("DELETE FROM courses WHERE num = ?", [gone.num])
    restarted = build_service(settings, encoder=encoder)
    assert gone.num not in restarted.catalog.index.vectors.hashes
    assert len(restarted.catalog.index.vectors) == restarted.courses.count()


def test_a_half_written_index_file_from_a_crash_is_ignored(service, settings, encoder):
    path = service.catalog.index.path
    path.with_name(f"{path.name}.12345.tmp").write_bytes(b"half an index")  # a process that died writing it
    restarted = build_service(settings, encoder=encoder)
    assert len(restarted.catalog.index.vectors) == service.courses.count()


def test_incremental_import_embeds_and_indexes_only_what_changed(service, encoder, tmp_path):
    import json

    counting = CountingEncoder(encoder)
    service.catalog.index.cache.encoder = counting
    rows = [{"id": f"extra-{i}", "title": f"Extra course {i} on data cleaning"} for i in range(5)]
    path = tmp_path / "extra.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    before = len(service.catalog.index.vectors)
    report = service.catalog.import_file(path)
    assert report.added == 5 and report.embedded == 5
    assert len(counting.embedded) == 5
    assert len(service.catalog.index.vectors) == before + 5


def _unit(rows: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, 16)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_large_index_switches_to_hnsw_and_stays_correct_through_updates(tmp_path):
    vectors = _unit(600)
    index = VectorIndex(16, approximate_above=500)
    index.upsert({i: (f"h{i}", v) for i, v in enumerate(vectors)})
    assert index.approximate
    exact = {i for i, _ in VectorIndex.search(_exact_copy(index), vectors[7], 10)}
    assert len(exact & {i for i, _ in index.search(vectors[7], 10)}) >= 9

    # change course 7 to point elsewhere, remove course 8: neither may come back with its old vector
    index.upsert({7: ("h7b", vectors[300])})
    index.remove([8])
    found = dict(index.search(vectors[7], 10))
    assert 8 not in found and found.get(7, 0) < 0.99
    assert dict(index.search(vectors[300], 2)).keys() >= {7, 300}

    index.save(tmp_path / "i.npz")
    reloaded = VectorIndex.load(tmp_path / "i.npz", 16, approximate_above=500)
    assert reloaded.approximate and reloaded.search(vectors[300], 2) == index.search(vectors[300], 2)


def _exact_copy(index: VectorIndex) -> VectorIndex:
    copy = VectorIndex(index.dimension, approximate_above=10**9)
    copy.upsert({i: (h, index._exact.reconstruct(i)) for i, h in index.hashes.items()})
    return copy


def test_filtered_search_is_exact_even_on_an_approximate_index():
    vectors = _unit(600, seed=1)
    index = VectorIndex(16, approximate_above=500)
    index.upsert({i: (f"h{i}", v) for i, v in enumerate(vectors)})
    allowed = list(range(0, 600, 7))
    best = max(allowed, key=lambda i: float(vectors[i] @ vectors[3]))
    assert index.search(vectors[3], 1, allowed=allowed)[0][0] == best


def test_graph_is_rebuilt_when_too_much_changed():
    vectors = _unit(600, seed=2)
    index = VectorIndex(16, approximate_above=500)
    index.upsert({i: (f"h{i}", v) for i, v in enumerate(vectors)})
    index.upsert({i: (f"x{i}", vectors[(i + 1) % 600]) for i in range(40)})  # > 5% stale
    assert index._stale == set()


def damage_stored_vector(store, course, blob: bytes) -> None:
    """What a damaged row or a vector written by another model's build looks like in the store."""
    store.sql.execute("UPDATE course_vectors SET vector = :blob WHERE content_hash = :hash",
                      {"blob": blob, "hash": course.content_hash})  # fmt: skip


def malformed_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]


def one_malformed(encoder) -> str:
    """The log line: how many, and nothing about the course."""
    return f"1 stored course vector(s) malformed (not {encoder.dimension} float32 values): embedded again"


def test_a_start_on_an_empty_disk_skips_a_truncated_stored_vector_and_embeds_it_again(
    service, settings, encoder, store, caplog
):
    course = service.courses.get("swcarpentry/git-novice/01-basics")
    stored = service.catalog.index.cache.get([course.content_hash])[course.content_hash]
    damage_stored_vector(store, course, stored.tobytes()[:-3])  # not even a whole number of float32 values
    service.catalog.index.path.unlink()  # a new replica: the index is built from the stored vectors
    counting = CountingEncoder(encoder)

    restarted = build_service(settings, encoder=counting)

    assert len(restarted.catalog.index.vectors) == restarted.courses.count()
    assert counting.embedded == [course.embedding_text()]  # that course alone
    assert malformed_lines(caplog) == [one_malformed(encoder)]
    assert course.title not in malformed_lines(caplog)[0]
    assert restarted.catalog.index.cache.get([course.content_hash])[course.content_hash].shape == (encoder.dimension,)
    assert course.num in [num for num, _ in restarted.search.keyword.search("git basics", 10)]


def test_a_catalog_follower_skips_a_stored_vector_of_the_wrong_dimension_and_keeps_indexing(
    service, settings, encoder, store, tmp_path, caplog
):
    rows = [{"id": f"follow-{i}", "title": f"Spreadsheet pivot tables, part {i}"} for i in range(3)]
    (tmp_path / "more.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    other = build_service(settings, encoder=encoder, prepare=False)  # `upnext catalog import` elsewhere
    assert other.catalog.import_file(tmp_path / "more.jsonl").added == 3
    other.close()
    broken = service.courses.get("follow-0")
    damage_stored_vector(store, broken, np.ones(8, dtype=np.float32).tobytes())

    report = service.catalog.index.catch_up()

    assert report is not None and report.indexed == 3
    held = service.catalog.index.vectors.hashes
    assert all(held.get(service.courses.get(r["id"]).num) for r in rows)
    assert malformed_lines(caplog) == [one_malformed(encoder)]
    assert service.catalog.index.catch_up() is None  # caught up: not looked at again


def test_an_index_file_of_another_dimension_is_rebuilt_from_the_stored_vectors(service, settings, encoder):
    """A file another model's build left under the same name, holding every course with today's content hashes."""
    hashes = dict(service.catalog.index.vectors.hashes)
    foreign = VectorIndex(8)
    foreign.upsert({num: (h, vector) for (num, h), vector in zip(hashes.items(), _unit(len(hashes), seed=1)[:, :8])})
    foreign.save(service.catalog.index.path)
    restarted = build_service(settings, encoder=encoder)
    assert restarted.catalog.index.vectors.dimension == encoder.dimension
    assert restarted.search.search("version control", 3).hits[0].course.path_id == "swcarpentry/git-novice"
