"""Shared test helpers: the real model behind a memo (it is a pure function of the text), and an HTTP client."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.encoder import Encoder
from learning.catalog.courses import text_hash


class MemoEncoder:
    """The real encoder, remembering each text's vector so the suite embeds every text once; `known` are vectors
    made ahead of time by this encoder, by the hash of their text (the bundled catalog's, shipped with the package)."""

    def __init__(self, inner: Encoder, known: Mapping[str, np.ndarray] | None = None):
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self._memo: dict[str, np.ndarray] = {}
        self._known = known or {}
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing and self._known:
            shipped = {t: self._known[h] for t in missing if (h := text_hash(t)) in self._known}
            with self._lock:
                self._memo.update(shipped)
            missing = [t for t in missing if t not in shipped]
        if missing:
            vectors = self.inner.encode(missing, batch_size=batch_size)
            with self._lock:
                self._memo.update(zip(missing, vectors))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self._memo[t] for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        return self.inner.encode_query(text)  # cached there; e5 reads queries with another prefix than courses


class CountingEncoder(MemoEncoder):
    """Counts how many texts the catalog asked the model to embed."""

    def __init__(self, inner: Encoder):
        super().__init__(inner)
        self.embedded: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.embedded.extend(texts)
        return super().encode(texts, batch_size)


class MovableClock:
    """A monotonic clock a test moves on, to make a periodic check due without waiting for it."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.ahead


@dataclass
class HttpResult:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def http(url: str, body: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None):
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return HttpResult(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return HttpResult(error.code, error.read(), dict(error.headers))


def assert_valid_blocks(blocks: list[dict[str, Any]], limit: int = 50) -> None:
    """Re-parse with slack_sdk's models: `to_dict()` raises if any element breaks Slack's limits."""
    from slack_sdk.models.blocks import Block

    assert 0 < len(blocks) <= limit
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"unknown block {block}"
        assert parsed.to_dict() == block


def assert_valid_message(body: dict[str, Any]) -> None:
    assert body.get("text", "").strip(), "every message needs a text fallback"
    assert_valid_blocks(body["blocks"])


def mrkdwn_texts(value: Any) -> list[str]:
    """Every mrkdwn text object in a Block Kit structure: where Slack would parse mentions and links."""
    found: list[str] = []
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            found.append(value["text"])
        for item in value.values():
            found.extend(mrkdwn_texts(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(mrkdwn_texts(item))
    return found


@contextmanager
def write_lock_held(database: Path) -> Iterator[None]:
    """Another process in a long write transaction on the SQLite file (an import, a backup tool, a stuck script)."""
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()
