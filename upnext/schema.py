"""The store's schema: every owner's tables, joined into the append-only migrations a store is opened with."""

from __future__ import annotations

from pathlib import Path

from admin.digests import TABLES as DIGEST_CHANNELS
from admin.tokens import TABLES as ADMIN_TOKENS
from bot.installations import TABLES as INSTALLATIONS
from bot.seen_events import TABLES as SEEN_EVENTS
from embeddings.vector_cache import TABLES as COURSE_VECTORS
from insights.rollups import TABLES as ROLLUPS
from insights.snapshots import TABLES as REPORT_SNAPSHOTS
from learning.catalog.courses import TABLES as COURSES
from learning.people.achievements import TABLES as ACHIEVEMENTS
from learning.people.answers import TABLES as ANSWERS
from learning.people.departures import TABLES as DEPARTURES
from learning.people.history import TABLES as EVENTS
from learning.people.learners import TABLES as LEARNERS
from learning.people.nudges import TABLES as NUDGES
from learning.store.engine import META, Store, migrations
from learning.store.postgres import PostgresStore, is_database_url
from learning.store.sqlite import BUSY_TIMEOUT, KEYWORD_INDEX, SqliteStore

# In the order each migration runs their steps: a table before what refers to it (the keyword index's triggers
# are on the courses; a data move into learners reads answers and events, which an earlier version made).
OWNERS = (
    META,
    COURSES,
    KEYWORD_INDEX,
    COURSE_VECTORS,
    LEARNERS,
    EVENTS,
    NUDGES,
    SEEN_EVENTS,
    ANSWERS,
    ADMIN_TOKENS,
    ROLLUPS,
    REPORT_SNAPSHOTS,
    INSTALLATIONS,
    DEPARTURES,
    DIGEST_CHANNELS,
    ACHIEVEMENTS,
)
MIGRATIONS = migrations(*OWNERS)


def open_store(where: Path | str, busy_timeout: float = BUSY_TIMEOUT) -> Store:
    """The store at `where` (a SQLite file's path, or a PostgreSQL URL), verified and brought forward to this
    Upnext's schema; `busy_timeout`: seconds a SQLite statement waits for another process's write lock."""
    if is_database_url(where):
        return PostgresStore(str(where), MIGRATIONS)
    return SqliteStore(where, MIGRATIONS, busy_timeout)
