"""`upnext catalog import` and `upnext history import` as people run them: exit codes and what they print."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import Settings
from tests.bench_data import SMALL_CATALOG
from upnext.build import build_service
from upnext.cli import main

SAMPLES = Path(__file__).parent / "data" / "catalogs"


@pytest.fixture
def upnext(tmp_path: Path, encoder, multilingual, tmp_path_factory, monkeypatch, capsys):
    """Runs the `upnext` command in-process on a fresh UPNEXT_HOME holding the small test catalog (embedded with the
    session's encoder, whose built ONNX model it reuses); returns (exit code, stdout, stderr)."""
    home = tmp_path / "home"
    home.mkdir()
    built = next(tmp_path_factory.getbasetemp().glob("models*/*.onnx")).parent
    (home / "models").symlink_to(built, target_is_directory=True)
    seeded = build_service(Settings(home=home), encoder=encoder, prepare=False, multilingual=multilingual)
    seeded.catalog.import_file(SMALL_CATALOG)
    seeded.close()
    monkeypatch.setenv("UPNEXT_HOME", str(home))
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_dry_run_prints_the_mapping_and_the_first_three_courses_as_stored(upnext):
    code, out, _ = upnext("catalog", "import", str(SAMPLES / "udemy_business.csv"), "--preset", "udemy", "--dry-run")
    assert code == 0
    assert "mapping (preset udemy):" in out
    assert "  level            <- 'Instructional Level'" in out
    assert "  provider         <- 'Udemy' (every row)" in out
    assert "not used: 'Instructor Name'" in out
    shown = [json.loads(line) for line in out.splitlines() if line.startswith("  {")]
    assert [c["id"] for c in shown] == ["567828", "1565838", "903744"]
    assert shown[1] == {**shown[1], "level": "beginner", "language": "en", "duration_minutes": 3690}
    assert "warning line 5, column 'Course Language': 'Elvish' left empty" in out
    assert out.splitlines()[-1] == (
        "dry run, nothing would be written: 4 added, 0 updated, 0 unchanged, 0 rejected, 2 values left empty"
        " (0 embedded)"
    )


def test_map_on_the_command_line_and_strict(upnext, tmp_path: Path):
    path = tmp_path / "lms.csv"
    path.write_text("Course Name,Code,Level\nIntro to SQL,SQL-101,Beginner\nJoins,SQL-102,wizard\n")
    code, out, _ = upnext("catalog", "import", str(path), "--map", "title=Course Name", "--map", "id=Code")
    assert code == 0 and out.splitlines()[-1].startswith("2 added, 0 updated, 0 unchanged, 0 rejected, 1 values")
    code, out, _ = upnext("catalog", "import", str(path), "--map", "title=Course Name", "--map", "id=Code", "--strict")
    assert code == 1 and "rejected line 3 (id 'SQL-102'): level must be a level such as" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--map", "colour=Colour"], "error: --map 'colour=Colour': 'colour' is not a course field"),
        (["--map", "title=Nope"], "the header has no such column"),
    ],
)
def test_a_bad_map_is_one_clear_line(upnext, argv, message):
    code, out, err = upnext("catalog", "import", str(SAMPLES / "edx.csv"), "--dry-run", *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and out == ""


@pytest.mark.parametrize("content", ["", "\n\n", "id,title\n"])
def test_an_empty_catalog_file_says_so_and_exits_1(upnext, tmp_path: Path, content):
    path = tmp_path / "courses.csv"
    path.write_text(content)
    code, out, err = upnext("catalog", "import", str(path))
    assert code == 1 and out == ""
    assert err.strip() == f"error: {path}: no courses in this file (it is empty, or has only a header row)"


@pytest.mark.parametrize(("name", "content"), [("h.csv", ""), ("h.csv", "learner,course_id,status,date\n"),
                                               ("h.json", "[]"), ("h.jsonl", "\n")])  # fmt: skip
def test_an_empty_history_file_says_so_and_exits_1(upnext, tmp_path: Path, name, content):
    path = tmp_path / name
    path.write_text(content)
    code, _, err = upnext("history", "import", str(path))
    assert code == 1
    assert err.strip() == f"error: {path}: no history rows in this file (it is empty, or has only a header row)"


def test_undecodable_bytes_in_a_file_are_echoed_escaped_not_a_traceback(upnext, tmp_path: Path):
    path = tmp_path / "courses.csv"
    path.write_bytes(b'id,title,co\xfflour,description\na,Good,red,"Bad \xff text"\n')
    code, out, _ = upnext("catalog", "import", str(path), "--dry-run")
    assert code == 0
    assert "ignored fields Upnext does not use: 'co\\udcfflour' (1 rows)" in out
    assert "column 'description'" in out and "description is not valid UTF-8" in out


def _raw_controls(text: str) -> list[str]:
    """Characters a terminal would act on (C0 but newline, DEL, C1), as they appear in what was printed."""
    return [ch for ch in text if ch != "\n" and (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F)]


def test_what_an_import_echoes_from_a_file_is_bounded_and_its_control_characters_escaped(upnext, tmp_path: Path):
    path = tmp_path / "courses.csv"
    long_id = "\x1b[2J" + "b" * 5000
    path.write_text(
        f'id,title,level,\x1b]0;pwned\x07colour\na,"Title \x9b2J here",\x1b[31mwizard,red\n"{long_id}",Long,,\n'
    )
    code, out, err = upnext("catalog", "import", str(path), "--dry-run")
    assert code == 1 and _raw_controls(out + err) == []
    assert "\\x1b]0;pwned\\x07colour" in out and "'\\x1b[31mwizard'" in out
    [rejected] = [line for line in out.splitlines() if line.startswith("rejected")]
    assert rejected.startswith("rejected line 3 (id '\\x1b[2Jbbbb") and "id is longer than 200" in rejected
    assert max(len(line) for line in out.splitlines()) < 400

    code, _, err = upnext("catalog", "import", str(path), "--map", "url=\x1b[5mLink")
    assert code == 2 and _raw_controls(err) == [] and "\\x1b]0;pwned" in err


def test_a_history_file_header_is_echoed_escaped(upnext, tmp_path: Path):
    path = tmp_path / "history.csv"
    path.write_text("learner,course_id,\x1b[31mstatus,date\nU0ANA,x,completed,2024-01-01\n")
    code, _, err = upnext("history", "import", str(path))
    assert code == 2 and _raw_controls(err) == [] and "\\x1b[31mstatus" in err


def people_import(tmp_path: Path, text: str, *argv: str) -> subprocess.CompletedProcess:
    """`upnext people import` in its own process, on UPNEXT_HOME under `tmp_path`, without Slack."""
    path = tmp_path / "hris.csv"
    path.write_text(text)
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLACK_")}
    env["UPNEXT_HOME"] = str(tmp_path / "home")
    return subprocess.run([sys.executable, "-m", "upnext.cli", "people", "import", str(path), *argv],
                          capture_output=True, text=True, env=env, timeout=120, check=False)  # fmt: skip


def test_people_import_reports_a_bad_row_by_line_imports_the_rest_and_replaces_the_previous_lines(tmp_path: Path):
    header = "Employee Email,Manager Email,Department,Location\n"
    rows = "ana@example.com,boss@example.com,Data,Madrid\nluis@example.com,nobody,Data,Lisbon\nboss@example.com,,,\n"
    first = people_import(tmp_path, header + rows, "--preset", "hris")
    assert first.returncode == 1, first.stderr
    assert first.stdout.splitlines() == [
        "rejected line 3: manager must be a Slack user id (U…) or an email address, got 'nobody'",
        "2 people (1 with a manager), 1 rejected; the 0 reporting lines of the previous import were replaced",
    ]
    again = people_import(tmp_path, header + "ana@example.com,boss@example.com,Data,Madrid\n", "--preset", "hris")
    assert again.returncode == 0 and again.stdout.splitlines() == [
        "1 people (1 with a manager), 0 rejected; the 2 reporting lines of the previous import were replaced"
    ]


def test_people_import_refuses_a_map_to_a_field_it_does_not_have(tmp_path: Path):
    done = people_import(tmp_path, "person,manager\n", "--map", "colour=Colour")
    assert done.returncode == 2
    assert "'colour' is not a people field (person, manager, department, location)" in done.stderr
