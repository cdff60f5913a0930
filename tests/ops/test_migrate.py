"""`upnext migrate`: an existing SQLite store (one made by an earlier release) moved into an empty PostgreSQL database
with every row of every table, ids kept, so the next id PostgreSQL hands out follows the copied ones; a database that
already holds Upnext data is refused with one line."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg

from tests.conftest import DATA
from tests.postgres import PASSWORD
from upnext.schema import open_store


def upnext(home: Path, database_url: str, *args: str, path: str | None = None) -> subprocess.CompletedProcess:
    """`upnext ARGS` on UPNEXT_HOME `home` and `database_url` (with PATH `path`, when given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "UPNEXT_", "DATABASE_"))}
    env.update({"UPNEXT_HOME": str(home), "DATABASE_URL": database_url, **({"PATH": path} if path else {})})
    command = [str(Path(sys.executable).with_name("upnext")), *args]
    return subprocess.run(command, env=env,
                          capture_output=True, text=True, timeout=300, cwd=home)  # fmt: skip


def test_migrate_moves_every_row_of_an_earlier_releases_store_into_an_empty_postgresql(tmp_path, postgres):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(DATA / "store-0e63be3.db", home / "upnext.db")
    with sqlite3.connect(home / "upnext.db") as old:  # more events than one chunk of the copy
        old.execute("INSERT INTO events (learner_id, course_id, kind, value, at, source) "
                    "SELECT learner_id, course_id, kind, value, strftime('%Y-%m-%dT%H:%M:%S+00:00', at, "
                    "'-' || i || ' minutes'), source FROM events, (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                    "SELECT i + 1 FROM n WHERE i < 1500) SELECT i FROM n)")  # fmt: skip
    old.close()
    url = postgres.create_database("migrated")

    done = upnext(home, url, "migrate")
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr

    source = sqlite3.connect(home / "upnext.db")  # brought to this release's schema by the migration
    tables = [t for (t,) in source.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                           "'sqlite_%' AND name NOT LIKE 'courses_fts%'")]  # fmt: skip
    expected = {t: source.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables if t != "meta"}
    assert all(expected[t] for t in ("courses", "course_vectors", "learners", "events", "answers"))
    with psycopg.connect(url) as target:
        copied = {t: target.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in expected}
        assert copied == expected
        for table, key in (("events", "id"), ("answers", "id"), ("courses", "num"), ("nudges", "id")):
            ids = [i for (i,) in source.execute(f"SELECT {key} FROM {table} ORDER BY {key}")]
            assert [i for (i,) in target.execute(f"SELECT {key} FROM {table} ORDER BY {key}")] == ids
            following = target.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, key]).fetchone()[0]
            assert following > max(ids, default=0)
    for table, count in expected.items():
        assert f"{table}: {count} row" in done.stdout

    again = upnext(home, url, "migrate")
    assert again.returncode == 2 and again.stderr.count("\n") == 1
    assert "already holds Upnext data" in again.stderr and PASSWORD not in again.stderr


def test_migrate_refuses_while_upnext_uses_the_sqlite_store(tmp_path, postgres):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(DATA / "store-0e63be3.db", home / "upnext.db")
    url = postgres.create_database("while_serving")
    serving = open_store(home / "upnext.db")  # as a web process or clock holds it
    try:
        refused = upnext(home, url, "migrate")
    finally:
        serving.close()
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "refusing to migrate" in refused.stderr and "stop it first" in refused.stderr
    with psycopg.connect(url) as target:
        assert target.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
