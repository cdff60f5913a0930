"""The WSGI side of the metrics: the measured /slack/events wrapper and /metrics as a page or on a port of its own.

Kept with the transports because it wraps the WSGI app; the registry it feeds (bot.metrics) is the Bolt app's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, start_http_server

from bot.metrics import Metrics
from bot.transports.http import EVENTS_PATH, StartResponse

METRICS_PATH = "/metrics"


def _outcome(status: str) -> str:
    code = int(status.split(" ", 1)[0])
    if code < 400:
        return "ok"
    if code == 401:
        return "unauthorized"
    return "rejected" if code < 500 else "error"


def serve_metrics(metrics: Metrics, port: int, host: str = "0.0.0.0") -> None:
    """/metrics on a port of its own, from a background thread for as long as the process runs."""
    start_http_server(port, host, metrics.registry)


class MetricsWsgi:
    """Wraps the Slack WSGI app: measures every request to /slack/events, and serves /metrics unless `page` is
    False (they are served on a port of their own)."""

    def __init__(self, inner: Callable[..., Iterable[bytes]], metrics: Metrics, page: bool = True):
        self.inner = inner
        self.metrics = metrics
        self.page = page

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == METRICS_PATH and self.page:
            data = self.metrics.text()
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(data)))])
            return [data]
        if path != EVENTS_PATH:
            return self.inner(environ, start_response)
        current = self.metrics.current
        current.kind, current.arrived, current.failed = "other", time.perf_counter(), False
        statuses: list[str] = []

        def noting(status: str, headers: list, exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        body = self.inner(environ, noting)
        kind = current.kind
        self.metrics.ack_seconds.labels(kind).observe(time.perf_counter() - current.arrived)
        self.metrics.requests.labels(kind, _outcome(statuses[-1] if statuses else "500")).inc()
        return body
