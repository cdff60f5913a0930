"""How import messages show what a file holds: bounded, and with nothing a terminal would act on."""

from __future__ import annotations

ECHO_LIMIT = 200  # characters of a value shown in a message; the rest is marked, never printed


def echoed(value: object, limit: int = ECHO_LIMIT) -> str:
    """A value from a file (a cell, an id, a header), quoted as repr() quotes it, its first `limit` characters only,
    control and other unprintable characters escaped (\\x1b, \\x9b, \\n): no cell can flood the terminal or the
    report, or send it escape sequences. Every message that echoes input goes through here."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    shown = repr(text[:limit])
    return f"{shown[:-1]}…{shown[-1]} ({len(text):,} characters)"


def echoed_all(values: list, most: int = 20) -> str:
    """Several values (a header row), each echoed; past `most` of them only their number is given."""
    shown = ", ".join(echoed(value) for value in values[:most])
    return shown + (f" and {len(values) - most:,} more" if len(values) > most else "")
