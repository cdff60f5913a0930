"""Work that runs beside the requests (signals rebuilds, re-reads, the start-up warm-up): a daemon thread whose
failure is logged with its cause, so the process keeps serving the last good state instead of failing silently."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def in_background(name: str, work: Callable[[], object]) -> threading.Thread:
    """Start `work` in a daemon thread called `name`; an exception is logged (with its traceback), never raised."""

    def guarded() -> None:
        try:
            work()
        except Exception:
            log.exception("%s failed; serving the last good state", name)

    thread = threading.Thread(target=guarded, daemon=True, name=name)
    thread.start()
    return thread
