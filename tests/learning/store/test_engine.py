"""The store's seam: portable statements with named placeholders, one write transaction, the dialect's fragments."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from learning.store.engine import Store, StoreUnavailable
from tests.helpers import write_lock_held
from tests.learning.store.test_schema import PREVIOUS_RELEASE
from upnext.schema import open_store


@pytest.fixture
def where(tmp_path: Path, database_url: str | None) -> Path | str:
    return database_url or tmp_path / "upnext.db"


@pytest.fixture
def store(where: Path | str):
    store = open_store(where)
    store.sql.execute_many(
        "INSERT INTO meta (key, value) VALUES (:key, :value)", [{"key": k, "value": "1"} for k in ("ab", "cd", "ef")]
    )
    yield store
    store.close()


def test_a_list_value_binds_every_item_of_an_in_list_and_an_empty_one_matches_nothing(store: Store):
    select = "SELECT key FROM meta WHERE key IN (:keys) AND value != :not ORDER BY key"
    assert store.sql.rows(select, {"keys": ["ab", "ef", "zz"], "not": ""}) == [("ab",), ("ef",)]
    assert store.sql.rows(select, {"keys": (), "not": ""}) == []


def test_writes_count_the_rows_they_changed_and_an_insert_skipped_on_conflict_counts_nothing(store: Store):
    insert = "INSERT INTO meta (key, value) VALUES (:key, 'x') ON CONFLICT (key) DO NOTHING"
    assert store.sql.execute_many(insert, [{"key": "ab"}, {"key": "new"}, {"key": "new"}]) == 1
    assert store.sql.execute("UPDATE meta SET value = 'y' WHERE key IN (:keys)", {"keys": ["ab", "cd"]}) == 2


def test_an_insert_returns_the_new_id(store: Store):
    first = store.sql.value(
        "INSERT INTO answers (learner_id, kind, payload, created_at) VALUES ('U1', 'next', '{}', 'now') RETURNING id"
    )
    second = store.sql.value(
        "INSERT INTO answers (learner_id, kind, payload, created_at) VALUES ('U1', 'next', '{}', 'now') RETURNING id"
    )
    assert second == first + 1 and store.sql.value("SELECT count(*) FROM answers") == 2


def test_a_transaction_that_fails_leaves_nothing_of_its_writes(store: Store):
    with pytest.raises(RuntimeError), store.transaction() as sql:
        sql.execute("DELETE FROM meta WHERE key = 'ab'")
        store.sql.execute("DELETE FROM meta WHERE key = 'cd'")  # the thread's statements are part of it
        raise RuntimeError("half way")
    assert store.sql.value("SELECT count(*) FROM meta WHERE key IN (:keys)", {"keys": ["ab", "cd"]}) == 2


def test_a_transaction_opened_inside_another_on_the_same_thread_is_part_of_it(store: Store):
    """A repository's own transaction (saving an installation) inside a caller's (a token refresh holding its row)
    commits or rolls back with the caller's, on either engine."""
    with pytest.raises(RuntimeError), store.transaction():
        store.sql.execute("DELETE FROM meta WHERE key = 'ab'")
        with store.transaction() as inner:
            inner.execute("DELETE FROM meta WHERE key = 'cd'")
        raise RuntimeError("after the inner one ended")
    assert store.sql.value("SELECT count(*) FROM meta WHERE key IN (:keys)", {"keys": ["ab", "cd"]}) == 2
    with store.transaction():
        with store.transaction() as inner:
            inner.execute("DELETE FROM meta WHERE key = 'ab'")
        store.sql.execute("DELETE FROM meta WHERE key = 'cd'")
    assert store.sql.value("SELECT count(*) FROM meta WHERE key IN (:keys)", {"keys": ["ab", "cd"]}) == 0


def test_a_write_outside_a_transaction_is_committed_at_once(store: Store, where: Path | str):
    store.sql.execute("UPDATE meta SET value = 'seen' WHERE key = 'ab'")
    other = open_store(where)
    try:
        assert other.sql.value("SELECT value FROM meta WHERE key = 'ab'") == "seen"
    finally:
        other.close()


def test_the_dialect_spells_days_later_the_week_and_a_json_value_as_the_reports_do(store: Store):
    at, dialect = "'2026-03-05T10:20:30+00:00'", store.dialect
    assert store.sql.value(f"SELECT {dialect.plus_days(at, 14)}") == "2026-03-19T10:20:30+00:00"
    assert store.sql.value(f"SELECT {dialect.week_start(at)}") == "2026-03-02"  # a Thursday's Monday
    assert store.sql.value(f"SELECT {dialect.week_start(repr('2026-03-02T00:00:00+00:00'))}") == "2026-03-02"
    payload = """'{"context": {"query": "sql", "top_similarity": 0.4}}'"""
    assert store.sql.value(f"SELECT {dialect.json_value(payload, 'context', 'query')}") == "sql"
    assert store.sql.value(f"SELECT {dialect.json_value(payload, 'context', 'missing')}") is None
    similarity = dialect.json_number(payload, "context", "top_similarity")
    assert store.sql.value(f"SELECT coalesce({similarity}, 0) < :cut", {"cut": 0.5}) == 1  # True on PostgreSQL
    assert store.sql.value(f"SELECT {dialect.json_number(payload, 'context', 'missing')}") is None
    topics_json = """'["a", "b"]'"""
    topics = store.sql.rows(f"SELECT t.value FROM {dialect.json_items(topics_json, 't')}")
    assert topics == [("a",), ("b",)]


def test_a_write_lock_held_past_the_busy_timeout_makes_the_store_unavailable_not_broken(tmp_path: Path, engine):
    if engine != "sqlite":
        pytest.skip("SQLite's file-wide write lock")
    store = open_store(tmp_path / "upnext.db", busy_timeout=0.1)
    with write_lock_held(tmp_path / "upnext.db"):
        with pytest.raises(StoreUnavailable, match="unavailable"):
            store.set_meta("k", "v")
        with pytest.raises(StoreUnavailable), store.transaction() as sql:
            sql.execute("DELETE FROM meta")
        assert store.get_meta("k") is None  # reading goes on meanwhile
    store.set_meta("k", "v")
    assert store.get_meta("k") == "v"
    store.close()


def test_a_store_to_migrate_while_another_process_holds_its_write_lock_is_unavailable_not_foreign(
    tmp_path: Path, engine
):
    if engine != "sqlite":
        pytest.skip("SQLite's file-wide write lock")
    path = tmp_path / "upnext.db"
    shutil.copy(PREVIOUS_RELEASE, path)
    with write_lock_held(path), pytest.raises(StoreUnavailable, match="unavailable"):
        open_store(path, busy_timeout=0.1)
    open_store(path).close()  # and migrated once it is free
