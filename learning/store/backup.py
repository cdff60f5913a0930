"""Backups of the store: a consistent copy while the app runs, and putting one back safely.

`backup` uses SQLite's online backup API in one step, which reads one snapshot of the database (in WAL mode a
reader never blocks the writers), so the copy is consistent however busy the app is. It writes a new file, or
replaces one only if it is a regular file holding a backup Upnext made (marked in the SQLite header's
application id): never a device, FIFO, symlink, directory or any other file. `restore` checks the file is an
Upnext store first, then replaces the store only while nothing holds it open (see `learning.store.engine.lock_path`),
after folding the old store's write-ahead log into it (`_settle_journal`), and where a symbolic link points.
Both write a temporary file beside the target and rename it into place, so the target is whole or untouched.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from learning.store.engine import StoreError
from learning.store.sqlite import lock_path, verify_schema

BACKUP_MARK = 0x55504E42  # "UPNB" in PRAGMA application_id: a file `upnext backup` wrote (a restored store has 0)
SQLITE_HEADER = b"SQLite format 3\x00"
APPLICATION_ID_AT = 68  # offset of the application id in the SQLite header (big-endian)


class BackupError(RuntimeError):
    """A backup or restore that must not go ahead; the message is one line for the operator."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    seconds: float

    def __str__(self) -> str:
        return f"backed up to {self.path} ({self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s)"


def _reason(error: OSError | sqlite3.Error) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)


def _copy(source: sqlite3.Connection, target: Path, mark: int, still_replaceable: Callable[[], None]) -> None:
    """Copy `source` into a single self-contained file at `target` with this application id: a new temporary file
    (owner-only) in the target's folder, then `still_replaceable()` and an atomic rename."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:100]}.", suffix=".partial")
    os.close(handle)
    partial = Path(name)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute(f"PRAGMA application_id = {mark}")
            copy.execute("PRAGMA journal_mode = DELETE")  # no -wal file beside the copy
        finally:
            copy.close()
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        still_replaceable()
        os.replace(partial, target)
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a power cut
        finally:
            os.close(folder)
    finally:
        partial.unlink(missing_ok=True)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def header(path: Path) -> bytes:
    """The first 100 bytes of the regular file at `path` (read without following a link or blocking); b"" for
    anything else."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return b""
    try:
        return os.read(handle, 100) if stat.S_ISREG(os.fstat(handle).st_mode) else b""
    finally:
        os.close(handle)


def _made_by_backup(path: Path) -> bool:
    """Whether the regular file at `path` carries the backup mark."""
    first = header(path)
    mark = int.from_bytes(first[APPLICATION_ID_AT : APPLICATION_ID_AT + 4], "big")
    return first.startswith(SQLITE_HEADER) and mark == BACKUP_MARK


KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO",
         stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket"}  # fmt: skip


def check_replaceable(target: Path, database: Path | None, made_by_backup: Callable[[Path], bool] = _made_by_backup):
    """Nothing at `target`, or a backup Upnext made (as `made_by_backup` tells); otherwise BackupError naming what
    is there."""
    try:
        found = target.lstat()
    except FileNotFoundError:
        return
    except OSError as error:  # e.g. a path through a file
        raise BackupError(f"cannot write the backup {target}: {_reason(error)}") from None
    kind = KINDS.get(stat.S_IFMT(found.st_mode))
    if kind is None and database is not None and database.exists() and os.path.samefile(target, database):
        kind = "the store itself"
    if kind is None and not made_by_backup(target):
        kind = "not a backup made by Upnext"
    if kind is not None:
        raise BackupError(f"refusing to replace {target}: it is {kind} (choose a new file name, or remove it first)")


def backup(database: Path, target: Path) -> BackupReport:
    if not database.is_file():
        raise BackupError(f"no store at {database} (is UPNEXT_HOME right?)")
    check_replaceable(target, database)
    started = time.perf_counter()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(database, timeout=30)
        try:
            _copy(source, target, BACKUP_MARK, lambda: check_replaceable(target, database))
        finally:
            source.close()
        size = target.stat().st_size
    except (OSError, sqlite3.Error) as error:
        raise BackupError(f"cannot write the backup {target}: {_reason(error)}") from None
    return BackupReport(target, size, time.perf_counter() - started)


def problems(path: Path, migrations: Sequence[str]) -> list[str]:
    """What is wrong with the database file at `path` for this Upnext: not a regular file, corruption, or not an
    Upnext store of a schema version it can use (every table, column, index and trigger that version has). Opened
    read-only; an empty list means it is sound."""
    if not path.is_file():
        return [f"{path}: {'not a regular file' if path.exists() else 'no such file'}"]
    try:
        conn = _read_only(path)
        try:
            found = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if found != ["ok"]:
                return [f"{path}: {line}" for line in found]
            if verify_schema(conn, path, migrations) == 0:
                return [f"{path} is not an Upnext store (it has no Upnext schema)"]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        return [f"{path} is not an Upnext store ({error})"]
    except StoreError as error:
        return [str(error)]
    return []


@contextmanager
def sole_use(database: Path, what: str) -> Iterator[None]:
    """The store's lock held exclusively meanwhile; BackupError at once when a server, clock or command has it open."""
    with open(lock_path(database), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                f"refusing to {what}: an Upnext server, clock or command is using {database}; stop it first"
            ) from None
        yield


def restore(source: Path, database: Path, migrations: Sequence[str]) -> None:
    """Replace the store at `database` with the backup at `source`, which is checked first. Refuses while any
    process has the store open. The restored store is migrated forward by the next start if it is older. Where
    `database` is a symbolic link, the store it points to is replaced and the link kept.

    Crash-safe: the old store's write-ahead log is checkpointed into it first (a store that cannot be opened any
    more keeps its log beside it under another name), so no step leaves the old store without a write it
    committed, and no log is left for SQLite to apply to the restored file."""
    found = problems(source, migrations)
    if found:
        raise BackupError(f"refusing to restore: {found[0]}")
    target = database.resolve()
    if target.exists() and not target.is_file():
        raise BackupError(f"refusing to restore: {database} is not a regular file")
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        with sole_use(database, "restore"):
            _settle_journal(target)
            reader = _read_only(source)
            try:
                _copy(reader, target, 0, lambda: None)
            finally:
                reader.close()
            _journal(target, "-shm").unlink(missing_ok=True)  # the old wal-index: rebuilt by the next open anyway
    except (OSError, sqlite3.Error) as error:
        raise BackupError(f"cannot restore into {database}: {_reason(error)}") from None


def _journal(database: Path, suffix: str) -> Path:
    return database.with_name(database.name + suffix)


def _settle_journal(database: Path) -> None:
    """Leave no write-ahead log beside `database` while keeping every write it holds: checkpointed into the store
    (its last connection closing removes the log), or, for a store SQLite can no longer open, kept aside as
    `<name>-wal.before-restore` (SQLite never reads that name) for whoever wants to recover from it."""
    wal = _journal(database, "-wal")
    if not wal.exists():
        return
    try:
        conn = sqlite3.connect(database)
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:  # locked or busy: another program has it open
        busy = 1
    except sqlite3.DatabaseError:  # not a database any more (damaged): its log is all there is of its last writes
        os.replace(wal, _journal(database, "-wal.before-restore"))
        return
    if busy:
        raise BackupError(f"refusing to restore: another program has {database} open; stop it first")
    wal.unlink(missing_ok=True)  # empty, if its last connection closing did not remove it
