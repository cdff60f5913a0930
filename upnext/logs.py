"""Log set-up for every `upnext` command: plain lines, or one JSON object a line (UPNEXT_LOG_FORMAT=json) for log
collectors. Either way the configured tokens and signing secret, and anything shaped like a Slack token, are
replaced by `[redacted]` before a line is written. What people type is never logged by Upnext's own code."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from config import Settings

TOKEN_SHAPE = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+")
REDACTED = "[redacted]"
MIN_SECRET = 8
QUIET = ("faiss.loader", "sentence_transformers", "httpx")


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str | None], fmt: str | None = None):
        super().__init__(fmt)
        # real tokens and signing secrets are long; replacing a very short value would mangle every line
        self.secrets = sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True)

    def redact(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return TOKEN_SHAPE.sub(REDACTED, line)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(RedactingFormatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(entry, ensure_ascii=False))


def configure_logging(settings: Settings | None, level: int) -> None:
    secrets = (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token) if settings else ()
    if settings and settings.log_format == "json":
        formatter: logging.Formatter = JsonFormatter(secrets)
    else:
        formatter = RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    logging.basicConfig(level=level, handlers=[handler])
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
