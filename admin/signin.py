"""Admin sign-in: a one-time link (10 minutes, single use) becomes an 8-hour session. Only a SHA-256 hash of each
secret is stored, so a copy of the database signs nobody in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from learning.store import Store, iso, utcnow

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=8)
LINK, SESSION = "link", "session"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


class SignIn:
    def __init__(self, store: Store, clock=utcnow):
        self.store = store
        self.clock = clock

    def _issue(self, kind: str, user_id: str, ttl: timedelta) -> str:
        secret, now = secrets.token_urlsafe(32), self.clock()
        self.store.db.execute(
            "INSERT INTO admin_tokens (token_hash, kind, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            [_hash(secret), kind, user_id, iso(now), iso(now + ttl)],
        )
        self.store.db.execute("DELETE FROM admin_tokens WHERE expires_at < ?", [iso(now - SESSION_TTL)])
        return secret

    def link(self, user_id: str, public_url: str) -> str:
        """A sign-in link for `user_id` (whom the caller has checked is an admin)."""
        token = self._issue(LINK, user_id, LINK_TTL)
        return f"{public_url.rstrip('/')}/admin/login?{urlencode({'token': token})}"

    def redeem(self, token: str) -> str | None:
        """A new session secret for a valid, unused, unexpired link token, which is used up; None otherwise."""
        if not token:
            return None
        now = iso(self.clock())
        with self.store.write() as db:
            row = db.execute(
                "SELECT user_id FROM admin_tokens WHERE token_hash = ? AND kind = ? AND used_at IS NULL "
                "AND expires_at > ?",
                [_hash(token), LINK, now],
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE admin_tokens SET used_at = ? WHERE token_hash = ?", [now, _hash(token)])
        return self._issue(SESSION, row[0], SESSION_TTL)

    def session_user(self, secret: str | None) -> str | None:
        """Whose session this is, while it lasts."""
        if not secret:
            return None
        row = self.store.db.execute(
            "SELECT user_id FROM admin_tokens WHERE token_hash = ? AND kind = ? AND expires_at > ?",
            [_hash(secret), SESSION, iso(self.clock())],
        ).fetchone()
        return row[0] if row else None
