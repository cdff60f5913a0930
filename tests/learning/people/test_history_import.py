"""LMS history import: CSV and xAPI, every bad row or statement reported by position, nothing lost or doubled."""

from __future__ import annotations

import json

import pytest

from learning.people.history import COMPLETED, STARTED
from learning.people.history_import import HistoryImporter

SQL = "swcarpentry/sql-novice-survey/01-select"
GIT = "swcarpentry/git-novice/01-basics"


@pytest.fixture
def importer(service):

    return HistoryImporter(service.courses, service.learners, service.history)


def statement(actor: dict, verb: str, course: str, timestamp: str = "2024-03-01T10:00:00Z", **extra) -> dict:
    return {
        "actor": actor,
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"id": course, "objectType": "Activity"},
        "timestamp": timestamp,
        **extra,
    }


def test_csv_imports_good_rows_and_reports_each_bad_one(importer):
    text = (
        "learner,course_id,status,date\n"
        f"U0ANA,{SQL},completed,2024-03-01\n"
        f"ana@example.com,{GIT},started,2024-03-02T09:00:00+01:00\n"
        f"not a person,{SQL},completed,2024-03-01\n"
        f"U0ANA,no-such-course,completed,2024-03-01\n"
        f"U0ANA,{SQL},loved it,2024-03-01\n"
        f"U0ANA,{SQL},completed,yesterday\n"
        f"U0ANA,{SQL},completed,2999-01-01\n"
        f"U0ANA,{SQL}\n"
    )
    report = importer.import_text(text, xapi=False)
    assert (report.added, report.rejected, report.learners_created) == (2, 6, 2)
    reasons = {r.line: r.reason for r in report.rejections}
    assert "learner must be a Slack user id" in reasons[4]
    assert "is not in the catalog" in reasons[5]
    assert "status must be enrolled, started, completed or dismissed" in reasons[6]
    assert "date must be a date such as 2024-05-31" in reasons[7]
    assert "in the future" in reasons[8]
    assert "has 2 columns" in reasons[9]
    again = importer.import_text(text, xapi=False)
    assert (again.added, again.unchanged) == (0, 2)


def test_xapi_array_handles_mbox_account_and_each_verb(importer):
    statements = [
        statement({"mbox": "mailto:Bea@Example.com"}, "completed", SQL),
        statement({"account": {"homePage": "https://slack.com", "name": "U0BEA"}}, "attempted", GIT),
        statement({"account": {"homePage": "https://slack.com", "name": "U0BEA"}}, "experienced", SQL),
        statement({"mbox_sha1sum": "abc"}, "completed", SQL),
        statement({"objectType": "Group", "member": []}, "completed", SQL),
        statement({"mbox": "mailto:bea@example.com"}, "voided", SQL),
        statement({"mbox": "mailto:bea@example.com"}, "completed", SQL, timestamp="soon"),
        {"actor": {"mbox": "mailto:bea@example.com"}, "verb": {"id": "x/completed"}, "object": {}},
        "not an object",
    ]
    report = importer.import_text(json.dumps(statements), xapi=True)
    assert report.added == 3
    by_position = {r.line: r.reason for r in report.rejections}
    assert set(by_position) == {4, 5, 6, 7, 8, 9}
    assert all(r.unit == "statement" for r in report.rejections)
    assert "mbox_sha1sum" in by_position[4]
    assert "group" in by_position[5]
    assert "verb 'voided' is not one Upnext uses" in by_position[6]
    assert "timestamp must be a date such as" in by_position[7]
    assert "object has no id" in by_position[8]
    assert "not a JSON object" in by_position[9]
    events = importer.history.for_learner("U0BEA")
    assert sorted(e.kind for e in events) == [STARTED, STARTED]
    assert importer.history.for_learner("email:bea@example.com")[0].kind == COMPLETED


def test_xapi_json_lines_are_reported_by_line(importer):
    lines = [json.dumps(statement({"mbox": "mailto:c@example.com"}, "completed", SQL)), "{broken"]
    report = importer.import_text("\n".join(lines), xapi=True)
    assert report.added == 1
    assert (report.rejections[0].unit, report.rejections[0].line) == ("line", 2)


def test_course_can_be_named_by_its_url(importer, service):
    url = service.courses.get(SQL).url
    report = importer.import_text(json.dumps([statement({"mbox": "mailto:d@example.com"}, "completed", url)]), True)
    assert report.added == 1


def test_course_named_by_its_url_as_a_browser_shows_it_is_found(importer, service):
    url = service.courses.get(SQL).url  # https://swcarpentry.github.io/…/01-select.html
    shown = url.replace("https://", "http://www.").replace("github.io", "GitHub.io") + "/?utm_source=lms#objectives"
    report = importer.import_text(json.dumps([statement({"mbox": "mailto:d@example.com"}, "completed", shown)]), True)
    assert (report.added, report.rejected) == (1, 0)


def test_history_imported_by_email_follows_the_person_to_slack(importer):
    importer.import_text(f"learner,course_id,status,date\nana@example.com,{SQL},completed,2024-03-01\n", xapi=False)
    learners = importer.learners
    learners.save_profile("U0ANA", {"email": "ana@example.com", "real_name": "Ana García", "first_name": "Ana"})
    assert [e.course_id for e in importer.history.for_learner("U0ANA")] == [SQL]
    assert learners.get("email:ana@example.com") is None


def test_forgotten_people_are_not_brought_back_by_an_import(importer, service):
    importer.learners.ensure("U0GONE")
    service.forget_me("U0GONE")
    report = importer.import_text(f"learner,course_id,status,date\nU0GONE,{SQL},completed,2024-03-01\n", xapi=False)
    assert report.added == 0 and "forget" in report.rejections[0].reason
    assert importer.learners.get("U0GONE") is None


def test_dry_run_writes_nothing(importer):
    report = importer.import_text(f"learner,course_id,status,date\nU0NEW,{SQL},completed,2024-03-01\n", False, True)
    assert report.added == 1 and report.lines()[-1].startswith("dry run")
    assert importer.learners.get("U0NEW") is None


DEEP = "[" * 100_000 + "]" * 100_000


def test_a_100k_deep_xapi_line_is_rejected_alone(importer):
    good = json.dumps(statement({"mbox": "mailto:e@example.com"}, "completed", SQL))
    report = importer.import_text("\n".join([good, DEEP, '{"n": ' + "9" * 5000 + "}", good.replace("e@", "f@")]), True)
    assert report.added == 2
    assert [(r.line, r.reason.split(" (")[0]) for r in report.rejections] == [
        (2, "not readable JSON"),
        (3, "not readable JSON"),
    ]


def test_a_100k_deep_statement_in_a_json_array_is_rejected_alone(importer):
    good = json.dumps(statement({"mbox": "mailto:g@example.com"}, "completed", SQL))
    broken = '{"actor": {"mbox": "mailto:h@example.com"}, "verb": tru}'
    text = f"[{good}, {DEEP}, {broken}, {good.replace('g@', 'i@')}]"
    report = importer.import_text(text, True)
    assert report.added == 2
    assert [(r.unit, r.line) for r in report.rejections] == [("statement", 2), ("statement", 3)]
    assert report.rejections[0].reason == "not readable JSON (nested too deeply)"
    assert report.rejections[1].reason.startswith("not valid JSON")


def test_an_unterminated_quote_in_a_history_csv_rejects_its_row_only(importer):
    text = (
        "learner,course_id,status,date\n"
        f'U0ANA,"{SQL},completed,2024-03-01\n'
        f"U0ANA,{GIT},completed,2024-03-02\n"
        f"U0BEA,{SQL},started,2024-03-03\n"
    )
    report = importer.import_text(text, xapi=False)
    assert report.added == 2
    assert [r.line for r in report.rejections] == [2]
    assert "unreadable CSV" in report.rejections[0].reason


def test_dates_in_any_common_form_import_and_impossible_ones_reject_only_their_row(importer):
    text = (
        "learner,course_id,status,date\n"
        f"U0ANA,{SQL},completed,31/01/2024\n"
        f"U0ANA,{GIT},started,9999-12-31T23:59:59-23:59\n"
        f"U0ANA,{GIT},completed,03/04/2024\n"
        f"U0BEA,{GIT},completed,0001-01-01T00:00:00+01:00\n"
    )
    report = importer.import_text(text, xapi=False)
    assert report.added == 1
    assert importer.history.for_learner("U0ANA")[0].at == "2024-01-31T00:00:00+00:00"
    reasons = {r.line: r.reason for r in report.rejections}
    assert set(reasons) == {3, 4, 5}
    assert "out of range" in reasons[3] and "ambiguous" in reasons[4] and "out of range" in reasons[5]
