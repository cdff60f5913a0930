"""Admin sign-in: a one-time link (10 minutes, single use) becomes an 8-hour session.

Only a SHA-256 hash of each secret is stored, so a copy of the database signs nobody in. A session lasts only while its
holder is an admin: `AdminRights` confirms it again once five minutes have passed, and a holder who is no longer one
loses every session.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

from admin.tokens import AdminTokenRepository
from insights.queries import Scope
from learning.timestamps import utcnow

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=8)
RECHECK = timedelta(minutes=5)  # a session holder's admin right is confirmed again once this has passed
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

    def link_user(self, token: str) -> str | None:
        """Whose sign-in link this is, while it lasts (without using it up)."""
        return self.tokens.holder(_hash(token), LINK, self.clock()) if token else None

    def end_sessions(self, user_id: str) -> None:
        self.tokens.remove(user_id, SESSION)


Granted = tuple[Scope, ...]  # the scopes an admin's right covers (each with what is inside it); () for no admin


class AdminRights:
    """Whether someone is an admin now, and of what: `ask` (the scopes their right covers, () for none, or None
    when it cannot tell, e.g. Slack is unreachable) is asked again once RECHECK has passed since it last granted
    some. Shared by every session of the process, so a dashboard that loads several pages asks once."""

    def __init__(self, ask: Callable[[str], Granted | None], clock: Callable[[], datetime] = utcnow):
        self.ask = ask
        self.clock = clock
        self._confirmed: dict[str, tuple[datetime, Granted]] = {}
        self._lock = threading.Lock()

    def __call__(self, user_id: str) -> Granted | None:
        with self._lock:
            confirmed = self._confirmed.get(user_id)
        if confirmed is not None and self.clock() - confirmed[0] < RECHECK:
            return confirmed[1]
        answer = self.ask(user_id)
        with self._lock:
            if answer:
                self._confirmed[user_id] = (self.clock(), answer)
            else:
                self._confirmed.pop(user_id, None)
        return answer
