"""Backups: a copy taken while the app writes is consistent, restores cleanly and passes `upnext check`; restore
refuses a damaged file and a store in use; check repairs what is derived from the courses."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config import Settings
from learning.service import LearningService
from learning.store.backup import BackupError, backup, restore
from learning.store.engine import Store
from upnext.build import build
from upnext.cli import main


def _check(settings: Settings, encoder) -> list[str]:
    upnext = build(settings, encoder=encoder, prepare=False)
    try:
        return upnext.check().lines()
    finally:
        upnext.close()


def test_a_backup_taken_during_writes_restores_to_a_store_that_passes_check(
    service: LearningService, settings: Settings, encoder, tmp_path: Path
):
    course = service.courses.many_by_num([1])[1]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    writing, written = threading.Event(), []

    def write() -> None:
        while not writing.is_set() or len(written) < 50:
            n = len(written)
            service.history.record(f"U{n:05d}", course.id, "started", at=start + timedelta(seconds=n))
            written.append(n)

    writer = threading.Thread(target=write)
    writer.start()
    while len(written) < 20:
        time.sleep(0.001)
    copy = backup(settings.database_path, tmp_path / "backup.db")
    writing.set()
    writer.join()

    restored = replace(settings, home=tmp_path / "restored")
    restore(copy.path, restored.database_path)
    events = sqlite3.connect(restored.database_path).execute("SELECT count(*) FROM events").fetchone()[0]
    assert 20 <= events <= len(written)  # a consistent snapshot: some prefix of the writes, nothing torn
    assert _check(restored, encoder)[-1] == "store ok after 1 repair(s)"  # the index file is not in the backup
    assert _check(restored, encoder) == ["store ok"]


def test_restore_refuses_a_damaged_file_and_keeps_the_store(service: LearningService, settings: Settings, tmp_path):
    service.close()
    damaged = tmp_path / "damaged.db"
    backup(settings.database_path, damaged)
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = b"\xff" * 4096
    damaged.write_bytes(bytes(data))
    not_a_store = tmp_path / "notes.txt"
    not_a_store.write_text("hello")
    courses = service.courses.count()

    for bad in (damaged, not_a_store, tmp_path / "missing.db"):
        with pytest.raises(BackupError, match="refusing to restore"):
            restore(bad, settings.database_path)
    assert sqlite3.connect(settings.database_path).execute("SELECT count(*) FROM courses").fetchone()[0] == courses


def test_restore_refuses_while_the_store_is_open(service: LearningService, settings: Settings, tmp_path: Path):
    copy = backup(settings.database_path, tmp_path / "backup.db")
    with pytest.raises(BackupError, match="is using"):
        restore(copy.path, settings.database_path)
    service.close()
    restore(copy.path, settings.database_path)


def test_check_rebuilds_a_damaged_keyword_index_and_missing_vectors(service: LearningService, settings, encoder):
    store = Store(settings.database_path)
    store.db.execute("DELETE FROM course_vectors WHERE rowid IN (SELECT rowid FROM course_vectors LIMIT 3)")
    store.db.execute("INSERT INTO courses_fts(rowid, title) VALUES (9999, 'phantom')")  # FTS out of step with courses
    store.close()
    service.close()

    lines = _check(settings, encoder)

    assert "repaired: keyword index rebuilt from the courses" in lines
    assert "repaired: 3 course vector(s) missing or malformed: embedded again" in lines
    assert _check(settings, encoder) == ["store ok"]


def test_backup_and_restore_commands(service: LearningService, settings: Settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("UPNEXT_HOME", str(settings.home))
    monkeypatch.chdir(tmp_path)
    assert main(["backup", str(tmp_path / "nightly.db")]) == 0
    assert "backed up to" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "nightly.db")]) == 2  # the service fixture holds the store
    assert "stop it first" in capsys.readouterr().err


def test_restore_refuses_while_a_server_runs_and_works_once_it_stopped(
    start_upnext, service: LearningService, settings: Settings, tmp_path: Path
):
    copy = backup(settings.database_path, tmp_path / "backup.db")
    service.close()  # only the server holds the store now
    upnext = start_upnext()

    with pytest.raises(BackupError, match="is using"):
        restore(copy.path, settings.database_path)
    assert upnext.terminate() == 0
    restore(copy.path, settings.database_path)
