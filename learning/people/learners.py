"""Learners: who they are (from their Slack profile), what they said they want, and how they like to be nudged."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from learning.people.history import EventRepository
from learning.store.engine import Store, TableSteps
from learning.timestamps import iso, utcnow

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PENDING_PREFIX = "email:"  # learners known only by email (from an LMS export) until they first use Slack
SLACKBOT = "USLACKBOT"
MAX_INTERESTS = 12
PROFILE_MAX_AGE = timedelta(days=7)  # a Slack profile older than this is asked for again before it is relied on
MAX_PROFILE_CHARS = 100  # names and titles, as Slack's own profile fields
REFUSE_ALL = "9999"  # an import barrier later than any date: nothing may be imported


# The schema of the tables this module owns, by the schema version that brought each step (append-only; the store
# joins every owner's step N into migration N).
TABLES: TableSteps = {
    1: """
        CREATE TABLE learners (
            slack_id TEXT PRIMARY KEY,
            team_id TEXT,
            email TEXT,
            real_name TEXT,
            first_name TEXT,
            title TEXT,                       -- the Slack profile title, used as the role
            tz TEXT,
            locale TEXT,
            interests TEXT NOT NULL DEFAULT '[]',
            is_bot INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            nudges TEXT NOT NULL DEFAULT 'on',
            snoozed_until TEXT,
            onboarded_at TEXT,
            profile_refreshed_at TEXT,
            created_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX learners_email ON learners(email) WHERE email IS NOT NULL;
""",
    2: """
        -- people who asked to be forgotten, by a hash of their Slack id, so no import or nudge brings them back
        CREATE TABLE forgotten (id_hash TEXT PRIMARY KEY, at TEXT NOT NULL);
""",
    3: """
        ALTER TABLE learners ADD COLUMN welcomed_at TEXT;
""",
    4: """
        ALTER TABLE learners ADD COLUMN last_active_at TEXT;   -- last time they used Upnext in Slack
""",
    5: """
        ALTER TABLE learners ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;  -- guest accounts: never nudged
        -- only people who used Upnext in Slack are ever messaged first: credit those who did before this column
        -- was kept (an answer shown outside a nudge, or a click), not those an import merely named
        UPDATE learners SET last_active_at = (
            SELECT max(at) FROM (
                SELECT created_at AS at FROM answers
                WHERE answers.learner_id = learners.slack_id AND answers.kind NOT LIKE 'nudge:%'
                UNION ALL
                SELECT at FROM events WHERE events.learner_id = learners.slack_id AND events.source = 'slack'
            )
        ) WHERE last_active_at IS NULL;
""",
    11: """
        -- the Enterprise Grid org of a learner (Slack ids are org-wide there); team_id is their workspace
        ALTER TABLE learners ADD COLUMN enterprise_id TEXT;
        CREATE INDEX learners_workspace ON learners(enterprise_id, team_id);
""",
    16: """
        -- the language they chose with `/learn language`: Upnext speaks it and prefers its courses (NULL: their
        -- Slack locale's)
        ALTER TABLE learners ADD COLUMN language TEXT;
""",
}


@dataclass(frozen=True)
class Learner:
    slack_id: str
    team_id: str | None = None  # their workspace
    enterprise_id: str | None = None  # their Enterprise Grid org, if any
    email: str | None = None
    real_name: str | None = None
    first_name: str | None = None
    title: str | None = None  # the Slack profile title, used as the role
    tz: str | None = None
    locale: str | None = None  # from their Slack profile
    language: str | None = None  # chosen with `/learn language`, over the Slack locale
    interests: tuple[str, ...] = ()
    is_bot: bool = False
    deleted: bool = False
    restricted: bool = False  # a guest (single- or multi-channel)
    nudges: str = "on"  # on | off
    snoozed_until: str | None = None
    onboarded_at: str | None = None
    welcomed_at: str | None = None
    last_active_at: str | None = None
    profile_refreshed_at: str | None = None
    created_at: str = field(default_factory=lambda: iso(utcnow()))

    @property
    def name(self) -> str:
        """How to greet them: first name, else the first word of the real name, else nothing."""
        if self.first_name:
            return self.first_name
        return (self.real_name or "").split(" ")[0]

    @property
    def speaks(self) -> str | None:
        """The locale Upnext talks to them in and picks courses for: the one they chose, else their Slack one."""
        return self.language or self.locale

    @property
    def role(self) -> str | None:
        return self.title or None

    @property
    def pending(self) -> bool:
        return self.slack_id.startswith(PENDING_PREFIX)

    def snoozed(self, now: datetime) -> bool:
        return bool(self.snoozed_until and self.snoozed_until > iso(now))

    def why_not_nudged(self, now: datetime) -> str | None:
        """Why Upnext may not send this person a nudge now; None when it may. Only people who have used Upnext in
        Slack themselves are ever messaged first: being named in an LMS export is not asking for messages."""
        if self.deleted or self.is_bot or self.slack_id == SLACKBOT:
            return "deactivated or a bot"
        if self.restricted:
            return "a guest account"
        if self.pending:
            return "not on Slack yet (known by email only)"
        if self.last_active_at is None:
            return "has never used Upnext"
        if self.nudges == "off":
            return "nudges are off"
        if self.snoozed(now):
            return "snoozed"
        return None


def _text(value: Any) -> str | None:
    """A profile field as Upnext keeps it: a string of bounded length, or None."""
    return " ".join(value.split())[:MAX_PROFILE_CHARS] or None if isinstance(value, str) else None


def profile_from_slack(user: Mapping[str, Any]) -> dict[str, Any]:
    """The fields Upnext keeps from a `users.info` user object."""
    given, grid = user.get("profile"), user.get("enterprise_user")
    profile: Mapping[str, Any] = given if isinstance(given, dict) else {}
    return {
        "team_id": _text(user.get("team_id")),
        "enterprise_id": _text(grid.get("enterprise_id")) if isinstance(grid, dict) else None,
        "email": (_text(profile.get("email")) or "").lower() or None,
        "real_name": _text(user.get("real_name")) or _text(profile.get("real_name")),
        "first_name": _text(profile.get("first_name")),
        "title": _text(profile.get("title")),
        "tz": _text(user.get("tz")),
        "locale": _text(user.get("locale")),
        "is_bot": bool(user.get("is_bot")) or user.get("id") == SLACKBOT,
        "deleted": bool(user.get("deleted")),
        "restricted": bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
    }


def person_key(text: str) -> str | None:
    """A person as an import names them: a Slack user id as written, or an email address in lower case; None for
    anything else (and for Slackbot, who is not a person)."""
    if SLACK_USER_ID.match(text):
        return text if text != SLACKBOT else None
    return text.lower() if EMAIL.match(text) else None


def filed_as(key: str) -> str:
    """The id rows about a person named by `person_key` are filed under: a Slack id, or `email:` and the address for
    someone known only by email (PENDING_PREFIX), as forget me finds them (`LearnerRepository.known_as`)."""
    return key if SLACK_USER_ID.match(key) else PENDING_PREFIX + key


def filed_under(slack_id: str, email: str | None) -> list[str]:
    """The learner ids a person's rows are filed under: their Slack id, and `email:` and their email (`filed_as`)."""
    return [slack_id, *([PENDING_PREFIX + email] if email and EMAIL.match(email) else [])]


def _id_hash(identifier: str) -> str:
    """One-way: what stays of an identifier (Slack id or email) of someone who asked to be forgotten."""
    key = identifier.lower() if EMAIL.match(identifier) else identifier
    return hashlib.sha256(f"upnext-forgotten:{key}".encode()).hexdigest()


def _from_row(row: Mapping[str, Any]) -> Learner:
    values = dict(row)
    values["interests"] = tuple(json.loads(values.get("interests") or "[]"))
    values["is_bot"] = bool(values["is_bot"])
    values["deleted"] = bool(values["deleted"])
    values["restricted"] = bool(values["restricted"])
    return Learner(**values)


class LearnerRepository:
    def __init__(self, store: Store, history: EventRepository):
        self.store = store
        self.history = history  # a pending learner's events move to their Slack id

    def _one(self, column: str, value: str) -> Learner | None:
        rows = self.store.sql.records(f"SELECT * FROM learners WHERE {column} = :value", {"value": value})
        return _from_row(rows[0]) if rows else None

    def get(self, slack_id: str) -> Learner | None:
        return self._one("slack_id", slack_id)

    def by_email(self, email: str) -> Learner | None:
        return self._one("email", email.lower())

    def all(self) -> Iterable[Learner]:
        for row in self.store.sql.records("SELECT * FROM learners ORDER BY slack_id"):
            yield _from_row(row)

    def of_workspace(self, enterprise_id: str, team_id: str) -> list[Learner]:
        """The learners of a workspace (`team_id`), or of a whole Enterprise Grid org when `team_id` is ''."""
        column, value = ("team_id", team_id) if team_id else ("enterprise_id", enterprise_id)
        rows = self.store.sql.records(f"SELECT * FROM learners WHERE {column} = :value ORDER BY slack_id",
                                      {"value": value})  # fmt: skip
        return [_from_row(row) for row in rows]

    def organisation_of(self, team_id: str) -> str | None:
        """The Enterprise Grid org a workspace is part of, as its learners' profiles say; None for a standalone one."""
        return self.store.sql.value(
            "SELECT enterprise_id FROM learners WHERE team_id = :team AND enterprise_id IS NOT NULL LIMIT 1",
            {"team": team_id},
        )

    def filed_as(self, filed: Sequence[str]) -> list[Learner]:
        """The learners of rows filed under these ids (`filed_as`): a Slack id's, and for an `email:` id the learner
        with that email, whether on Slack since or still known by email only."""
        emails = tuple(f.removeprefix(PENDING_PREFIX) for f in filed if f.startswith(PENDING_PREFIX))
        rows = self.store.sql.records(
            "SELECT * FROM learners WHERE slack_id IN (:ids) OR email IN (:emails) ORDER BY slack_id",
            {"ids": tuple(filed), "emails": emails},
        )
        return [_from_row(row) for row in rows]

    def ensure(self, slack_id: str) -> Learner:
        """The learner, created bare if unknown (an import names them before they ever use Slack)."""
        self.store.sql.execute(
            "INSERT INTO learners (slack_id, created_at) VALUES (:id, :now) ON CONFLICT (slack_id) DO NOTHING",
            {"id": slack_id, "now": iso(utcnow())},
        )
        learner = self.get(slack_id)
        assert learner is not None
        return learner

    def ensure_pending(self, email: str) -> Learner:
        """A learner known only by email, until the Slack user with that email shows up."""
        existing = self.by_email(email)
        if existing:
            return existing
        slack_id = PENDING_PREFIX + email.lower()
        self.store.sql.execute(
            "INSERT INTO learners (slack_id, email, created_at) VALUES (:id, :email, :now) "
            "ON CONFLICT (slack_id) DO NOTHING",
            {"id": slack_id, "email": email.lower(), "now": iso(utcnow())},
        )
        learner = self.get(slack_id)
        assert learner is not None
        return learner

    def save_profile(self, slack_id: str, profile: Mapping[str, Any]) -> Learner:
        """Create or refresh a learner from their Slack profile, when they use Upnext. History imported under their
        email (before they used Slack) moves to their Slack id."""
        learner = self._profile(slack_id, profile, create=True)
        assert learner is not None
        return learner

    def refresh_profile(self, slack_id: str, profile: Mapping[str, Any]) -> Learner | None:
        """Refresh a learner Upnext still has from their Slack profile (work they did not start themselves: a nudge
        being sent, a `user_change`); None, with nothing written, when they are gone (forgotten meanwhile)."""
        return self._profile(slack_id, profile, create=False)

    def hold(self, slack_id: str) -> bool:
        """Inside a transaction: lock this learner's row until it ends, so that forget me (which deletes the row
        first) waits for it or has already happened; False when they are gone."""
        return (
            self.store.sql.execute("UPDATE learners SET slack_id = slack_id WHERE slack_id = :id", {"id": slack_id}) > 0
        )

    def _profile(self, slack_id: str, profile: Mapping[str, Any], create: bool) -> Learner | None:
        now = iso(utcnow())
        with self.store.transaction() as sql:
            if not create and not self.hold(slack_id):
                return None
            email = profile.get("email")
            if email:
                pending = PENDING_PREFIX + email
                if sql.row("SELECT 1 FROM learners WHERE slack_id = :id", {"id": pending}):
                    self.history.move(pending, slack_id)
                    sql.execute("DELETE FROM learners WHERE slack_id = :id", {"id": pending})
                sql.execute(
                    "UPDATE learners SET email = NULL WHERE email = :email AND slack_id != :id",
                    {"email": email, "id": slack_id},
                )
            columns = [k for k in profile if k != "slack_id"]
            sql.execute(
                f"INSERT INTO learners (slack_id, {', '.join(columns)}, profile_refreshed_at, created_at) "
                f"VALUES (:slack_id, {', '.join(':' + c for c in columns)}, :now, :now) "
                f"ON CONFLICT (slack_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in columns)}, "
                "profile_refreshed_at = excluded.profile_refreshed_at",
                {**profile, "slack_id": slack_id, "now": now},
            )
        return self.get(slack_id)

    def touch(self, slack_id: str, now: datetime) -> None:
        """They used Upnext just now (for come-back nudges: idle days count from here)."""
        self.store.sql.execute(
            "UPDATE learners SET last_active_at = :now WHERE slack_id = :id", {"now": iso(now), "id": slack_id}
        )

    def update(self, learner: Learner, **changes: Any) -> Learner:
        """Change settings the learner controls: interests, nudges, snooze, onboarding, language."""
        updated = replace(learner, **changes)
        values = {k: getattr(updated, k) for k in changes}
        if "interests" in values:
            values["interests"] = json.dumps(list(dict.fromkeys(values["interests"]))[:MAX_INTERESTS])
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        self.store.sql.execute(
            f"UPDATE learners SET {assignments} WHERE slack_id = :slack_id", {**values, "slack_id": learner.slack_id}
        )
        return self.get(learner.slack_id) or updated

    def known_as(self, slack_id: str) -> tuple[set[str], list[str]]:
        """The identifiers of a person (Slack id, and email when known) and the learner ids their rows are filed
        under (the Slack id, and `email:` for history an LMS export filed under their email)."""
        learner = self.get(slack_id)
        identifiers = {slack_id, *([learner.email] if learner and learner.email else [])}
        return identifiers, filed_under(slack_id, learner.email if learner else None)

    def erase(self, learner_ids: Sequence[str]) -> int:
        """Delete these learners (forget me); how many went."""
        return self.store.sql.execute("DELETE FROM learners WHERE slack_id IN (:ids)", {"ids": tuple(learner_ids)})

    def remember_forgotten(self, identifiers: Iterable[str], now: datetime) -> None:
        """Keep only one-way hashes of a forgotten person's identifiers, so that no import brings them back."""
        self.store.sql.execute_many(
            "INSERT INTO forgotten (id_hash, at) VALUES (:hash, :at) "
            "ON CONFLICT (id_hash) DO UPDATE SET at = excluded.at",
            [{"hash": _id_hash(i), "at": iso(now)} for i in identifiers],
        )

    def forgotten_at(self, identifier: str) -> str | None:
        """When the person with this Slack id or email asked to be forgotten; None if they never did."""
        return self.store.sql.value("SELECT at FROM forgotten WHERE id_hash = :hash", {"hash": _id_hash(identifier)})

    def refused(self, keys: Iterable[str]) -> set[str]:
        """Of these Slack ids and emails, those no import may name: people who asked to be forgotten and have not
        used Upnext since (`import_barrier` is REFUSE_ALL). One read of the hashes, however many keys."""
        hashes = {_id_hash(key): key for key in keys}
        forgotten = {h for (h,) in self.store.sql.rows("SELECT id_hash FROM forgotten")} & hashes.keys()
        return {hashes[h] for h in forgotten if self.import_barrier(hashes[h]) == REFUSE_ALL}

    def import_barrier(self, identifier: str) -> str | None:
        """For someone who asked to be forgotten, events up to this moment may never be imported under this
        identifier: nothing at all until they use Upnext again, then nothing from before they asked. None for
        everyone else. A fresh start never revives old history."""
        asked = self.forgotten_at(identifier)
        if asked is None:
            return None
        back = self.by_email(identifier) if EMAIL.match(identifier) else self.get(identifier)  # forget removed it
        return asked if back else REFUSE_ALL
