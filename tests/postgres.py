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
