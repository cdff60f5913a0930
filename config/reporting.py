"""Settings for the learning team's figures: who may see them, where the dashboard lives, where the weekly digest goes.

They also say how few people a figure may come from before it is left out, and where the weekly learning-wins post
goes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from config.errors import SettingsError
from config.nudges import number

MIN_GROUP_FLOOR = 3  # never smaller, whatever the setting: below it a "group" points at a person
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_TEAM_ID = re.compile(r"^T[A-Z0-9]{2,}$")
EVERY_WORKSPACE = ""  # a celebrate channel's workspace when one token serves everyone


@dataclass(frozen=True)
class Reporting:
    admins: frozenset[str] = frozenset()  # Slack user ids allowed in besides workspace admins and owners
    min_group: int = 5
    public_url: str | None = None  # where people reach the web process, e.g. https://upnext.example.com
    report_channel: str | None = None  # channel id for the weekly digest; none: no digest
    refresh_minutes: float = 15  # the clock recomputes the report snapshots this often; older than twice it, unused
    # (workspace's team id, channel id) of each weekly learning-wins post; EVERY_WORKSPACE: everyone's (one token)
    celebrate_channels: tuple[tuple[str, str], ...] = ()


def _admins(raw: str) -> frozenset[str]:
    ids = [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]
    bad = [i for i in ids if not _USER_ID.match(i)]
    if bad:
        raise SettingsError(f"UPNEXT_ADMINS must be Slack user ids separated by commas (U0123ABC), got {bad[0]!r}")
    return frozenset(ids)


def _public_url(raw: str) -> str | None:
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"UPNEXT_PUBLIC_URL must be an http(s) URL such as https://upnext.example.com, got {raw!r}")
    return raw.rstrip("/")


def _channel(raw: str) -> str | None:
    if raw and not _CHANNEL_ID.match(raw):
        raise SettingsError(f"UPNEXT_REPORT_CHANNEL must be a channel id such as C0123ABC, got {raw!r}")
    return raw or None


def _celebrate_channels(raw: str) -> tuple[tuple[str, str], ...]:
    """`C0WINS` (everyone's wins, one token), or `T0AAA:C0WINS,T0BBB:C0YAY` (each workspace's own people)."""
    found = []
    for entry in (part.strip() for part in raw.split(",") if part.strip()):
        team, _, channel = entry.rpartition(":")
        if not _CHANNEL_ID.match(channel) or (team and not _TEAM_ID.match(team)):
            raise SettingsError(f"UPNEXT_CELEBRATE_CHANNEL must be a channel id such as C0123ABC, or workspace:channel "
                                f"pairs such as T0123ABC:C0123ABC separated by commas, got {entry!r}")  # fmt: skip
        found.append((team or EVERY_WORKSPACE, channel))
    teams = [team for team, _ in found]
    if len(set(teams)) < len(teams) or (EVERY_WORKSPACE in teams and len(teams) > 1):
        raise SettingsError("UPNEXT_CELEBRATE_CHANNEL names one channel per workspace: either one channel for "
                            "everyone, or one T…:C… pair per workspace")  # fmt: skip
    return tuple(found)


def reporting(env: Mapping[str, str | None]) -> Reporting:
    text = lambda name: (env.get(name) or "").strip()  # noqa: E731
    min_group = number(env, "UPNEXT_MIN_GROUP", Reporting.min_group, MIN_GROUP_FLOOR, 10_000, whole=True)
    return Reporting(
        admins=_admins(text("UPNEXT_ADMINS")),
        min_group=int(min_group),
        public_url=_public_url(text("UPNEXT_PUBLIC_URL")),
        report_channel=_channel(text("UPNEXT_REPORT_CHANNEL")),
        refresh_minutes=number(env, "UPNEXT_REPORT_REFRESH_MINUTES", Reporting.refresh_minutes, 1, 24 * 60),
        celebrate_channels=_celebrate_channels(text("UPNEXT_CELEBRATE_CHANNEL")),
    )
