"""The people file: who reports to whom, from an HR export (CSV, or an .xlsx workbook's first sheet).

Columns: `person` (Slack user id or email), `manager` (the same, empty for someone with no manager), `department`,
`location`; or a vendor's headers through a preset, or `--map`, read as the catalog import reads its files
(learning.catalog.columns, learning.catalog.tabular). Each bad row is reported with its line and reason and the good
ones import. Each import replaces the previous reporting lines as a whole: the file is the whole organisation.

Nobody is looked up in Slack: a person named by email is matched, when read, to the learner with that email in their
Slack profile (users:read.email), so the import runs without Slack and a large file costs no API calls. People who
asked Upnext to forget them (kept as a one-way hash) are refused, as the report and as the manager.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from learning.catalog.columns import ColumnMap, Fields, Preset, resolve
from learning.catalog.echoes import echoed
from learning.catalog.files import Rejection, RowCounts
from learning.catalog.tabular import MAX_CELL, Table, csv_table, xlsx_table
from learning.people.learners import MAX_PROFILE_CHARS, LearnerRepository, filed_as, person_key
from learning.teams.reporting import Line, ReportingLines
from learning.timestamps import utcnow

FORGOTTEN = "asked Upnext to forget them"
PRESETS = {
    preset.name: preset
    for preset in (
        Preset(
            "hris",
            "a generic HRIS export (Workday, BambooHR, HiBob, Personio style): Employee Email, Manager Email, "
            "Department, Location",
            {
                "person": ("Employee Email", "Work Email", "Email Address", "Email", "Employee Work Email"),
                "manager": (
                    "Manager Email",
                    "Supervisor Email",
                    "Reports To Email",
                    "Manager Work Email",
                    "Line Manager Email",
                ),
                "department": ("Department", "Department Name", "Team", "Division"),
                "location": ("Location", "Work Location", "Office", "Site", "Location Name"),
            },
        ),
    )
}
PEOPLE = Fields(("person", "manager", "department", "location"), ("person", "manager"), PRESETS,
                noun="people field")  # fmt: skip


@dataclass
class PeopleReport(RowCounts):
    imported: int = 0
    with_manager: int = 0
    replaced: int = 0  # the previous import's lines, gone
    rejections: list[Rejection] = field(default_factory=list)
    dry_run: bool = False
    rows: int = 0  # rows read, good or bad: 0 means the file names nobody
    mapping: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = f"{self.imported} people ({self.with_manager} with a manager), {self.rejected} rejected"
        if not self.imported:
            return f"{counts}; nothing to import: the previous import's lines are kept"
        if self.dry_run:
            return f"dry run, nothing written: {counts}; the previous import's lines would be replaced"
        return f"{counts}; the {self.replaced} reporting lines of the previous import were replaced"

    def lines(self) -> list[str]:
        return [*self.mapping, *(f"rejected {r}" for r in self.rejections), self.summary()]


class PeopleRowError(ValueError):
    pass


def _key(value: Any, what: str) -> str:
    text = str(value).strip()
    key = person_key(text)
    if key is None:
        raise PeopleRowError(f"{what} must be a Slack user id (U…) or an email address, got {echoed(text)}")
    return key


def _text(value: Any) -> str | None:
    return " ".join(str(value).split())[:MAX_PROFILE_CHARS] or None if value is not None else None


def _line(raw: dict[str, Any]) -> Line:
    too_long = next((name for name, value in raw.items() if isinstance(value, str) and len(value) > MAX_CELL), None)
    if too_long:
        raise PeopleRowError(f"{too_long} holds {len(raw[too_long]):,} characters, more than a cell may hold")
    if raw.get("person") is None:
        raise PeopleRowError("missing person")
    person = _key(raw["person"], "person")
    manager = _key(raw["manager"], "manager") if raw.get("manager") is not None else None
    if manager == person:
        raise PeopleRowError("names the person as their own manager")
    return Line(person, manager, _text(raw.get("department")), _text(raw.get("location")))


def _rows(table: Table, columns: ColumnMap) -> Iterator[tuple[int, Line | None, str | None]]:
    for number, cells, problem in table.rows:
        if cells is None:
            yield number, None, problem
            continue
        try:
            yield number, _line(columns.row(cells)), None
        except PeopleRowError as error:
            yield number, None, str(error)


def read_table(path: Path) -> Table:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return xlsx_table(path)
    if suffix in (".xls", ".xlsm", ".ods", ".numbers"):
        raise ValueError(f"{suffix} files are not read: save the sheet as .xlsx or CSV")
    return csv_table(path.read_bytes().decode("utf-8-sig", errors="replace"))


class PeopleImporter:
    def __init__(self, lines: ReportingLines, learners: LearnerRepository):
        self.lines = lines
        self.learners = learners

    def import_file(self, path: Path, dry_run: bool = False, preset: str | None = None,
                    mapping: dict[str, str] | None = None) -> PeopleReport:  # fmt: skip
        """Raises ValueError only when the file as a whole is unusable (no person column, an unknown --map column)."""
        table = read_table(path)
        report = PeopleReport(dry_run=dry_run)
        if not table.header:
            return report
        columns = resolve(table.header, preset, mapping, PEOPLE)
        if dry_run:
            report.mapping = columns.describe()
        read = list(_rows(table, columns))
        named = {key for _, line, _ in read if line for key in (line.person, line.manager) if key}
        refused = self.learners.refused(named)
        first: dict[str, int] = {}
        kept: list[Line] = []
        for number, line, problem in read:
            report.rows += 1
            reason = problem or self._refusal(line, refused, first)
            if reason or line is None:
                report.rejections.append(Rejection(number, reason or "unreadable row"))
                continue
            first[line.person] = number
            kept.append(Line(filed_as(line.person), line.manager and filed_as(line.manager), line.department,
                             line.location))  # fmt: skip
        report.imported, report.with_manager = len(kept), sum(1 for line in kept if line.manager)
        if not dry_run and kept:  # a file with no usable row replaces nothing
            report.replaced = self.lines.replace(kept, utcnow())
        return report

    @staticmethod
    def _refusal(line: Line | None, refused: set[str], first: dict[str, int]) -> str | None:
        if line is None:
            return None
        if line.person in first:
            return f"the person is named again (first on line {first[line.person]})"
        if line.person in refused:
            return f"this person {FORGOTTEN}"
        if line.manager in refused:
            return f"their manager {FORGOTTEN}"
        return None
