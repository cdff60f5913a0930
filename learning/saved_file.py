"""Noticing that another process replaced a file we loaded (the course index, the ranker's model)."""

from __future__ import annotations

import os
from pathlib import Path


def file_state(path: Path) -> tuple[int, int, int] | None:
    """What changes when the file is replaced (atomically, by rename): None when there is no file."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino
