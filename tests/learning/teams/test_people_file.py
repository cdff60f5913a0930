"""The people file: CSV or .xlsx, Upnext's columns, a vendor preset or `--map`; every bad row reported with its line and
reason while the good ones import; each import replaces the previous lines; forgotten people stay out."""

from __future__ import annotations

from pathlib import Path

import pytest

from learning.catalog.columns import parse_map
from learning.teams.people_file import PEOPLE

HRIS_HEADER = ["Employee ID", "Employee Email", "Manager Email", "Department", "Location"]


def csv_file(tmp_path: Path, text: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def workbook(tmp_path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "people.xlsx")
    return tmp_path / "people.xlsx"


def lines(store) -> list[tuple]:
    return store.sql.rows("SELECT learner_id, manager_id, department, location FROM reporting_lines ORDER BY 1")


def test_a_csv_imports_its_good_rows_and_reports_each_bad_one_with_its_line(empty_service, store, tmp_path):
    path = csv_file(tmp_path, (
        "person,manager,department,location\n"
        "U0ANA,boss@example.com,Data,Madrid\n"
        "not-a-person,boss@example.com,Data,Madrid\n"
        "Luis@Example.com,U0ANA,Data,\n"
        "U0ANA,U0LUIS,Data,Lisbon\n"
        "U0SELF,U0SELF,,\n"
        "boss@example.com,,Board,Madrid\n"
    ))  # fmt: skip
    report = empty_service.people_importer.import_file(path)
    assert [(r.line, r.reason) for r in report.rejections] == [
        (3, "person must be a Slack user id (U…) or an email address, got 'not-a-person'"),
        (5, "the person is named again (first on line 2)"),
        (6, "names the person as their own manager"),
    ]
    assert (report.imported, report.with_manager) == (3, 2)
    assert lines(store) == [
        ("U0ANA", "email:boss@example.com", "Data", "Madrid"),
        ("email:boss@example.com", None, "Board", "Madrid"),  # the top of the organisation has no manager
        ("email:luis@example.com", "U0ANA", "Data", None),
    ]


def test_an_hris_export_in_a_workbook_reads_with_its_preset_and_reports_bad_rows_by_row(empty_service, store,
                                                                                     tmp_path):  # fmt: skip
    path = workbook(tmp_path, [
        HRIS_HEADER,
        [101, "ana@example.com", "boss@example.com", "Data", "Madrid"],
        [102, "luis@example.com", "the boss", "Data", "Madrid"],
        [103, "eve@example.com", "ana@example.com", "Data", None],
    ])  # fmt: skip
    report = empty_service.people_importer.import_file(path, preset="hris")
    assert [(r.line, r.reason) for r in report.rejections] == [
        (3, "manager must be a Slack user id (U…) or an email address, got 'the boss'")
    ]
    assert lines(store) == [
        ("email:ana@example.com", "email:boss@example.com", "Data", "Madrid"),
        ("email:eve@example.com", "email:ana@example.com", "Data", None),
    ]


def test_each_import_replaces_the_previous_lines(empty_service, store, tmp_path):
    importer = empty_service.people_importer
    importer.import_file(csv_file(tmp_path, "person,manager\nU0ONE,U0BOSS\nU0TWO,U0BOSS\nU0THREE,U0BOSS\n"))
    report = importer.import_file(csv_file(tmp_path, "person,manager\nU0ONE,U0NEWBOSS\n", "again.csv"))
    assert report.replaced == 3
    assert report.lines()[-1] == "1 people (1 with a manager), 0 rejected; the 3 reporting lines of the previous " \
        "import were replaced"  # fmt: skip
    assert lines(store) == [("U0ONE", "U0NEWBOSS", None, None)]


def test_a_dry_run_shows_the_mapping_and_writes_nothing(empty_service, store, tmp_path):
    path = csv_file(tmp_path, "Work Email,Supervisor Email,Cost Centre\nana@example.com,boss@example.com,42\n")
    report = empty_service.people_importer.import_file(path, dry_run=True, preset="hris")
    assert report.lines() == [
        "mapping (preset hris):",
        "  person           <- 'Work Email'",
        "  manager          <- 'Supervisor Email'",
        "  not used: 'Cost Centre'",
        "dry run, nothing written: 1 people (1 with a manager), 0 rejected; the previous import's lines would be "
        "replaced",
    ]
    assert lines(store) == []


def test_columns_can_be_chosen_and_a_file_without_them_is_refused_whole(empty_service, tmp_path):
    path = csv_file(tmp_path, "Who,Boss\nU0ANA,U0BOSS\n")
    with pytest.raises(ValueError, match="the header row has no person column"):
        empty_service.people_importer.import_file(path)
    report = empty_service.people_importer.import_file(path, mapping=parse_map(["person=Who", "manager=Boss"], PEOPLE))
    assert report.imported == 1
    with pytest.raises(ValueError, match="'title' is not a people field"):
        parse_map(["title=Who"], PEOPLE)


def test_someone_who_asked_to_be_forgotten_is_refused_as_a_person_and_as_a_manager(empty_service, store, tmp_path):
    learners = empty_service.learners
    learners.save_profile("U0GONE", {"email": "gone@example.com"})
    empty_service.forget_me("U0GONE")
    path = csv_file(tmp_path, "person,manager\ngone@example.com,U0BOSS\nU0ONE,U0GONE\nU0TWO,U0BOSS\n")
    report = empty_service.people_importer.import_file(path)
    assert [(r.line, r.reason) for r in report.rejections] == [
        (2, "this person asked Upnext to forget them"),
        (3, "their manager asked Upnext to forget them"),
    ]
    assert lines(store) == [("U0TWO", "U0BOSS", None, None)]
