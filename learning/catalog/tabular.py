"""Rows of a table people exported (CSV, or an .xlsx workbook's first sheet), each with the line it starts on.

A workbook is read by what it holds, never by what it declares: a sheet may claim every cell of Excel
(`A1:XFD1048576`) while holding three, and a 2 kB file may unpack to gigabytes. Its parts' unpacked sizes are
checked before anything is parsed (MAX_XLSX_PART), empty rows cost nothing, and rows are read only as wide as the
header (plus one column, to report values beyond it). A cell longer than MAX_CELL rejects its row (catalog_import).

CSV is read strictly: a quote that is never closed does not swallow the rows after it into one field. The record
it starts is reported as unreadable and reading resumes on the next physical line, so the rows that follow still
arrive (and a legitimate quoted field spanning several lines still reads as one).
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from learning.catalog.echoes import echoed

MAX_FIELD = 10 * 1024 * 1024  # one CSV field the reader accepts; a cell over MAX_CELL is then refused by its row
MAX_CELL = 65_536  # characters in one cell: six times the longest description kept (10,000), twice Excel's own limit
MAX_XLSX_PART = 128 * 1024 * 1024  # unpacked bytes of one part of a workbook (a sheet, the shared strings)
MAX_COLUMNS = 1_000  # a header row wider than this is not a catalog

Cells = list[object]


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, Cells | None, str | None]]  # (line, cells, None) or (line, None, why unreadable)


def csv_table(text: str) -> Table:
    """Comma-, semicolon- or tab-separated (Excel writes ';' where the decimal mark is a comma): the header row's
    most frequent of the three decides."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    lines = io.StringIO(text, newline="").readlines()
    top = lines[0] if lines else ""
    delimiter = max(",;\t", key=top.count) if any(d in top for d in ",;\t") else ","
    first = next(_records(lines, 0, delimiter), None)
    if first is None:
        return Table([], iter(()))
    _, header, _, next_line = first
    if header is None:
        return Table([], iter(()))
    return Table([str(h) for h in header], _rows(lines, next_line, len(header), delimiter))


def _records(lines: list[str], start: int, delimiter: str) -> Iterator[tuple[int, Cells | None, str | None, int]]:
    """(first line, cells or None, problem, index of the line after the record) from lines[start:]."""
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), delimiter=delimiter, strict=True)
        consumed = 0
        try:
            for cells in reader:
                yield start + consumed + 1, list(cells), None, start + reader.line_num
                consumed = reader.line_num
            return
        except csv.Error as error:
            bad = start + consumed + 1
            reason = "a quote is opened and never closed" if "end of data" in str(error) else str(error)
            yield bad, None, f"unreadable CSV ({reason}); the lines after it are read on their own", bad
            start = bad


def _rows(lines: list[str], start: int, columns: int, delimiter: str) -> Iterator[tuple[int, Cells | None, str | None]]:
    for line, cells, problem, _ in _records(lines, start, delimiter):
        if cells is None:
            yield line, None, problem
        elif any(str(cell).strip() for cell in cells):
            if len(cells) != columns:
                yield line, None, f"has {len(cells)} columns, the header has {columns}"
            else:
                yield line, cells, None


def xlsx_table(path: Path) -> Table:
    """The first worksheet: its first non-empty row is the header; dates and numbers keep their types."""
    from openpyxl import load_workbook

    _check_parts(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValueError(f"not a readable .xlsx workbook ({type(error).__name__})") from None
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # the declared size is not trusted: rows are as wide as their last cell
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell(v) for v in row] if row.count(None) < len(row) else []
        header = [str(c).strip() if c is not None else "" for c in cells]
        while header and not header[-1]:
            header.pop()
        if header:
            if len(header) > MAX_COLUMNS:
                workbook.close()
                raise ValueError(f"the header row (row {number}) reaches column {len(header):,}; a catalog has at "
                                 f"most {MAX_COLUMNS:,} columns")  # fmt: skip
            rest = sheet.iter_rows(min_row=number + 1, max_col=len(header) + 1, values_only=True)
            return Table(header, _sheet_rows(enumerate(rest, start=number + 1), len(header), workbook))
    workbook.close()
    return Table([], iter(()))


def _check_parts(path: Path) -> None:
    """Refuse a workbook whose sheets or shared strings unpack to more than MAX_XLSX_PART, before parsing any:
    openpyxl holds every shared string in memory, and the sizes in the zip directory bound what zipfile unpacks."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"not a readable .xlsx workbook ({type(error).__name__})") from None
    for part in parts:
        if part.file_size > MAX_XLSX_PART:
            raise ValueError(
                f"{echoed(part.filename)} unpacks to {part.file_size / 2**20:,.0f} MiB, more than Upnext reads from "
                f"one part of a workbook ({MAX_XLSX_PART // 2**20} MiB); save the sheet as CSV or split it"
            )


def _sheet_rows(numbered, columns: int, workbook) -> Iterator[tuple[int, Cells | None, str | None]]:
    """Rows after the header, each read `columns + 1` wide: the extra column tells a value beyond the header."""
    try:
        for number, row in numbered:
            if row.count(None) == len(row):  # empty, and cheap to tell: a sheet may have a million of them
                continue
            cells = [_cell(v) for v in row]
            if len(cells) > columns and cells[columns] is not None:
                yield number, None, f"has values beyond the header's {columns} columns"
            elif any(c is not None for c in cells):
                yield number, (cells + [None] * columns)[:columns], None
    finally:
        workbook.close()


def _cell(value: object) -> object:
    """Sheet cells as the import reads them: text stripped, whole floats as ints, dates and times kept."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime | date | time | int | float) or value is None:
        return value
    return str(value)
