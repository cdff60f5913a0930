"""Admin sign-in: a one-time link (10 minutes, single use) becomes an 8-hour session. Only a SHA-256 hash of each
secret is stored, so a copy of the database signs nobody in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from admin.tokens import AdminTokenRepository
from learning.timestamps import utcnow

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=8)
LINK, SESSION = "link", "session"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


class SignIn:
    def __init__(self, tokens: AdminTokenRepository, clock=utcnow):
        self.tokens = tokens
        self.clock = clock

    def _issue(self, kind: str, user_id: str, ttl: timedelta) -> str:
        secret, now = secrets.token_urlsafe(32), self.clock()
        self.tokens.add(_hash(secret), kind, user_id, now, now + ttl)
        self.tokens.prune(now - SESSION_TTL)
        return secret

    def link(self, user_id: str, public_url: str) -> str:
        """A sign-in link for `user_id` (whom the caller has checked is an admin)."""
        token = self._issue(LINK, user_id, LINK_TTL)
        return f"{public_url.rstrip('/')}/admin/login?{urlencode({'token': token})}"

    def redeem(self, token: str) -> str | None:
        """A new session secret for a valid, unused, unexpired link token, which is used up; None otherwise."""
        if not token:
            return None
        user_id = self.tokens.use(_hash(token), LINK, self.clock())
        return None if user_id is None else self._issue(SESSION, user_id, SESSION_TTL)

    def session_user(self, secret: str | None) -> str | None:
        """Whose session this is, while it lasts."""
        return self.tokens.holder(_hash(secret), SESSION, self.clock()) if secret else None
