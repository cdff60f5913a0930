"""Catalog import: every bad row is reported with its line and reason, every good row imports, nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from learning.catalog import bundled_catalog_path
from learning.catalog_import import parse_catalog_text, read_catalog_file

GOOD = {"id": "sql-1", "title": "SQL Basics", "description": "Select rows", "topics": ["sql", "data"]}


def jsonl(*rows: object) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"title": "No id"}, "missing required field 'id'"),
        ({"id": "x"}, "missing required field 'title'"),
        ({"id": "  ", "title": "Blank id"}, "missing required field 'id'"),
        ({"id": "x" * 201, "title": "Long id"}, "id is longer than 200 characters"),
        ({"id": "x", "title": "t" * 301}, "title is longer than 300 characters"),
        ({"id": "x", "title": ["not", "text"]}, "title must be text"),
        ({"id": "x", "title": "T", "topics": "sql;data"}, "topics must be a list of strings"),
        ({"id": "x", "title": "T", "topics": [1, 2]}, "topics must be a list of strings"),
        ({"id": "x", "title": "T", "topics": [f"t{i}" for i in range(31)]}, "more than 30 topics"),
        ({"id": "x", "title": "T", "level": "wizard"}, "level must be one of beginner, intermediate, advanced"),
        ({"id": "x", "title": "T", "duration_minutes": "1h"}, "duration_minutes must be a whole number"),
        ({"id": "x", "title": "T", "duration_minutes": -5}, "duration_minutes must be between 0 and 100000"),
        ({"id": "x", "title": "T", "duration_minutes": 12.5}, "duration_minutes must be a whole number"),
        ({"id": "x", "title": "T", "language": "english!"}, "language must be a language code"),
        ({"id": "x", "title": "T", "url": "javascript:alert(1)"}, "url must be an http(s) URL"),
        ({"id": "x", "title": "T", "image_url": "ftp://x/y.png"}, "image_url must be an http(s) URL"),
        ({"id": "x", "title": "T", "path_id": "p", "position": 0}, "position must be between 1 and 100000"),
        ({"id": "x", "title": "T", "position": 2}, "position is given without path_id"),
        ({"id": "x", "title": "T", "published_at": "last tuesday"}, "published_at must be an ISO 8601 date"),
    ],
)
def test_each_invalid_field_is_rejected_with_its_reason(row, reason):
    parsed = parse_catalog_text(jsonl(GOOD, row), "jsonl")
    assert [c.id for c in parsed.courses] == ["sql-1"]
    assert len(parsed.rejections) == 1
    assert parsed.rejections[0].line == 2
    assert reason in parsed.rejections[0].reason


def test_unreadable_json_lines_are_rejected_by_line_and_good_rows_kept():
    text = jsonl(GOOD, "{broken", "[1, 2]", "", {"id": "b", "title": "Second"})
    parsed = parse_catalog_text(text, "jsonl")
    assert [c.id for c in parsed.courses] == ["sql-1", "b"]
    assert [(r.line, r.reason.split(" (")[0]) for r in parsed.rejections] == [
        (2, "not valid JSON"),
        (3, "not a JSON object"),
    ]


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
        "duration_minutes": "90",
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
    assert parsed.rejections == []
    assert len(parsed.courses) > 1400
