"""Backups: a copy taken while the app writes is consistent, restores cleanly and passes `upnext check`; restore
refuses a damaged file and a store in use; check repairs what is derived from the courses."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config import Settings
from embeddings.encoder import load_multilingual
from learning.service import LearningService
from learning.store.backup import BackupError, backup, restore
from upnext.build import build
from upnext.cli import main
from upnext.schema import MIGRATIONS, open_store


def _check(settings: Settings, encoder) -> list[str]:
    upnext = build(settings, encoder=encoder, prepare=False, multilingual=load_multilingual())
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
    restore(copy.path, restored.database_path, MIGRATIONS)
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
            restore(bad, settings.database_path, MIGRATIONS)
    assert sqlite3.connect(settings.database_path).execute("SELECT count(*) FROM courses").fetchone()[0] == courses


def test_restore_refuses_while_the_store_is_open(service: LearningService, settings: Settings, tmp_path: Path):
    copy = backup(settings.database_path, tmp_path / "backup.db")
    with pytest.raises(BackupError, match="is using"):
        restore(copy.path, settings.database_path, MIGRATIONS)
    service.close()
    restore(copy.path, settings.database_path, MIGRATIONS)


def test_check_rebuilds_a_damaged_keyword_index_and_missing_vectors(service: LearningService, settings, encoder):
    store = open_store(settings.database_path)
    three = "SELECT DISTINCT content_hash FROM courses LIMIT 3"  # each model's vector of three courses
    store.db.execute(f"DELETE FROM course_vectors WHERE content_hash IN ({three})")
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
        restore(copy.path, settings.database_path, MIGRATIONS)
    assert upnext.terminate() == 0
    restore(copy.path, settings.database_path, MIGRATIONS)


# -- what the commands refuse: one line on stderr, exit 2, and nothing at the target or in the store changed --------

PREVIOUS_RELEASE = Path(__file__).parent.parent / "data" / "store-0e63be3.db"  # schema version 4


def _run(start_upnext, *args: str, home: Path | None = None) -> tuple[int, list[str]]:
    """`upnext ARGS` as a real process to its end: the exit status and every line it printed."""
    env = {"UPNEXT_HOME": str(home)} if home else None
    done = start_upnext(*args, env=env, healthy=False)
    return done.process.wait(60), done.log.splitlines()


def _refused(start_upnext, *args: str, home: Path | None = None) -> str:
    status, lines = _run(start_upnext, *args, home=home)
    assert status == 2 and len(lines) == 1, lines
    return lines[0]


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _symlink_to_a_file_of_ours(path: Path) -> None:
    (path.parent / "precious.txt").write_text("keep me")
    path.symlink_to(path.parent / "precious.txt")


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "inside.txt").write_text("keep me")


def _device(path: Path) -> None:
    """A character device node with /dev/null's numbers, in the test's own folder (never a real /dev path)."""
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))


def _snapshot(path: Path) -> tuple:
    """What is at `path` (not following links): its type, device numbers, link target and content."""
    found = path.lstat()
    kind = stat.S_IFMT(found.st_mode)
    return (kind, found.st_rdev, found.st_ino,
            os.readlink(path) if path.is_symlink() else None,
            sorted(p.name for p in path.iterdir()) if stat.S_ISDIR(found.st_mode) else None)  # fmt: skip


@pytest.mark.parametrize("make", [_fifo, _symlink_to_a_file_of_ours, _directory, _device])
def test_backup_never_replaces_a_fifo_a_symlink_a_directory_or_a_device(start_upnext, service, tmp_path, make):
    service.close()
    target = tmp_path / "target"
    make(target)
    before = _snapshot(target)

    line = _refused(start_upnext, "backup", str(target))

    assert line.startswith("error: refusing to replace") and str(target) in line
    assert _snapshot(target) == before
    if (tmp_path / "precious.txt").exists():
        assert (tmp_path / "precious.txt").read_text() == "keep me"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".target")]  # no temporary file left behind


def test_backup_replaces_a_backup_it_made_but_no_other_file(start_upnext, service, settings, tmp_path):
    service.close()
    nightly = tmp_path / "nightly.db"
    assert _run(start_upnext, "backup", str(nightly))[0] == 0
    assert _run(start_upnext, "backup", str(nightly))[0] == 0  # the same name every night
    assert stat.S_IMODE(nightly.stat().st_mode) == 0o600  # a backup holds personal data: its owner's only
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    live_copy = tmp_path / "copy-of-the-store.db"
    shutil.copy(settings.database_path, live_copy)  # an Upnext database, but not a backup Upnext made
    before = live_copy.read_bytes()

    assert "not a backup made by Upnext" in _refused(start_upnext, "backup", str(notes))
    assert "not a backup made by Upnext" in _refused(start_upnext, "backup", str(live_copy))
    assert notes.read_text() == "keep me" and live_copy.read_bytes() == before
    assert "the store itself" in _refused(start_upnext, "backup", str(settings.database_path))


def test_backup_to_an_impossible_place_says_why_in_one_line(start_upnext, service, tmp_path):
    service.close()
    (tmp_path / "a-file").write_text("not a folder")
    for target in (
        tmp_path / "a-file" / "backup.db",  # a path through a file
        Path("/proc/upnext-test/backup.db"),  # a folder that cannot be made
        tmp_path / ("x" * 300 + ".db"),  # a name longer than the file system allows
    ):
        line = _refused(start_upnext, "backup", str(target))
        assert line.startswith("error: cannot write the backup"), line
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("upnext-")) == ["a-file", "home"]


def _look_alike(path: Path, version: int = len(MIGRATIONS)) -> Path:
    """A SQLite file with one `courses` table at an Upnext schema version: not an Upnext store."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE courses (id TEXT)")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    return path


def _without_an_index(backup_file: Path) -> Path:
    conn = sqlite3.connect(backup_file)
    conn.execute("DROP INDEX events_course")
    conn.close()
    return backup_file


def test_restore_refuses_a_file_that_is_not_an_upnext_store_and_keeps_the_store(start_upnext, service, settings,
                                                                                  tmp_path):  # fmt: skip
    courses = service.courses.count()
    copy = backup(settings.database_path, tmp_path / "copy.db").path
    service.close()
    older = tmp_path / "older.db"
    shutil.copy(PREVIOUS_RELEASE, older)
    conn = sqlite3.connect(older)
    conn.execute("DROP TABLE answers")  # version 4 had answers since version 3
    conn.close()

    for bad in (_look_alike(tmp_path / "look-alike.db"), _look_alike(tmp_path / "old-look-alike.db", 4),
                _without_an_index(copy), older):  # fmt: skip
        line = _refused(start_upnext, "restore", str(bad))
        assert line.startswith("error: refusing to restore") and "not an Upnext store" in line, line
    conn = sqlite3.connect(settings.database_path)
    assert conn.execute("SELECT count(*) FROM courses").fetchone()[0] == courses


def test_restore_accepts_a_store_from_the_previous_release(start_upnext, service, settings, tmp_path):
    service.close()
    status, lines = _run(start_upnext, "restore", str(PREVIOUS_RELEASE))
    assert status == 0, lines
    assert open_store(settings.database_path).schema_version == len(MIGRATIONS)  # migrated forward on open


@pytest.mark.parametrize("content", ["look-alike", "text", "empty", "missing"])
def test_check_on_something_that_is_not_an_upnext_store_says_so_in_one_line(start_upnext, service, tmp_path,
                                                                           content):  # fmt: skip
    home = tmp_path / "other-home"
    home.mkdir()
    store = home / "upnext.db"
    if content == "look-alike":
        _look_alike(store)
    elif content == "text":
        store.write_text("hello, I am not a database\n" * 10)
    elif content == "empty":
        store.touch()
    before = store.read_bytes() if store.exists() else None

    line = _refused(start_upnext, "check", home=home)

    assert "not an Upnext store" in line or "no Upnext store" in line, line
    assert (store.read_bytes() if store.exists() else None) == before


# -- restore and the old store's write-ahead log, and a store path that is a symbolic link --------------------------

AFTER_BACKUP = "UWRITTENAFTER"  # a learner committed to the old store after the backup, still only in its WAL


def _commit_into_the_wal_and_die(database: Path) -> None:
    """A writer that commits a row and dies without a checkpoint (a crashed server): the row is only in the -wal."""
    script = (
        "import os, sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "conn.execute('PRAGMA journal_mode = WAL'); conn.execute('PRAGMA wal_autocheckpoint = 0')\n"
        "conn.execute(\"INSERT INTO learners (slack_id, created_at) VALUES (?, '2026-01-01')\", (sys.argv[2],))\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(database), AFTER_BACKUP], check=True, timeout=60)
    assert database.with_name(database.name + "-wal").stat().st_size > 0


def _restore_dying_at_the_rename(source: Path, database: Path) -> int:
    """`restore` in a real process that dies (as if killed) just as it would rename the new store into place."""
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from learning.store.backup import restore\n"
        "from upnext.schema import MIGRATIONS\n"
        "os.replace = lambda *args, **kwargs: os._exit(9)\n"
        "restore(Path(sys.argv[1]), Path(sys.argv[2]), MIGRATIONS)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    return subprocess.run([sys.executable, "-c", script, str(source), str(database)], env=env, timeout=120).returncode


def _learners(database: Path) -> set[str]:
    conn = sqlite3.connect(database)
    try:
        return {row[0] for row in conn.execute("SELECT slack_id FROM learners")}
    finally:
        conn.close()


def test_a_restore_that_dies_before_its_rename_leaves_the_old_store_with_every_committed_write(
    service: LearningService, settings: Settings, tmp_path: Path
):
    copy = backup(settings.database_path, tmp_path / "backup.db").path
    service.close()
    _commit_into_the_wal_and_die(settings.database_path)
    assert _restore_dying_at_the_rename(copy, settings.database_path) == 9
    assert AFTER_BACKUP in _learners(settings.database_path)


def test_a_restored_store_never_takes_in_the_old_store_s_write_ahead_log(
    service: LearningService, settings: Settings, tmp_path: Path
):
    copy = backup(settings.database_path, tmp_path / "backup.db").path
    service.close()
    _commit_into_the_wal_and_die(settings.database_path)
    restore(copy, settings.database_path, MIGRATIONS)
    assert _learners(settings.database_path) == _learners(copy)
    assert open_store(settings.database_path).integrity_problems() == []


def test_restore_writes_where_a_symlinked_store_path_points_and_keeps_the_link(
    start_upnext, service: LearningService, settings: Settings, tmp_path: Path
):
    copy = backup(settings.database_path, tmp_path / "backup.db").path
    service.history.record(AFTER_BACKUP, service.courses.many_by_num([1])[1].id, "started")  # not in the backup
    service.close()
    elsewhere = tmp_path / "bigger-disk" / "upnext.db"
    elsewhere.parent.mkdir()
    os.replace(settings.database_path, elsewhere)
    settings.database_path.symlink_to(elsewhere)

    status, lines = _run(start_upnext, "restore", str(copy))

    assert status == 0, lines
    assert settings.database_path.is_symlink() and settings.database_path.resolve() == elsewhere
    assert _learners(elsewhere) == _learners(copy)


def test_restore_over_a_store_sqlite_cannot_open_keeps_its_log_aside_and_restores(
    service: LearningService, settings: Settings, tmp_path: Path
):
    copy = backup(settings.database_path, tmp_path / "backup.db").path
    service.close()
    _commit_into_the_wal_and_die(settings.database_path)
    wal = settings.database_path.with_name("upnext.db-wal")
    log = wal.read_bytes()
    settings.database_path.write_bytes(b"\xff" * 8192)  # the store itself is damaged beyond opening
    restore(copy, settings.database_path, MIGRATIONS)
    assert not wal.exists() and wal.with_name("upnext.db-wal.before-restore").read_bytes() == log
    assert _learners(settings.database_path) == _learners(copy)
