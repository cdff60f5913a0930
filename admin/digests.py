"""The digest_channels table: where each org's or workspace's weekly learning-team digest goes, when installed by OAuth.

One of its admins types `/learn admin digest here` in the channel (bot.use_cases.admin_access): the scope their right
covers is kept with the channel and the workspace the channel is in, whose installation's token posts it. Nobody's
name is kept. With one token, UPNEXT_REPORT_CHANNEL says where the (whole store's) digest goes instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from insights.queries import Scope
from learning.store.engine import Store, TableSteps
from learning.timestamps import iso

TABLES: TableSteps = {
    12: """
        -- where an org's or a workspace's weekly digest goes, chosen by one of its admins in that channel
        CREATE TABLE digest_channels (
            scope TEXT PRIMARY KEY,           -- Scope.key: '' (everyone), org:E... or workspace:T...
            channel TEXT NOT NULL,
            enterprise_id TEXT NOT NULL,      -- the workspace the channel is in ('' outside Enterprise Grid) ...
            team_id TEXT NOT NULL,            -- ... whose installation posts the digest
            chosen_at TEXT NOT NULL
        );
""",
}


@dataclass(frozen=True)
class DigestChannel:
    scope: Scope
    channel: str
    enterprise_id: str | None  # the workspace the channel is in, and its org
    team_id: str | None


class DigestChannels:
    def __init__(self, store: Store):
        self.store = store

    def choose(self, chosen: DigestChannel, now: datetime) -> None:
        """`chosen.channel` gets `chosen.scope`'s digest from now on (instead of any other channel)."""
        self.store.sql.execute(
            "INSERT INTO digest_channels (scope, channel, enterprise_id, team_id, chosen_at) "
            "VALUES (:scope, :channel, :enterprise, :team, :now) ON CONFLICT (scope) DO UPDATE SET "
            "channel = excluded.channel, enterprise_id = excluded.enterprise_id, team_id = excluded.team_id, "
            "chosen_at = excluded.chosen_at",
            {"scope": chosen.scope.key, "channel": chosen.channel, "enterprise": chosen.enterprise_id or "",
             "team": chosen.team_id or "", "now": iso(now)},
        )  # fmt: skip

    def stop(self, scope: Scope) -> bool:
        """No more digest for `scope`; whether it had one."""
        return bool(self.store.sql.execute("DELETE FROM digest_channels WHERE scope = :scope", {"scope": scope.key}))

    def all(self) -> list[DigestChannel]:
        rows = self.store.sql.rows("SELECT scope, channel, enterprise_id, team_id FROM digest_channels ORDER BY scope")
        return [DigestChannel(Scope.parse(scope), channel, enterprise or None, team or None)
                for scope, channel, enterprise, team in rows]  # fmt: skip
