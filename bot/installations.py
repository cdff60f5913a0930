"""Installs by OAuth: each workspace's (or Enterprise Grid org's) bot token, and the single-use states of the flow.

Bolt's `InstallationStore` and `OAuthStateStore` over Upnext's own store, so they live in SQLite or PostgreSQL with
everything else. An org-wide install (`is_enterprise_install`) has no workspace: it is stored under the org alone
and found for an event from any workspace of the org. Only bot tokens are kept (Upnext asks for no user scopes),
and not who installed the app.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from learning.people.departures import Departures
from learning.store.engine import Store, TableSteps
from learning.timestamps import iso, utcnow

log = logging.getLogger(__name__)

# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    10: """
        -- one row a workspace (team_id) or org-wide install (team_id ''); enterprise_id '' outside Enterprise Grid
        CREATE TABLE slack_installations (
            enterprise_id TEXT NOT NULL,
            team_id TEXT NOT NULL,
            is_enterprise_install INTEGER NOT NULL,
            app_id TEXT,
            enterprise_name TEXT,
            enterprise_url TEXT,
            team_name TEXT,
            bot_token TEXT NOT NULL,
            bot_id TEXT,
            bot_user_id TEXT,
            bot_scopes TEXT,
            bot_refresh_token TEXT,
            bot_token_expires_at INTEGER,
            installed_at TEXT NOT NULL,
            PRIMARY KEY (enterprise_id, team_id)
        );
        -- the OAuth flow's `state`: issued with the install page, consumed once by the redirect
        CREATE TABLE slack_oauth_states (state TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
""",
}

INSTALL_PATH = "/slack/install"  # the install page, at UPNEXT_PUBLIC_URL only
REDIRECT_PATH = "/slack/oauth_redirect"  # where Slack sends the installer back, with a code and the state
# What config/manifest.yml asks for: the install page asks each workspace for the same
BOT_SCOPES = (
    "app_mentions:read", "assistant:write", "channels:history", "channels:read", "chat:write", "commands",
    "files:write", "groups:history", "groups:read", "im:history", "im:read", "im:write", "links:read", "links:write",
    "users:read",
    "users:read.email",
)  # fmt: skip
CACHE_SECONDS = 60.0  # how long another process may go on using a token this one's uninstall deleted
COLUMNS = (
    "enterprise_id", "team_id", "is_enterprise_install", "app_id", "enterprise_name", "enterprise_url", "team_name",
    "bot_token", "bot_id", "bot_user_id", "bot_scopes", "bot_refresh_token", "bot_token_expires_at", "installed_at",
)  # fmt: skip
Key = tuple[str, str]  # (enterprise_id or '', team_id or '' for an org-wide install)


def key_of(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> Key:
    return enterprise_id or "", "" if is_enterprise_install else team_id or ""


def serving_keys(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
) -> list[Key]:
    """The installations that may serve a workspace, preferred first: its own, then its Grid org's org-wide one."""
    keys = [key_of(enterprise_id, team_id, is_enterprise_install)]
    if enterprise_id and keys[0][1]:
        keys.append((enterprise_id, ""))
    return keys


class InstallationRepository(InstallationStore):
    """The installations, with a per-process cache of the ones found (a lookup on each request costs a dict read).
    Saving or deleting clears it; another process's copy ages out after CACHE_SECONDS. Deleting one is the workspace
    (or org) leaving, saving one its coming back (`learning.people.departures`)."""

    def __init__(
        self,
        store: Store,
        departures: Departures,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.store = store
        self.departures = departures
        self.monotonic = monotonic
        self.clock = clock
        self._cache: dict[tuple[Key, ...], tuple[float, Installation]] = {}  # by the keys looked up
        self._lock = threading.Lock()

    @property
    def logger(self) -> logging.Logger:
        return log

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def save(self, installation: Installation) -> None:
        row = {
            "enterprise_id": installation.enterprise_id or "",
            "team_id": "" if installation.is_enterprise_install else installation.team_id or "",
            "is_enterprise_install": int(bool(installation.is_enterprise_install)),
            "app_id": installation.app_id, "enterprise_name": installation.enterprise_name,
            "enterprise_url": installation.enterprise_url, "team_name": installation.team_name,
            "bot_token": installation.bot_token, "bot_id": installation.bot_id,
            "bot_user_id": installation.bot_user_id, "bot_scopes": ",".join(installation.bot_scopes or ()),
            "bot_refresh_token": installation.bot_refresh_token,
            "bot_token_expires_at": installation.bot_token_expires_at,
            "installed_at": iso(utcnow()),
        }  # fmt: skip
        names = ", ".join(COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:])
        with self.store.transaction() as sql:
            sql.execute(
                f"INSERT INTO slack_installations ({names}) VALUES ({', '.join(':' + c for c in COLUMNS)}) "
                f"ON CONFLICT (enterprise_id, team_id) DO UPDATE SET {updates}",
                row,
            )
            self.departures.come_back(
                *key_of(installation.enterprise_id, installation.team_id, installation.is_enterprise_install)
            )  # within its retention period: all kept
        self.clear_cache()

    def save_bot(self, bot: Bot) -> None:
        raise NotImplementedError("installations are saved whole (save)")

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
        fresh: bool = False,
    ) -> Installation | None:
        """The installation serving this workspace: its own, else its org's org-wide one. `user_id` is ignored:
        there are no user tokens, and every user of a workspace is served by its bot. `fresh`: read from the store
        in one statement, not from this process's cache (which may hold one another process deleted)."""
        keys = serving_keys(enterprise_id, team_id, is_enterprise_install)
        return self._load(keys) if fresh else self._cached(keys) or self._load(keys)

    def installed(self) -> set[Key]:
        """Every installation's key, read from the store."""
        rows = self.store.sql.rows("SELECT enterprise_id, team_id FROM slack_installations")
        return {(enterprise, team) for enterprise, team in rows}

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        found = self.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return found.to_bot() if found else None

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """A user's tokens: Upnext keeps none, so only the workspace's own (user_id None) goes."""
        if user_id is None:
            self.delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """The workspace's installation, or the org's when `team_id` is None."""
        self.remove(key_of(enterprise_id, team_id, team_id is None))

    def remove(self, key: Key) -> int:
        """The workspace (or org) left: delete its installation at once (this process's cache included, once the
        deletion is committed), record its departure and skip its learners' planned nudges, in one transaction; how
        many installations went (0 or 1: an org-wide install that lost one workspace keeps its own)."""
        with self.store.transaction() as sql:
            gone = sql.execute(
                "DELETE FROM slack_installations WHERE enterprise_id = :enterprise AND team_id = :team",
                {"enterprise": key[0], "team": key[1]},
            )
            self.departures.leave(key[0], key[1], self.clock())
        self.clear_cache()
        return gone

    def hold(self, key: Key) -> Installation | None:
        """Inside a transaction: lock this installation's row until it ends and read it as stored now (not as
        cached), so one process at a time acts on it (a token refresh); None when it is gone."""
        locked = self.store.sql.execute(
            "UPDATE slack_installations SET bot_token = bot_token "
            "WHERE enterprise_id = :enterprise AND team_id = :team",
            {"enterprise": key[0], "team": key[1]},
        )
        return self._load([key]) if locked else None

    def organisations(self) -> set[str]:
        """The Grid orgs with an installation, org-wide or in one of their workspaces: they still serve their
        people."""
        rows = self.store.sql.rows("SELECT DISTINCT enterprise_id FROM slack_installations WHERE enterprise_id <> ''")
        return {row[0] for row in rows}

    def _cached(self, keys: list[Key]) -> Installation | None:
        with self._lock:
            hit = self._cache.get(tuple(keys))
        return hit[1] if hit and self.monotonic() - hit[0] < CACHE_SECONDS else None

    def _load(self, keys: list[Key]) -> Installation | None:
        """The first of `keys` (which share one enterprise id) that is installed, in one statement; cached for these
        `keys`, so a workspace the org-wide install serves is found like one with its own."""
        records = self.store.sql.records(
            f"SELECT {', '.join(COLUMNS)} FROM slack_installations "
            "WHERE enterprise_id = :enterprise AND team_id IN (:teams)",
            {"enterprise": keys[0][0], "teams": tuple(team for _, team in keys)},
        )
        found = {(r["enterprise_id"], r["team_id"]): r for r in records}
        key = next((k for k in keys if k in found), None)
        if key is None:
            return None
        installation = _installation(found[key])
        with self._lock:
            self._cache[tuple(keys)] = (self.monotonic(), installation)
        return installation


def _installation(record: dict[str, Any]) -> Installation:
    return Installation(
        app_id=record["app_id"],
        enterprise_id=record["enterprise_id"] or None,
        enterprise_name=record["enterprise_name"],
        enterprise_url=record["enterprise_url"],
        team_id=record["team_id"] or None,
        team_name=record["team_name"],
        bot_token=record["bot_token"],
        bot_id=record["bot_id"],
        bot_user_id=record["bot_user_id"],
        bot_scopes=record["bot_scopes"] or "",
        bot_refresh_token=record["bot_refresh_token"],
        bot_token_expires_at=record["bot_token_expires_at"],
        user_id="",  # who installed the app is not kept
        is_enterprise_install=bool(record["is_enterprise_install"]),
        token_type="bot",
    )


@dataclass(frozen=True)
class OAuthStores:
    """What the OAuth flow keeps in the store: the installations, and the states of installs under way."""

    installations: InstallationRepository
    states: OAuthStates


class OAuthStates(OAuthStateStore):
    """The flow's `state` values: random, single-use, and refused after `expiration_seconds`."""

    def __init__(self, store: Store, expiration_seconds: int = 600, clock: Callable[[], datetime] = utcnow):
        self.store = store
        self.expiration_seconds = expiration_seconds
        self.clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state, now = secrets.token_urlsafe(24), self.clock()
        self.store.sql.execute("DELETE FROM slack_oauth_states WHERE expires_at < :now", {"now": iso(now)})
        self.store.sql.execute(
            "INSERT INTO slack_oauth_states (state, expires_at) VALUES (:state, :expires)",
            {"state": state, "expires": iso(now + timedelta(seconds=self.expiration_seconds))},
        )
        return state

    def consume(self, state: str) -> bool:
        """True once for a state issued here and not yet expired: deleting it is what makes it single-use."""
        return bool(self.store.sql.execute(
            "DELETE FROM slack_oauth_states WHERE state = :state AND expires_at > :now",
            {"state": state, "now": iso(self.clock())},
        ))  # fmt: skip
