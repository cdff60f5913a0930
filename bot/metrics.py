"""Prometheus metrics of the web process, served on `/metrics` (text format) when UPNEXT_METRICS=on.

They are served on a port of their own when UPNEXT_METRICS_PORT is set (and then not on the public port), else beside
/slack/events.

- `upnext_requests_total{kind,outcome}`: Slack requests by kind (bot.request_kind) and HTTP outcome (ok, rejected,
  unauthorized, error); `upnext_ack_seconds{kind}`: time to the HTTP answer Slack waits for (the ack).
- `upnext_answer_seconds{kind,outcome}`: from the request's arrival until its listener finished (ok or error).
- `upnext_slack_api_calls_total{method,outcome}` and `upnext_slack_rate_limited_total{method}` (429s).
- `upnext_nudges{status}`: nudges in the store by status, read at scrape time (the clock writes them); left out
  while the store cannot be reached.
- `upnext_rebuild_seconds{what}`: background rebuilds (the recommender's signals).

The request kind travels from Bolt's middleware to the WSGI wrapper and to the listener pool in a thread-local: Bolt
dispatches a request on the WSGI thread and submits its listener from that same thread.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState

from bot.request_kind import request_kind
from learning.store.engine import StoreUnavailable

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class _Request(threading.local):
    kind: str = "other"
    arrived: float = 0.0
    failed: bool = False


class Metrics:
    def __init__(self, nudge_counts: Callable[[], Mapping[str, int]] | None = None):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "upnext_requests", "Slack requests by kind and outcome", ["kind", "outcome"], registry=self.registry
        )
        self.ack_seconds = Histogram(
            "upnext_ack_seconds", "Time to acknowledge a Slack request", ["kind"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.answer_seconds = Histogram(
            "upnext_answer_seconds", "From a request's arrival until its listener finished", ["kind", "outcome"],
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.slack_calls = Counter(
            "upnext_slack_api_calls", "Slack Web API calls", ["method", "outcome"], registry=self.registry
        )
        self.rate_limited = Counter(
            "upnext_slack_rate_limited", "Slack Web API answers HTTP 429", ["method"], registry=self.registry
        )
        self.rebuild_seconds = Histogram(
            "upnext_rebuild_seconds", "Background rebuilds", ["what"],
            buckets=(0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120), registry=self.registry,
        )  # fmt: skip
        if nudge_counts is not None:
            self.registry.register(_NudgeCollector(nudge_counts))
        self.current = _Request()

    def text(self) -> bytes:
        return generate_latest(self.registry)

    # -- hooks the app calls ------------------------------------------------------------------------------------
    def middleware(self, body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> None:
        """Bolt global middleware: remember what kind of request this thread is dispatching, and count the Web API
        calls its listener makes (Bolt gives each request a plain copy of the app's client)."""
        self.current.kind = request_kind(body)
        if context.client is not None and not isinstance(context.client, MeasuredWebClient):
            context["client"] = MeasuredWebClient.copy_of(context.client, self, context.team_id)
        next()

    def listener_failed(self) -> None:
        self.current.failed = True

    def timed_rebuild(self, what: str) -> Callable[[float], None]:
        return self.rebuild_seconds.labels(what).observe


class _NudgeCollector:
    def __init__(self, counts: Callable[[], Mapping[str, int]]):
        self.counts = counts

    def collect(self) -> Iterable[GaugeMetricFamily]:
        """Left out while the store cannot be reached: the rest of the page is what an outage is watched by."""
        try:
            counts = self.counts()
        except StoreUnavailable:
            return
        family = GaugeMetricFamily("upnext_nudges", "Nudges in the store by status", labels=["status"])
        for status, count in sorted(counts.items()):
            family.add_metric([status], count)
        yield family


class MeasuredPool(ThreadPoolExecutor):
    """The listener pool, timing each listener from its request's arrival until it finished."""

    def __init__(self, metrics: Metrics, max_workers: int):
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self.metrics = metrics

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        current = self.metrics.current
        kind, arrived = current.kind, current.arrived or time.perf_counter()

        def measured() -> Any:
            current.failed = False
            try:
                return fn(*args, **kwargs)
            finally:
                outcome = "error" if current.failed else "ok"
                self.metrics.answer_seconds.labels(kind, outcome).observe(time.perf_counter() - arrived)

        return super().submit(measured)


class _RateLimitCounter(RetryHandler):
    """Retries nothing: counts each 429 before the real retry handlers wait it out."""

    def __init__(self, metrics: Metrics):
        super().__init__(max_retry_count=sys.maxsize)
        self.metrics = metrics

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            self.metrics.rate_limited.labels(request.url.rstrip("/").rsplit("/", 1)[-1]).inc()
        return False


class MeasuredWebClient(WebClient):
    """Counts every Web API call by method and outcome, and every 429 (which it waits out and retries)."""

    def __init__(self, metrics: Metrics, **options: Any):
        super().__init__(**options)
        self.metrics = metrics

    @classmethod
    def build(cls, metrics: Metrics, *, retry_handlers: list[RetryHandler], **options: Any) -> MeasuredWebClient:
        return cls(metrics, retry_handlers=[_RateLimitCounter(metrics), *retry_handlers], **options)

    @classmethod
    def copy_of(cls, client: WebClient, metrics: Metrics, team_id: str | None) -> MeasuredWebClient:
        """The same client (token, URL, retry handlers, which count 429s already), counting its calls."""
        return cls(
            metrics, token=client.token, base_url=client.base_url, timeout=client.timeout, ssl=client.ssl,
            proxy=client.proxy, headers=client.headers, team_id=team_id, logger=client.logger,
            retry_handlers=client.retry_handlers,
        )  # fmt: skip

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError:
            self.metrics.slack_calls.labels(api_method, "error").inc()
            raise
        except Exception:
            self.metrics.slack_calls.labels(api_method, "failed").inc()
            raise
        self.metrics.slack_calls.labels(api_method, "ok").inc()
        return response
