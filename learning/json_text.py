"""One way to read JSON that came from outside (Slack payloads, button values, import files): anything that is not
usable JSON, absurdly deep nesting included, is a ValueError the caller reports, never a crash."""

from __future__ import annotations

import json
from typing import Any


def parse_json(text: str | bytes) -> Any:
    """`json.loads`, except that nesting deep enough to exhaust Python's recursion limit is a ValueError too."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
