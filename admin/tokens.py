"""The admin_tokens table: admin sign-in links and sessions, by a hash of their secret.

`admin.signin` makes and checks the secrets; this only stores and finds the hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from learning.store.engine import Store, TableSteps
from learning.timestamps import iso

# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    6: """
        -- admin sign-in: one-time links and sessions, by a hash of their secret only
        CREATE TABLE admin_tokens (
            token_hash TEXT PRIMARY KEY,
            kind TEXT NOT NULL,               -- link | session
            user_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        );
""",
}


class AdminTokenRepository:
    def __init__(self, store: Store):
        self.store = store

    def add(self, token_hash: str, kind: str, user_id: str, now: datetime, expires_at: datetime) -> None:
        self.store.sql.execute(
            "INSERT INTO admin_tokens (token_hash, kind, user_id, created_at, expires_at) "
            "VALUES (:hash, :kind, :user, :now, :expires)",
            {"hash": token_hash, "kind": kind, "user": user_id, "now": iso(now), "expires": iso(expires_at)},
        )

    def prune(self, expired_before: datetime) -> None:
        self.store.sql.execute("DELETE FROM admin_tokens WHERE expires_at < :before", {"before": iso(expired_before)})

    def remove(self, user_id: str, kind: str) -> None:
        self.store.sql.execute(
            "DELETE FROM admin_tokens WHERE user_id = :user AND kind = :kind", {"user": user_id, "kind": kind}
        )

    def erase(self, user_ids: Sequence[str]) -> int:
        """Delete every sign-in link and session of these users (forget me); how many went."""
        return self.store.sql.execute("DELETE FROM admin_tokens WHERE user_id IN (:ids)", {"ids": tuple(user_ids)})

    def use(self, token_hash: str, kind: str, now: datetime) -> str | None:
        """Mark an unused, unexpired token of this kind used, in one transaction; its user, or None."""
        with self.store.transaction() as sql:
            user = sql.value(
                "SELECT user_id FROM admin_tokens WHERE token_hash = :hash AND kind = :kind AND used_at IS NULL "
                "AND expires_at > :now",
                {"hash": token_hash, "kind": kind, "now": iso(now)},
            )
            if user is None:
                return None
            sql.execute(
                "UPDATE admin_tokens SET used_at = :now WHERE token_hash = :hash", {"now": iso(now), "hash": token_hash}
            )
        return user

    def holder(self, token_hash: str, kind: str, now: datetime) -> str | None:
        """The user of an unexpired token of this kind, or None."""
        return self.store.sql.value(
            "SELECT user_id FROM admin_tokens WHERE token_hash = :hash AND kind = :kind AND expires_at > :now",
            {"hash": token_hash, "kind": kind, "now": iso(now)},
        )
