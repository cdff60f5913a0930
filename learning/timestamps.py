"""Time as the product keeps it: now in UTC, and the ISO 8601 text every table stores."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Timestamps are stored as ISO 8601 in UTC, which sorts correctly as text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")
