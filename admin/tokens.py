"""The admin_tokens table: admin sign-in links and sessions, by a hash of their secret (`admin.signin` makes and
checks the secrets; this only stores and finds the hashes)."""

from __future__ import annotations

from datetime import datetime

from learning.store.engine import Store
from learning.timestamps import iso


class AdminTokenRepository:
    def __init__(self, store: Store):
        self.store = store

    def add(self, token_hash: str, kind: str, user_id: str, now: datetime, expires_at: datetime) -> None:
        self.store.db.execute(
            "INSERT INTO admin_tokens (token_hash, kind, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            [token_hash, kind, user_id, iso(now), iso(expires_at)],
        )

    def prune(self, expired_before: datetime) -> None:
        self.store.db.execute("DELETE FROM admin_tokens WHERE expires_at < ?", [iso(expired_before)])

    def remove(self, user_id: str, kind: str) -> None:
        self.store.db.execute("DELETE FROM admin_tokens WHERE user_id = ? AND kind = ?", [user_id, kind])

    def use(self, token_hash: str, kind: str, now: datetime) -> str | None:
        """Mark an unused, unexpired token of this kind used, in one transaction; its user, or None."""
        with self.store.write() as db:
            row = db.execute(
                "SELECT user_id FROM admin_tokens WHERE token_hash = ? AND kind = ? AND used_at IS NULL "
                "AND expires_at > ?",
                [token_hash, kind, iso(now)],
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE admin_tokens SET used_at = ? WHERE token_hash = ?", [iso(now), token_hash])
        return row[0]

    def holder(self, token_hash: str, kind: str, now: datetime) -> str | None:
        """The user of an unexpired token of this kind, or None."""
        row = self.store.db.execute(
            "SELECT user_id FROM admin_tokens WHERE token_hash = ? AND kind = ? AND expires_at > ?",
            [token_hash, kind, iso(now)],
        ).fetchone()
        return row[0] if row else None
