"""Catalog import: every bad row is reported with its line and reason, every good row imports, nothing is lost."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pytest

from learning.catalog.columns import parse_map
from learning.catalog.files import parse_catalog_text, read_catalog_file
from learning.catalog.importer import bundled_catalog_path

GOOD = {"id": "sql-1", "title": "SQL Basics", "description": "Select rows", "topics": ["sql", "data"]}


def jsonl(*rows: object) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"


OPTIONAL_PROBLEMS = [
    ({"id": "x", "title": "T", "topics": [1, 2]}, "topics", "topics must be a list of strings"),
    ({"id": "x", "title": "T", "topics": [f"t{i}" for i in range(31)]}, "topics", "more than 30 topics"),
    ({"id": "x", "title": "T", "level": "wizard"}, "level", "level must be a level such as beginner"),
    ({"id": "x", "title": "T", "duration_minutes": "a while"}, "duration_minutes", "must be a duration"),
    ({"id": "x", "title": "T", "duration_minutes": -5}, "duration_minutes", "must be a duration"),
    ({"id": "x", "title": "T", "language": "Elvish"}, "language", "language must be a language name or code"),
    ({"id": "x", "title": "T", "url": "javascript:alert(1)"}, "url", "url must be an http(s) URL"),
    ({"id": "x", "title": "T", "image_url": "ftp://x/y.png"}, "image_url", "image_url must be an http(s) URL"),
    ({"id": "x", "title": "T", "path_id": "p", "position": 0}, "position", "position must be between 1 and 100000"),
    ({"id": "x", "title": "T", "position": 2}, "position", "position is given without path_id"),
    ({"id": "x", "title": "T", "published_at": "last tuesday"}, "published_at", "published_at must be a date"),
    ({"id": "x", "title": "T", "published_at": "03/04/2024"}, "published_at", "published_at is ambiguous"),
    ({"id": "x", "title": "T", "published_at": "9999-12-31T23:59-23:59"}, "published_at", "is out of range"),
]


@pytest.mark.parametrize(("row", "column", "reason"), OPTIONAL_PROBLEMS)
def test_an_optional_value_that_cannot_be_understood_imports_the_course_with_a_warning(row, column, reason):
    parsed = parse_catalog_text(jsonl(GOOD, row), "jsonl")
    assert [c.id for c in parsed.courses] == ["sql-1", "x"]
    assert parsed.rejections == []
    [warning] = parsed.warnings
    assert (warning.line, warning.column) == (2, column)
    assert warning.value == str(row[column])[:80] or warning.value.endswith("...")
    assert reason in warning.reason and "left empty" in warning.reason
    assert getattr(parsed.courses[1], column, None) in (None, ())


@pytest.mark.parametrize(("row", "column", "reason"), OPTIONAL_PROBLEMS)
def test_strict_rejects_the_row_instead(row, column, reason):
    parsed = parse_catalog_text(jsonl(GOOD, row), "jsonl", strict=True)
    assert [c.id for c in parsed.courses] == ["sql-1"]
    [rejection] = parsed.rejections
    assert rejection.line == 2 and reason in rejection.reason
    assert parsed.warnings == []


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"title": "No id"}, "missing required field 'id'"),
        ({"id": "x"}, "missing required field 'title'"),
        ({"id": "  ", "title": "Blank id"}, "missing required field 'id'"),
        ({"id": "x" * 201, "title": "Long id"}, "id is longer than 200 characters"),
        ({"id": "x", "title": ["not", "text"]}, "title must be text"),
    ],
)
def test_only_a_missing_or_unusable_id_or_title_rejects_a_row(row, reason):
    parsed = parse_catalog_text(jsonl(GOOD, row), "jsonl")
    assert [c.id for c in parsed.courses] == ["sql-1"]
    assert [(r.line, reason in r.reason) for r in parsed.rejections] == [(2, True)]


def test_a_title_too_long_is_cut_with_a_warning_or_rejected_when_strict():
    row = {"id": "x", "title": "t" * 301}
    [_, course] = parse_catalog_text(jsonl(GOOD, row), "jsonl").courses
    assert len(course.title) == 300 and course.title.endswith("…")
    assert "title is longer than 300" in parse_catalog_text(jsonl(row), "jsonl", strict=True).rejections[0].reason


def test_unreadable_json_lines_are_rejected_by_line_and_good_rows_kept():
    text = jsonl(GOOD, "{broken", "[1, 2]", "", {"id": "b", "title": "Second"})
    parsed = parse_catalog_text(text, "jsonl")
    assert [c.id for c in parsed.courses] == ["sql-1", "b"]
    assert [(r.line, r.reason.split(" (")[0]) for r in parsed.rejections] == [
        (2, "not valid JSON"),
        (3, "not a JSON object"),
    ]


def test_a_100k_deep_json_line_is_rejected_alone_and_the_catalog_still_imports():
    deep = "[" * 100_000 + "]" * 100_000
    huge_number = '{"id": "n", "title": "T", "position": ' + "9" * 5000 + "}"
    parsed = parse_catalog_text(jsonl(GOOD, deep, huge_number, {"id": "b", "title": "After"}), "jsonl")
    assert [c.id for c in parsed.courses] == ["sql-1", "b"]
    assert [(r.line, r.reason) for r in parsed.rejections] == [
        (2, "not readable JSON (nested too deeply)"),
        (3, parsed.rejections[1].reason),
    ]
    assert parsed.rejections[1].reason.startswith("not readable JSON")


def test_an_unterminated_quote_rejects_its_row_and_the_rows_after_it_still_import():
    text = 'id,title,topics\na,Alpha,sql\nb,"Broken title,data\nc,Gamma,git\nd,Delta,"x;y"\ne,Epsilon,\n'
    parsed = parse_catalog_text(text, "csv")
    assert [(c.id, c.title) for c in parsed.courses] == [
        ("a", "Alpha"),
        ("c", "Gamma"),
        ("d", "Delta"),
        ("e", "Epsilon"),
    ]
    [rejection] = parsed.rejections
    assert rejection.line == 3 and "unreadable CSV" in rejection.reason


def test_an_unterminated_quote_at_the_end_of_the_file_is_reported_not_swallowed():
    parsed = parse_catalog_text('id,title\na,Alpha\nb,"Broken\nc,Gamma\n', "csv")
    assert [c.id for c in parsed.courses] == ["a", "c"]
    assert parsed.rejections[0].line == 3
    assert "a quote is opened and never closed" in parsed.rejections[0].reason


def test_duplicate_ids_in_one_file_are_reported_not_merged():
    parsed = parse_catalog_text(jsonl(GOOD, {**GOOD, "title": "Again"}), "jsonl")
    assert len(parsed.courses) == 1
    assert parsed.rejections[0].line == 2
    assert "duplicate id, first given on line 1" in parsed.rejections[0].reason


def test_csv_rows_with_wrong_column_counts_are_rejected_with_their_physical_line():
    text = (
        "id,title,topics,description\n"
        'a,Alpha,"sql;data","a description\nthat spans two lines"\n'
        "b,Beta\n"
        "c,Gamma,,plain\n"
    )
    parsed = parse_catalog_text(text, "csv")
    assert [c.id for c in parsed.courses] == ["a", "c"]
    assert parsed.courses[0].topics == ("sql", "data")
    assert (parsed.rejections[0].line, parsed.rejections[0].reason) == (4, "has 2 columns, the header has 4")


def test_csv_without_an_id_column_is_refused_as_a_whole():
    with pytest.raises(ValueError, match="no id column"):
        parse_catalog_text("name,title\nx,y\n", "csv")


def test_invalid_utf8_rejects_only_that_row(tmp_path: Path):
    path = tmp_path / "catalog.csv"
    path.write_bytes(b"id,title\na,Good\nb,Bad \xff title\nc,Also good\n")
    parsed = read_catalog_file(path)
    assert [c.id for c in parsed.courses] == ["a", "c"]
    assert parsed.rejections[0].line == 3
    assert "not valid UTF-8" in parsed.rejections[0].reason


def test_values_are_normalised():
    row = {
        "id": "n",
        "title": "  Spaced   title ",
        "level": "Novice",
        "language": "pt_BR",
        "duration_minutes": "1h 30m",
        "published_at": "2024-05-01",
        "topics": ["SQL", "sql", " data "],
    }
    course = parse_catalog_text(jsonl(row), "jsonl").courses[0]
    assert course.title == "Spaced title"
    assert course.level == "beginner"
    assert course.language == "pt-br"
    assert course.duration_minutes == 90
    assert course.published_at == "2024-05-01T00:00:00+00:00"
    assert course.topics == ("SQL", "data")


def test_unknown_fields_are_counted_and_reported_not_silently_ignored():
    parsed = parse_catalog_text(jsonl({**GOOD, "colour": "red"}), "jsonl")
    assert parsed.ignored_fields == {"colour": 1}


def test_the_bundled_catalog_is_entirely_valid():
    parsed = read_catalog_file(bundled_catalog_path())
    assert parsed.rejections == [] and parsed.warnings == []
    assert len(parsed.courses) > 1400


SAMPLES = Path(__file__).parents[2] / "data" / "catalogs"


def test_udemy_preset_reads_a_udemy_business_export():
    parsed = read_catalog_file(SAMPLES / "udemy_business.csv", preset="udemy")
    python, web, excel, power_bi = parsed.courses
    assert (python.id, python.level, python.language, python.duration_minutes) == ("567828", None, "en-us", 1333)
    assert python.provider == "Udemy" and python.topics == ("Development",)
    assert python.published_at == "2015-10-12T21:43:11+00:00"
    assert (web.level, web.duration_minutes, excel.language, excel.duration_minutes) == ("beginner", 3690, "es", 570)
    assert (power_bi.level, power_bi.language, power_bi.published_at) == ("advanced", None, None)
    assert [(w.line, w.column) for w in parsed.warnings] == [(5, "Course Language"), (5, "Published Date")]
    assert parsed.ignored_fields == {"Instructor Name": 4}


def test_coursera_preset_reads_a_coursera_export():
    parsed = read_catalog_file(SAMPLES / "coursera_business.csv", preset="coursera")
    ml, sql, learning, pytorch = parsed.courses
    assert (ml.id, ml.provider, ml.duration_minutes) == ("machine-learning", "Stanford University", 33 * 60)
    assert ml.topics == ("Machine Learning", "Logistic Regression", "Python Programming")
    assert sql.topics == ("SQL", "Data Analysis", "SQLite")
    assert (learning.level, learning.language) == (None, "es")  # "Mixed" is no particular level
    assert (pytorch.language, pytorch.published_at) == ("zh", "2020-01-15T00:00:00+00:00")
    assert parsed.rejections == [] and parsed.warnings == []


def test_linkedin_preset_reads_a_linkedin_learning_export():
    parsed = read_catalog_file(SAMPLES / "linkedin_learning.csv", preset="linkedin")
    python, excel, agile = parsed.courses
    assert (python.id, python.level, python.duration_minutes) == ("urn:li:lyndaCourse:2484024", "beginner", 278)
    assert (python.language, python.published_at) == ("en-us", "2021-12-15T00:00:00+00:00")
    assert (agile.level, agile.language, agile.duration_minutes) == ("intermediate", "pt-br", 90)
    assert excel.published_at is None
    [ambiguous] = parsed.warnings
    assert (ambiguous.line, ambiguous.column, ambiguous.value) == (3, "Release Date", "03/04/2022")
    assert [(r.line, r.reason) for r in parsed.rejections] == [(5, "missing required field 'title'")]


def test_edx_preset_reads_an_edx_export():
    parsed = read_catalog_file(SAMPLES / "edx.csv", preset="edx")
    cs50, mit, java = parsed.courses
    assert (cs50.id, cs50.level, cs50.provider) == ("HarvardX+CS50x", "beginner", "Harvard University")
    assert (mit.level, java.language, java.published_at) == ("intermediate", "es", "2024-02-01T00:00:00+00:00")
    assert parsed.rejections == [] and parsed.warnings == []


def test_map_names_the_columns_of_any_export_over_a_preset(tmp_path: Path):
    path = tmp_path / "lms.csv"
    path.write_text(
        "Course Name,Code,Link,Hours,Lang,Kind\n"
        "Intro to SQL,SQL-101,https://lms.example.com/sql,1.5,English,elearning\n"
    )
    mapping = parse_map(["title=Course Name", "id=Code", 'url="Link"', "duration_hours=Hours", "language=Lang"])
    [course] = read_catalog_file(path, mapping=mapping).courses
    assert (course.id, course.title, course.url) == ("SQL-101", "Intro to SQL", "https://lms.example.com/sql")
    assert (course.duration_minutes, course.language) == (90, "en")
    udemy = read_catalog_file(SAMPLES / "udemy_business.csv", preset="udemy", mapping={"provider": "Instructor Name"})
    assert udemy.courses[0].provider == "Jose Portilla"


def test_map_refuses_unknown_fields_and_columns(tmp_path: Path):
    with pytest.raises(ValueError, match="'colour' is not a course field"):
        parse_map(["colour=Colour"])
    path = tmp_path / "c.csv"
    path.write_text("id,title\na,A\n")
    with pytest.raises(ValueError, match="the header has no such column"):
        read_catalog_file(path, mapping={"url": "Link"})


def test_xlsx_exports_import_directly_with_their_dates_and_numbers(tmp_path: Path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Course ID", "Course Title", "Instructional Level", "Course Duration", "Published Date"])
    sheet.append([567828, "Python Bootcamp", "All Levels", 90, datetime(2015, 10, 12, 21, 43)])
    sheet.append([None, "No id", "Beginner", None, None])
    sheet.append([1565838, "Web Development", "Beginner Level", "1h 30m", "12/31/2018"])
    workbook.save(tmp_path / "export.xlsx")
    parsed = read_catalog_file(tmp_path / "export.xlsx", preset="udemy")
    assert [(c.id, c.level, c.duration_minutes, c.published_at) for c in parsed.courses] == [
        ("567828", None, 90, "2015-10-12T21:43:00+00:00"),
        ("1565838", "beginner", 90, "2018-12-31T00:00:00+00:00"),
    ]
    assert [(r.line, r.reason) for r in parsed.rejections] == [(3, "missing required field 'id'")]


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_csv_separated_by_commas_semicolons_or_tabs_imports_alike(separator):
    text = separator.join(["id", "title", "duration_minutes"]) + "\n"
    text += separator.join(["a", '"Alpha; with, both"', '"1,5 h"']) + "\n"
    [course] = parse_catalog_text(text, "csv").courses
    assert (course.id, course.title, course.duration_minutes) == ("a", "Alpha; with, both", 90)


def test_a_json_line_with_a_line_separator_inside_a_string_is_one_row():
    row = json.dumps({"id": "ls", "title": "Before\u2028after\x85end"}, ensure_ascii=False)
    parsed = parse_catalog_text(jsonl(GOOD, row, {"id": "b", "title": "Next"}), "jsonl")
    assert [c.id for c in parsed.courses] == ["sql-1", "ls", "b"] and parsed.rejections == []
    assert parsed.courses[1].title == "Before after end"  # whitespace, folded like any other


def _xlsx(path: Path, sheet_rows: str, dimension: str, shared: Iterable[str] = ()) -> Path:
    """A minimal workbook written part by part, as a hostile file would be: small on disk whatever it claims."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="Courses" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{sheet_rows}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as workbook:
        for name, text in parts.items():
            workbook.writestr(name, text)
        with workbook.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(
                b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            for chunk in shared:  # each chunk is raw XML, so one <si> can be written in pieces
                strings.write(chunk.encode())
            strings.write(b"</sst>")
    return path


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _read_bounded(path: Path, seconds: int = 30, memory: int = 1 << 30) -> dict:
    """read_catalog_file in a child process that may use at most `memory` bytes and `seconds`: a reader that would
    run for minutes or take gigabytes fails this test fast instead of hanging the suite."""
    program = (
        "import json, sys\n"
        "from learning.catalog.files import read_catalog_file\n"
        "try:\n"
        "    parsed = read_catalog_file(__import__('pathlib').Path(sys.argv[1]))\n"
        "except ValueError as error:\n"
        "    print(json.dumps({'error': str(error)}))\n"
        "else:\n"
        "    print(json.dumps({'courses': [c.id for c in parsed.courses],\n"
        "                      'rejections': [[r.line, r.reason] for r in parsed.rejections]}))\n"
    )

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    done = subprocess.run(
        [sys.executable, "-c", program, str(path)], preexec_fn=bounded, timeout=seconds, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_a_sheet_that_declares_every_cell_of_excel_reads_only_the_cells_it_holds(tmp_path: Path):
    rows = (
        f'<row r="1">{_cell("A1", "id")}{_cell("B1", "title")}</row>'
        f'<row r="2">{_cell("A2", "a")}{_cell("B2", "Alpha")}</row>'
        f'<row r="3">{_cell("A3", "b")}{_cell("B3", "Beta")}</row>'
        f'<row r="1048575">{_cell("C1048575", "stray")}</row>'
        f'<row r="1048576">{_cell("XFD1048576", "far")}</row>'
    )
    path = _xlsx(tmp_path / "wide.xlsx", rows, dimension="A1:XFD1048576")
    assert path.stat().st_size < 3000
    assert _read_bounded(path) == {
        "courses": ["a", "b"],
        "rejections": [[1048575, "has values beyond the header's 2 columns"]],
    }


def test_a_workbook_whose_shared_strings_expand_past_the_limit_is_refused_in_one_line(tmp_path: Path):
    from learning.catalog.tabular import MAX_XLSX_PART

    rows = f'<row r="1">{_cell("A1", "id")}{_cell("B1", "title")}</row><row r="2">{_cell("A2", "a")}'
    rows += '<c r="B2" t="s"><v>0</v></c></row>'
    chunk = "x" * (1 << 20)
    shared = ["<si><t>", *(chunk for _ in range(MAX_XLSX_PART // len(chunk) + 1)), "</t></si>"]
    path = _xlsx(tmp_path / "bomb.xlsx", rows, dimension="A1:B2", shared=shared)
    assert path.stat().st_size < 1_000_000
    error = _read_bounded(path)["error"]
    assert "xl/sharedStrings.xml" in error and "\n" not in error and len(error) < 300


@pytest.mark.parametrize("kind", ["csv", "xlsx", "jsonl"])
def test_a_cell_longer_than_a_cell_may_be_rejects_its_row_and_the_good_rows_import(tmp_path: Path, kind):
    from learning.catalog.tabular import MAX_CELL

    rows = [["id", "title", "description"], ["a", "Alpha", "ok"], ["b", "Beta", "d" * (MAX_CELL + 1)], ["c", "C", ""]]
    if kind == "xlsx":  # written by hand: openpyxl itself cuts a cell to Excel's 32,767 characters
        sheet = "".join(
            f'<row r="{r}">'
            + "".join(_cell(f"{'ABC'[c]}{r}", value) for c, value in enumerate(row) if value)
            + "</row>"
            for r, row in enumerate(rows, start=1)
        )
        path = _xlsx(tmp_path / "long.xlsx", sheet, dimension="A1:C4")
    elif kind == "csv":
        (path := tmp_path / "long.csv").write_text("\n".join(",".join(row) for row in rows) + "\n")
    else:
        lines = [json.dumps(dict(zip(rows[0], row))) for row in rows[1:]]
        (path := tmp_path / "long.jsonl").write_text("\n".join(lines) + "\n")
    parsed = read_catalog_file(path)
    assert [c.id for c in parsed.courses] == ["a", "c"]
    line = 2 if kind == "jsonl" else 3
    reason = f"column 'description' holds {MAX_CELL + 1:,} characters, more than a cell may hold ({MAX_CELL:,})"
    assert [(r.line, r.reason) for r in parsed.rejections] == [(line, reason)]


def test_a_header_row_wider_than_a_catalog_is_refused_in_one_line(tmp_path: Path):
    rows = f'<row r="1">{_cell("A1", "id")}{_cell("B1", "title")}{_cell("XFD1", "far")}</row>'
    rows += "".join(f'<row r="{r}">{_cell(f"A{r}", f"c{r}")}{_cell(f"B{r}", "T")}</row>' for r in range(2, 500))
    error = _read_bounded(_xlsx(tmp_path / "wide-header.xlsx", rows, dimension="A1:XFD499"))["error"]
    assert error == "the header row (row 1) reaches column 16,384; a catalog has at most 1,000 columns"
