"""`upnext backup`, `restore` and `check` on PostgreSQL: a pg_dump (custom format) taken while Upnext may serve, put
back only into an empty database, and checked; without pg_dump one line says what to do instead. The password goes
to the tools through their environment, never on a command line or in a message."""

from __future__ import annotations

import shutil

import psycopg

from tests.conftest import DATA
from tests.ops.test_migrate import upnext
from tests.postgres import PASSWORD

TABLES = ("courses", "course_vectors", "learners", "events", "nudges", "answers", "meta")


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_a_postgresql_backup_restores_into_an_empty_database_with_every_row(tmp_path, postgres):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(DATA / "store-0e63be3.db", home / "upnext.db")
    serving = postgres.create_database("serving")
    assert upnext(home, serving, "migrate").returncode == 0

    made = upnext(home, serving, "backup", str(tmp_path / "upnext.dump"))
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"backed up to {tmp_path / 'upnext.dump'}")
    assert (tmp_path / "upnext.dump").read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    assert upnext(home, serving, "backup", str(tmp_path / "upnext.dump")).returncode == 0  # replaces its own dump
    (tmp_path / "notes.txt").write_text("not a backup")
    kept = upnext(home, serving, "backup", str(tmp_path / "notes.txt"))
    assert kept.returncode == 2 and "refusing to replace" in kept.stderr
    assert (tmp_path / "notes.txt").read_text() == "not a backup"

    refused = upnext(home, serving, "restore", str(tmp_path / "upnext.dump"))
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "not empty" in refused.stderr

    fresh = postgres.create_database("restored")
    restored = upnext(home, fresh, "restore", str(tmp_path / "upnext.dump"))
    assert restored.returncode == 0, restored.stderr
    assert _counts(fresh) == _counts(serving) and _counts(fresh)["events"]
    checked = upnext(home, fresh, "check")
    assert checked.returncode == 0 and checked.stdout.splitlines()[-1].startswith("store ok"), checked.stderr
    for done in (made, refused, restored, checked):
        assert PASSWORD not in done.stdout + done.stderr


def test_backup_without_pg_dump_says_in_one_line_what_to_do_instead(tmp_path, postgres):
    url = postgres.create_database("no_tools")
    nothing = tmp_path / "bin"
    nothing.mkdir()
    done = upnext(tmp_path, url, "backup", str(tmp_path / "upnext.dump"), path=str(nothing))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "pg_dump" in done.stderr and "README" in done.stderr
    assert not (tmp_path / "upnext.dump").exists()
