"""CSV that a spreadsheet cannot run: the one writer for every CSV Upnext produces.

A text cell starting with = + - @, a tab or a carriage return is read as a formula by Excel, LibreOffice and
Google Sheets, so it gets a leading single quote (OWASP, "CSV Injection"); every text cell is quoted, so a
spreadsheet that splits on another separator (';' in many locales) cannot cut a cell into a formula. Numbers are
written as numbers, negative ones included: only text is neutralised, since text is what people and catalogs typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """`value` with a leading single quote if it is text a spreadsheet would run; anything else as it is."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV: numbers (and booleans) unquoted, text quoted and neutralised, None as an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerows([["" if cell is None else spreadsheet_safe(cell) for cell in row] for row in rows])
    return out.getvalue()
