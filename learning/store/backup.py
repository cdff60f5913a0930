"""Backups of the store: a consistent copy while the app runs, and putting one back safely.

`backup` uses SQLite's online backup API in one step, which reads one snapshot of the database (in WAL mode a
reader never blocks the writers), so the copy is consistent however busy the app is. `restore` checks the file
first, then replaces the store only while nothing holds it open (see `learning.store.engine.lock_path`).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from learning.store.engine import MIGRATIONS, lock_path


class BackupError(RuntimeError):
    """A backup or restore that must not go ahead; the message is one line for the operator."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    seconds: float

    def __str__(self) -> str:
        return f"backed up to {self.path} ({self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s)"


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy `source` into a single self-contained file at `target`, atomically (a temporary file, then rename)."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # no -wal file beside the copy
        finally:
            copy.close()
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def backup(database: Path, target: Path) -> BackupReport:
    if not database.is_file():
        raise BackupError(f"no store at {database} (is UPNEXT_HOME right?)")
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    source = sqlite3.connect(database, timeout=30)
    try:
        _copy(source, target)
    finally:
        source.close()
    return BackupReport(target, target.stat().st_size, time.perf_counter() - started)


def problems(path: Path) -> list[str]:
    """What is wrong with the database file at `path` for this Upnext: corruption, or a schema it cannot use.
    Opened read-only; an empty list means it is sound."""
    if not path.is_file():
        return [f"{path}: no such file"]
    try:
        conn = _read_only(path)
        try:
            found = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return [f"{path}: {error}"]
    if found != ["ok"]:
        return [f"{path}: {line}" for line in found]
    if version == 0 or "courses" not in tables:
        return [f"{path}: not an Upnext store"]
    if version > len(MIGRATIONS):
        return [f"{path}: schema version {version} is newer than this Upnext's {len(MIGRATIONS)}"]
    return []


def restore(source: Path, database: Path) -> None:
    """Replace the store at `database` with the backup at `source`, which is checked first. Refuses while any
    process has the store open. The restored store is migrated forward by the next start if it is older."""
    found = problems(source)
    if found:
        raise BackupError(f"refusing to restore: {found[0]}")
    database.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path(database), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                f"refusing to restore: an Upnext server, clock or command is using {database}; stop it first"
            ) from None
        staged = database.with_name(database.name + ".restoring")
        reader = _read_only(source)
        try:
            _copy(reader, staged)
        finally:
            reader.close()
        for leftover in ("-wal", "-shm"):  # the old store's journal must never be applied to the restored one
            database.with_name(database.name + leftover).unlink(missing_ok=True)
        os.replace(staged, database)
