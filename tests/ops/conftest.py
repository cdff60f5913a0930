"""`upnext` as a real subprocess on a prepared UPNEXT_HOME, talking to the fake Slack."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from config import Settings
from learning.service import LearningService
from tests.fakes.slack import FakeSlack
from tests.helpers import http


@dataclass
class UpnextProcess:
    process: subprocess.Popen
    url: str
    slack: FakeSlack
    log_path: Path

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def terminate(self, timeout: float = 15) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def start_upnext(
    settings: Settings, service: LearningService, fake_slack: FakeSlack, models_dir: Path, tmp_path: Path
) -> Iterator[Callable[..., UpnextProcess]]:
    """Start `upnext ARGS` (default `serve --http`, then wait until healthy) on the test's store (catalog imported,
    index built), with `env` on top."""
    started: list[UpnextProcess] = []

    def start(*args: str, env: dict[str, str] | None = None, healthy: bool = True) -> UpnextProcess:
        port = free_port()
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "UPNEXT_", "DATABASE_"))},
            "SLACK_BOT_TOKEN": settings.slack_bot_token or "",
            "SLACK_SIGNING_SECRET": settings.slack_signing_secret or "",
            "SLACK_API_URL": fake_slack.api_url,
            "UPNEXT_HOME": str(settings.home),
            "UPNEXT_MODELS": str(models_dir),
            "PORT": str(port),
            **({"DATABASE_URL": settings.database_url} if settings.database_url else {}),
            **(env or {}),
        }
        log_path = tmp_path / f"upnext-{len(started)}.log"
        upnext = Path(sys.executable).with_name("upnext")
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [str(upnext), *(args or ("serve", "--http"))], env=environment, cwd=tmp_path, stdout=log, stderr=log
            )
        running = UpnextProcess(process, f"http://127.0.0.1:{port}", fake_slack, log_path)
        started.append(running)
        deadline = time.monotonic() + 60
        while healthy and http_status(running.url + "/healthz") != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"upnext did not become healthy:\n{running.log}")
            time.sleep(0.05)
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def http_status(url: str) -> int | None:
    try:
        return http(url).status
    except OSError:
        return None
