"""Every CSV Upnext writes is safe to open in a spreadsheet: a text cell that starts with = + - @, a tab or a carriage
return (a course title, a role people typed in Slack) gets a leading single quote (OWASP's advice for CSV
injection) and every text cell is quoted, while numbers, negative ones too, stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

from insights.csv_cells import csv_text
from insights.formats import as_csv
from insights.gaps import GapFinder
from insights.report import ReportBuilder, Window
from learning.people.history import COMPLETED

FORMULA_TITLE = '=HYPERLINK("https://evil.example","Reset your password")'
FORMULA_ROLE = "@SUM(1+1)*cmd|' /C calc'!A0"


def test_the_report_csv_neutralises_formulas_in_titles_and_roles(service, upnext, encoder, store):
    course = store.sql.value("SELECT id FROM courses ORDER BY id LIMIT 1")
    store.sql.execute("UPDATE courses SET title = :title WHERE id = :id", {"title": FORMULA_TITLE, "id": course})
    last_week = Window.last_weeks(1)  # figures count finished weeks only
    now = datetime.combine(last_week.until, time(12), UTC)
    for n in range(5):
        person = f"U0C{n}"
        service.learners.update(service.learners.ensure(person), title=FORMULA_ROLE)
        service.history.record(person, course, COMPLETED, at=now - timedelta(hours=1))
        service.history.rate(person, course, "up", now)

    report = ReportBuilder(upnext.report_queries(), GapFinder(encoder), min_group=5).build(last_week)
    cells = [cell for row in csv.reader(io.StringIO(as_csv(report))) for cell in row]

    assert "'" + FORMULA_TITLE in cells and "'" + FORMULA_ROLE in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)
    assert not any(cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit() for cell in cells)


def test_text_cells_that_would_run_get_a_quote_and_numbers_stay_numbers():
    row = [-3, -0.25, 0, "-3", "=1+2", "+1", "@x", "\tx", "\rx", "plain", None, True]
    written = csv_text([row])
    assert written.splitlines()[0].startswith("-3,-0.25,0,")  # numbers unquoted: a spreadsheet reads numbers
    [read] = csv.reader(io.StringIO(written))
    assert read == ["-3", "-0.25", "0", "'-3", "'=1+2", "'+1", "'@x", "'\tx", "'\rx", "plain", "", "True"]
