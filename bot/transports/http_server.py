"""The HTTP server under `upnext serve --http`: waitress until SIGTERM (or Ctrl-C), then a graceful stop.

On the signal it stops accepting connections, lets the requests already received finish (Slack gets its acks),
waits for the listener pool to finish the answers it was handed, and exits, all within `grace` seconds: a
container orchestrator's stop, a deploy or a scale-down loses no answer.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

from bot.transports.http import EVENTS_PATH, HEALTH_PATH, MAX_BODY

log = logging.getLogger(__name__)

GRACE_SECONDS = 10.0
# waitress itself refuses a bigger body (413) before reading it: without this it would spool up to 1 GiB of an
# unauthenticated body to disk before our own check ever ran
SERVER_OPTIONS: dict[str, Any] = {"max_request_body_size": MAX_BODY, "ident": "upnext"}


def serve_until_stopped(
    wsgi_app: Callable[..., Any],
    port: int,
    threads: int,
    listeners: Executor,
    host: str = "0.0.0.0",
    grace: float = GRACE_SECONDS,
) -> None:
    server = create_server(wsgi_app, host=host, port=port, threads=threads, **SERVER_OPTIONS)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: stop.set())
    loop = threading.Thread(target=server.run, name="http", daemon=True)
    loop.start()
    while not stop.wait(0.5):  # a timed wait: the signal may land on another thread, and only this one runs handlers
        pass
    started = time.monotonic()
    deadline = started + grace

    def in_flight() -> int:
        channels = [c for c in list(server._map.values()) if isinstance(c, HTTPChannel)]
        return sum(bool(c.requests or c.total_outbufs_len) for c in channels)

    server.trigger.pull_trigger(lambda: wasyncore.dispatcher.close(server))  # in the loop's thread: stop accepting
    while in_flight() and time.monotonic() < deadline:
        time.sleep(0.02)
    answers = threading.Thread(target=listeners.shutdown, kwargs={"wait": True}, daemon=True)
    answers.start()
    answers.join(max(0.0, deadline - time.monotonic()))
    unfinished = in_flight() + (1 if answers.is_alive() else 0)
    server.task_dispatcher.shutdown(timeout=max(0.1, deadline - time.monotonic()))
    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # empties the map: the loop returns
    loop.join(1.0)
    log.info(
        "stopped in %.1fs%s",
        time.monotonic() - started,
        " with work still running at the deadline" if unfinished else ": every request and answer finished",
    )


def serve_http(
    wsgi_app: Callable[..., Iterable[bytes]], port: int, listeners: Executor, threads: int = 16, host: str = "0.0.0.0"
) -> None:
    """Serve until SIGTERM, then finish the requests and answers in flight."""
    log.info("Upnext listening on http://%s:%d%s (health: %s)", host, port, EVENTS_PATH, HEALTH_PATH)
    serve_until_stopped(wsgi_app, port, threads, listeners, host)
