"""A throwaway PostgreSQL server for the tests: Debian's `postgresql` binaries, a cluster in a temporary folder.

`initdb` and `pg_ctl` run as an unprivileged user (`runuser -u postgres` when the tests run as root: PostgreSQL
refuses to run as root), with fsync off, listening on a free local port. Each test gets a database of its own.
Without the binaries the tests that need the server skip with a one-line reason; under CI (CI=true) they fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg

USER = "upnext"
PASSWORD = "s3cret-pg-password"  # planted: tests check it shows up nowhere


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    """One running cluster; `url(name)` is a database on it."""

    folder: Path
    bin: Path
    port: int

    def _as_owner(self, *command: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} " \
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"  # fmt: skip
        subprocess.run(self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-o", options,
                                      "-l", str(self.folder / "server.log"), "-w", "start"),
                       check=True, capture_output=True)  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", mode, "-w",
                                      "stop"), check=False, capture_output=True)  # fmt: skip

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str = "template0") -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Databases:
    """Fresh databases copied from templates, made ahead by one background thread so that a test does not wait for
    its CREATE DATABASE (a template must have no connection open while it is copied), and dropped behind it."""

    AHEAD = 2  # copies of each template kept ready

    def __init__(self, server: PostgresServer):
        self.server = server
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-databases")
        self._ready: dict[str, deque[Future[str]]] = {}
        self._conn: psycopg.Connection | None = None  # the worker's own, to the maintenance database

    def _run(self, statement: str) -> None:
        """Run on the worker's connection, connecting again once if it broke (a test restarted the server)."""
        for again in (False, True):
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(self.server.url(), autocommit=True)
                self._conn.execute(statement)
                return
            except psycopg.OperationalError:
                self._conn = None
                if again:
                    raise

    def _create(self, template: str) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        # FILE_COPY copies the files (WAL_LOG, the default, would write every copy into the WAL as well)
        self._run(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return name

    def take(self, template: str) -> str:
        """The name of a new database holding what `template` holds."""
        ready = self._ready.setdefault(template, deque())
        made = ready.popleft() if ready else self._worker.submit(self._create, template)
        if made.exception() is not None:  # made while a test had the server stopped (tests/ops): once more
            made = self._worker.submit(self._create, template)
        while len(ready) < self.AHEAD:
            ready.append(self._worker.submit(self._create, template))
        return made.result()

    def drop(self, name: str) -> None:
        """Drop it (in the background: nothing waits for it)."""
        self._worker.submit(self._run, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)
        if self._conn is not None:
            self._conn.close()


def start_server(folder: Path) -> PostgresServer:
    """A new cluster in `folder` (made readable by the unprivileged user), started."""
    bin_folder = binaries()
    assert bin_folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(folder, bin_folder, _free_port())
    secret = folder / "pwfile"
    secret.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(secret, "postgres")
    subprocess.run(server._as_owner(str(bin_folder / "initdb"), "-D", str(folder / "data"), "-U", USER,
                                    f"--pwfile={secret}", "--auth=scram-sha-256", "--encoding=UTF8",
                                    "--locale=C.UTF-8", "--no-sync"), check=True, capture_output=True)  # fmt: skip
    server.start()
    return server
