"""Reading JSON from outside: the one place such a document is parsed.

Catalog JSON Lines, xAPI statements, Slack payloads and button values are all parsed here, so that no document, however
deep, long or malformed, does more than reject itself.

`json.loads` raises more than JSONDecodeError on hostile input: RecursionError for deep nesting (100k `[`), ValueError
for integers longer than Python's digit limit, MemoryError for huge values. All become `UnreadableJson`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


class UnreadableJson(ValueError):
    pass


def _reason(error: BaseException) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON ({error.msg} at column {error.colno})"
    if isinstance(error, RecursionError):
        return "not readable JSON (nested too deeply)"
    if isinstance(error, MemoryError):
        return "not readable JSON (too large)"
    return f"not readable JSON ({str(error)[:80]})"


def loads(text: str) -> Any:
    """json.loads, with every way it can fail on bad input turned into UnreadableJson."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError, MemoryError) as error:
        raise UnreadableJson(_reason(error)) from None


def json_lines(text: str) -> Iterator[tuple[int, Any]]:
    """(line number, value or UnreadableJson) for each non-blank line. Lines end at '\n' only: str.splitlines()
    would also split at U+2028 and other separators that JSON allows unescaped inside a string."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            try:
                yield number, loads(line)
            except UnreadableJson as error:
                yield number, error


def array_items(text: str) -> Iterator[tuple[int, Any]]:
    """(position from 1, value or UnreadableJson) for each item of a top-level JSON array, item by item, so one bad
    item is rejected alone. Raises UnreadableJson only when the text is not an array at all."""
    at = _skip(text, 0)
    if text[at : at + 1] != "[":
        raise UnreadableJson("not a JSON array")
    at = _skip(text, at + 1)
    position = 0
    if text[at : at + 1] == "]":
        return
    while at < len(text):
        position += 1
        try:
            value, end = _DECODER.raw_decode(text, at)
        except (ValueError, RecursionError, MemoryError) as error:
            value, end = UnreadableJson(_reason(error)), _item_end(text, at)
        yield position, value
        at = _skip(text, end)
        if text[at : at + 1] == "]":
            return
        if text[at : at + 1] != ",":
            yield position + 1, UnreadableJson(f"not valid JSON (expected ',' or ']' at character {at})")
            return
        at = _skip(text, at + 1)
    yield position + 1, UnreadableJson("not valid JSON (the array is not closed)")


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _WHITESPACE:
        at += 1
    return at


def _item_end(text: str, at: int) -> int:
    """Where the array item starting at `at` ends (at its ',' or the array's ']'), counting brackets outside
    strings, without recursion."""
    depth, in_string, escaped = 0, False, False
    for index in range(at, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            if depth == 0:
                return index
            depth -= 1
        elif char == "," and depth == 0:
            return index
    return len(text)
