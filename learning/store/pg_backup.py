"""Backups of a PostgreSQL store with PostgreSQL's own tools: `pg_dump` in its custom format, `pg_restore` back.

pg_dump reads one snapshot of the database in a single repeatable-read transaction, so the dump is consistent while
the web replicas and the clock keep writing. It is written beside the target and renamed into place; a file is
replaced only when it is an earlier dump. A restore goes only into an empty database (one transaction, so a failed
restore leaves it empty); the next start brings an older dump's schema forward. The password reaches the tools as
PGPASSWORD in their environment, never on their command line (other users can list those) or in a message. Where
PostgreSQL's client tools are not installed the command says so in one line: the platform's own backups of the
database are then the route (README, Backups).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from learning.store.backup import BackupError, BackupReport, check_replaceable, header
from learning.store.postgres import masked, reach

DUMP_HEADER = b"PGDMP"  # the first bytes of pg_dump's custom format


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install PostgreSQL's client tools (Debian: postgresql-client), "
                          "or rely on your platform's backups of the database (README, Backups)")  # fmt: skip
    return found


def _without_password(url: str) -> tuple[str, dict[str, str]]:
    """The URL the tools are given, and their environment carrying the password."""
    parts = urlsplit(url)
    environment = dict(os.environ)
    if parts.password is not None:
        environment["PGPASSWORD"] = unquote(parts.password)
        host = parts.netloc.rsplit("@", 1)[1]
        url = urlunsplit(parts._replace(netloc=f"{parts.username}@{host}" if parts.username else host))
    return url, environment


def _run(tool: str, url: str, *args: str) -> None:
    address, environment = _without_password(url)
    done = subprocess.run([_tool(tool), *args, f"--dbname={address}"], env=environment, capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode:
        why = " ".join((done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1].split())
        raise BackupError(f"{tool} failed on DATABASE_URL {masked(url)}: {why}")


def _is_dump(path: Path) -> bool:
    return header(path).startswith(DUMP_HEADER)


def pg_backup(url: str, target: Path) -> BackupReport:
    """A consistent dump of the database at `url` in `target`, while Upnext may be serving."""
    _tool("pg_dump")
    reach(url).close()
    check_replaceable(target, None, _is_dump)
    started = time.perf_counter()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:100]}.", suffix=".partial")
        os.close(handle)
    except OSError as error:
        raise BackupError(f"cannot write the backup {target}: {error.strerror}") from None
    partial = Path(name)
    try:
        _run("pg_dump", url, "--format=custom", "--no-owner", f"--file={partial}")
        check_replaceable(target, None, _is_dump)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(target, target.stat().st_size, time.perf_counter() - started)


def pg_restore(source: Path, url: str) -> None:
    """Put the dump at `source` into the empty database at `url`."""
    _tool("pg_restore")
    with reach(url) as conn:
        if not _is_dump(source):
            raise BackupError(f"refusing to restore: {source} is not a PostgreSQL backup made by `upnext backup`")
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").fetchone()
    if tables and tables[0]:
        raise BackupError(f"refusing to restore: DATABASE_URL {masked(url)} is not empty ({tables[0]} tables): "
                          "create an empty database and point DATABASE_URL at it")  # fmt: skip
    _run("pg_restore", url, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", str(source))
