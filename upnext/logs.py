"""Log set-up for every `upnext` command, with secrets redacted and Slack ids replaced by pseudonyms.

Lines are plain, or one JSON object a line (UPNEXT_LOG_FORMAT=json) for log collectors. Either way the configured
tokens, signing secret, OAuth client secret and DATABASE_URL's password, and anything shaped like a Slack token, are
replaced by `[redacted]` before a line is written, and anything shaped like a Slack id (a user, team, channel...) or an
email address by a keyed pseudonym, `U#1a2b3c4d`: the same id gives the same pseudonym in every line and process of the
install, and without the key (derived from the bot token, else the signing secret) no list of ids can be hashed to find
whose it is. What people type is never logged by Upnext's own code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from config import Settings

TOKEN_SHAPE = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+")
# users U/W, teams T, enterprises E, channels C/D/G, bots B: 9 or more capitals and digits, wherever they stand (glued
# to other text as in "user%3DU0123ABCDEF" too); an uppercase word of that shape is hashed as well, which is harmless
SLACK_ID_SHAPE = re.compile(r"[BCDEGTUW][A-Z0-9]{8,}(?![A-Z0-9])")
EMAIL_SHAPE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
REDACTED = "[redacted]"
MIN_SECRET = 8
QUIET = ("faiss.loader", "sentence_transformers", "httpx")


def pseudonym_key(secrets: Iterable[str | None]) -> bytes:
    """The key of the log pseudonyms: from the first secret set (the bot token, which the web and clock processes
    share), else random for this process."""
    secret = next((s for s in secrets if s), None)
    return hashlib.sha256(b"upnext log pseudonyms\0" + secret.encode()).digest() if secret else os.urandom(32)


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str | None], fmt: str | None = None):
        super().__init__(fmt)
        secrets = list(secrets)
        # real tokens and signing secrets are long; replacing a very short value would mangle every line
        self.secrets = sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True)
        self.key = pseudonym_key(secrets)

    def _pseudonym(self, found: re.Match[str]) -> str:
        """`U#1a2b3c4d` for a Slack id, `email#1a2b3c4d` for an email address (case folded)."""
        text = found.group()
        prefix, keyed = ("email", text.lower()) if "@" in text else (text[0], text)
        return f"{prefix}#{hmac.new(self.key, keyed.encode(), hashlib.sha256).hexdigest()[:8]}"

    def redact(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        line = EMAIL_SHAPE.sub(self._pseudonym, TOKEN_SHAPE.sub(REDACTED, line))
        return SLACK_ID_SHAPE.sub(self._pseudonym, line)

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


def secrets_of(settings: Settings) -> tuple[str | None, ...]:
    """What no log line may hold, the bot token first (it keys the pseudonyms)."""
    password = urlsplit(settings.database_url).password if settings.database_url else None
    return (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token,
            settings.slack_client_secret, password)  # fmt: skip


def configure_logging(settings: Settings | None, level: int) -> None:
    secrets = secrets_of(settings) if settings else ()
    if settings and settings.log_format == "json":
        formatter: logging.Formatter = JsonFormatter(secrets)
    else:
        formatter = RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    logging.basicConfig(level=level, handlers=[handler])
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
