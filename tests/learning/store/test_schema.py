"""Schema versions: older stores are brought forward in one transaction keeping every row; newer ones are refused."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from learning.store.engine import NewerStoreError
from learning.store.sqlite import migrate
from upnext.cli import main
from upnext.schema import MIGRATIONS, OWNERS, open_store

PREVIOUS_RELEASE = Path(__file__).parents[2] / "data" / "store-0e63be3.db"  # scripts/make_schema_fixture.py


def _rows(path: Path) -> dict[str, list[dict]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    tables = [
        name
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE '%VIRTUAL%'")
        if not name.startswith(("sqlite_", "courses_fts"))
    ]
    rows = {table: [dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1")] for table in tables}
    conn.close()
    return rows


def test_a_store_from_the_previous_release_upgrades_keeping_every_row(tmp_path: Path):
    path = tmp_path / "upnext.db"
    shutil.copy(PREVIOUS_RELEASE, path)
    before = _rows(path)
    assert sum(map(len, before.values())) >= 10

    store = open_store(path)
    assert store.schema_version == len(MIGRATIONS)
    after = _rows(path)
    for table, rows in before.items():
        kept = [{column: row[column] for column in rows[0]} for row in after[table]]
        assert kept == rows, table
    found = store.db.execute(
        "SELECT id FROM courses_fts JOIN courses ON num = courses_fts.rowid WHERE courses_fts MATCH 'friends' "
        "ORDER BY id"
    )
    assert found.fetchall() == [("c1",), ("c2",), ("c3",)]  # the keyword index came along
    store.close()


def test_pending_migrations_run_in_one_transaction(tmp_path: Path):
    conn = sqlite3.connect(tmp_path / "store.db")
    broken = ["CREATE TABLE first (x);", "CREATE TABLE second (y);", "CREATE TABLE first (again);"]

    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, broken)

    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    migrate(conn, broken[:2])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_store_from_a_newer_release_is_refused_with_one_line(tmp_path: Path, monkeypatch, capsys):
    path = tmp_path / "upnext.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()

    with pytest.raises(NewerStoreError, match="newer than this Upnext"):
        open_store(path)
    monkeypatch.setenv("UPNEXT_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    message = capsys.readouterr().err
    assert message.count("\n") == 1 and f"schema version {len(MIGRATIONS) + 1}" in message


def test_each_owner_declares_only_its_own_tables_and_no_table_has_two_owners():
    created: list[str] = []
    for steps in OWNERS:
        ddl = "\n".join(steps.values())
        own = re.findall(r"CREATE (?:VIRTUAL )?TABLE (\w+)", ddl)
        changed = re.findall(r"(?m)(?:ALTER TABLE|^\s*UPDATE|INDEX \w+ ON) (\w+)", ddl)
        assert set(changed) <= set(own), f"{own} changes {set(changed) - set(own)}"
        created += own
    assert len(created) == len(set(created)) and set(created) >= {"courses", "learners", "events", "admin_tokens"}
