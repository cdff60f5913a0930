"""Importing into the store: summaries, idempotence, updates re-embedded, dry runs, no silent loss."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import CountingEncoder
from upnext.build import build_service


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


ROWS = [
    {"id": "sql-1", "title": "SQL Basics", "description": "Select, filter and sort rows in a database"},
    {"id": "sql-2", "title": "Joins in SQL", "description": "Combine tables with joins"},
    {"id": "git-1", "title": "Version control with Git", "description": "Track changes to your files"},
]


def test_import_summarises_and_reimport_changes_nothing(empty_service, tmp_path):
    path = write(tmp_path / "c.jsonl", [*ROWS, {"title": "no id"}])
    first = empty_service.catalog.import_file(path)
    assert (first.added, first.updated, first.unchanged, first.rejected) == (3, 0, 0, 1)
    assert first.lines()[-1] == "3 added, 0 updated, 0 unchanged, 1 rejected (3 embedded)"
    second = empty_service.catalog.import_file(path)
    assert (second.added, second.updated, second.unchanged, second.embedded) == (0, 0, 3, 0)
    assert empty_service.courses.count() == 3


def test_changed_row_is_updated_and_only_it_is_re_embedded(settings, encoder, multilingual, tmp_path):
    counting = CountingEncoder(encoder)
    service = build_service(settings, encoder=counting, prepare=False, multilingual=multilingual)
    service.catalog.import_file(write(tmp_path / "a.jsonl", ROWS))
    counting.embedded.clear()
    changed = [ROWS[0], {**ROWS[1], "description": "Inner, left and outer joins"}, {**ROWS[2], "level": "beginner"}]
    report = service.catalog.import_file(write(tmp_path / "b.jsonl", changed))
    assert (report.added, report.updated, report.unchanged) == (0, 2, 1)
    assert report.embedded == 1  # the level change does not alter the embedded text
    assert counting.embedded == [service.courses.get("sql-2").embedding_text()]
    assert service.courses.get("sql-2").description == "Inner, left and outer joins"
    assert service.courses.get("git-1").level == "beginner"


def test_courses_missing_from_a_later_file_are_kept(empty_service, tmp_path):
    empty_service.catalog.import_file(write(tmp_path / "a.jsonl", ROWS))
    empty_service.catalog.import_file(write(tmp_path / "b.jsonl", ROWS[:1]))
    assert empty_service.courses.count() == 3


def test_dry_run_reports_but_writes_nothing(empty_service, tmp_path):
    report = empty_service.catalog.import_file(write(tmp_path / "a.jsonl", ROWS), dry_run=True)
    assert (report.added, report.dry_run) == (3, True)
    assert report.summary().startswith("dry run, nothing would be written")
    assert empty_service.courses.count() == 0
    assert len(empty_service.catalog.index.vectors) == 0


def test_every_row_is_accounted_for(empty_service, tmp_path):
    rows = [*ROWS, {"id": "bad", "title": "T", "level": "?"}, {"id": "sql-1", "title": "dup"}]
    report = empty_service.catalog.import_file(write(tmp_path / "a.jsonl", rows))
    assert report.added + report.updated + report.unchanged + report.rejected == len(rows)


def test_top_topics_are_the_most_common_first(service):
    topics = service.courses.top_topics(5)
    assert len(topics) == 5 and topics[0].lower() == "python"


def test_a_large_import_writes_in_short_transactions_and_a_rerun_changes_nothing(upnext, empty_service, engine):
    from learning.catalog.courses import Course
    from learning.store.engine import WRITE_CHUNK

    courses = [Course(id=f"c{i}", title=f"Course {i}") for i in range(2 * WRITE_CHUNK + WRITE_CHUNK // 2)]
    if engine == "postgres":  # every row carries the id of the transaction that wrote it (xmin)
        counts = empty_service.courses.upsert(courses)
        assert _rows_by_transaction(upnext.store) == [WRITE_CHUNK, WRITE_CHUNK, WRITE_CHUNK // 2]
    else:
        statements: list[str] = []
        connection = upnext.store.db.conn  # the service's own connection, to see what it runs
        connection.set_trace_callback(statements.append)
        try:
            counts = empty_service.courses.upsert(courses)
        finally:
            connection.set_trace_callback(None)
        # each transaction first reads the stored hashes of the courses it is about to write
        ids_read = [s.count("'c") for s in statements if s.startswith("SELECT id, row_hash FROM courses")]
        assert sum(s.startswith("BEGIN") for s in statements) == 3
        assert ids_read == [WRITE_CHUNK, WRITE_CHUNK, WRITE_CHUNK // 2]
    assert len(counts.added) == len(courses) and empty_service.courses.count() == len(courses)
    again = empty_service.courses.upsert(courses)
    assert (len(again.added), len(again.updated), again.unchanged) == (0, 0, len(courses))
    if engine == "postgres":  # the rerun rewrote no row
        assert _rows_by_transaction(upnext.store) == [WRITE_CHUNK, WRITE_CHUNK, WRITE_CHUNK // 2]


def _rows_by_transaction(store) -> list[int]:
    """How many courses each transaction wrote, most first (PostgreSQL)."""
    rows = store.sql.rows("SELECT count(*) FROM courses GROUP BY xmin::text ORDER BY count(*) DESC")
    return [n for (n,) in rows]


def test_an_import_stores_the_vectors_before_the_courses_that_need_them(empty_service, tmp_path):
    """Another process that sees the new courses (a web replica catching up) finds their vectors already stored."""
    in_store_while_embedding: list[object] = []
    empty_service.catalog.import_file(
        write(tmp_path / "c.jsonl", ROWS),
        on_progress=lambda done, total: in_store_while_embedding.append(empty_service.courses.get("sql-1")),
    )
    assert in_store_while_embedding and all(course is None for course in in_store_while_embedding)
    assert empty_service.catalog.index.cache.get([empty_service.courses.get("sql-1").content_hash])
