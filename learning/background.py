"""Work that runs beside the requests (signals rebuilds, re-reads, the start-up warm-up) on a daemon thread.

A failure is logged with its cause (a store unavailable just now in one line, anything else with its traceback), so
the process keeps serving the last good state instead of failing silently, and closing the store waits for the thread
(its connections must not close under a thread reading through them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from learning.store.engine import StoreUnavailable

log = logging.getLogger(__name__)

_running: set[threading.Thread] = set()
_lock = threading.Lock()


def in_background(name: str, work: Callable[[], object]) -> threading.Thread:
    """Start `work` in a daemon thread called `name`; an exception is logged (with its traceback), never raised."""

    def guarded() -> None:
        try:
            work()
        except Exception as error:
            _failed(f"{name} failed; serving the last good state", error)
        finally:
            with _lock:
                _running.discard(threading.current_thread())

    thread = threading.Thread(target=guarded, daemon=True, name=name)
    with _lock:
        _running.add(thread)
    thread.start()
    return thread


def every(name: str, seconds: float, work: Callable[[], object]) -> threading.Thread:
    """Call `work` every `seconds` on a daemon thread for the life of the process (a failure is logged and the next
    call comes as planned). Not background work that closing the store waits for: `work` should only start some."""

    def loop() -> None:
        while True:
            time.sleep(seconds)
            try:
                work()
            except Exception as error:
                _failed(f"{name} failed; trying again in {seconds:.0f} s", error)

    thread = threading.Thread(target=loop, daemon=True, name=name)
    thread.start()
    return thread


def _failed(what: str, error: Exception) -> None:
    """A store that cannot be used just now is expected (and comes back by itself): one warning line."""
    if isinstance(error, StoreUnavailable):
        log.warning("%s: %s", what, error)
    else:
        log.error("%s", what, exc_info=error)


def wait_for_background(timeout: float) -> bool:
    """Wait up to `timeout` seconds for the background work running now; True when none is left."""
    deadline = time.monotonic() + timeout
    with _lock:
        running = list(_running)
    for thread in running:
        thread.join(max(0.0, deadline - time.monotonic()))
    with _lock:
        return not _running
