"""The weekly learning-wins post, by the clock, in UPNEXT_CELEBRATE_CHANNEL.

It lists last week's wins of the people who turned celebrations on (`/learn celebrate on`), and of no one else. No
leaderboard: each person's wins are listed, alphabetically by name, never counted or compared. Posted once per week
across clocks, as every weekly post is (`scheduler.weekly_post`); a week without a win to celebrate posts nothing.

With one token, one channel gets everyone's; installed by OAuth, each workspace named in the setting (`T…:C…`) gets its
own people's, posted with the token of the installation serving it (none: it waits for a reinstall).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta

from slack_sdk import WebClient

from bot.block_kit.wins import Celebrated, celebration_message, display_name
from bot.i18n import Messages
from config.reporting import EVERY_WORKSPACE
from insights.queries import EVERYONE, Scope
from insights.report import Window
from learning.people.achievements import Achievements
from learning.people.learners import LearnerRepository
from learning.store.engine import Store
from learning.timestamps import utcnow
from scheduler.weekly_post import Post, WeeklyPost, WeeklyPosts, holder_name

log = logging.getLogger(__name__)

KIND = "celebrate"  # its weeks' meta keys: celebrate:<scope:>monday; its messages' metadata: upnext_celebrate


def celebrated(achievements: Achievements, learners: LearnerRepository, team: str, week: Window,
               now: datetime) -> list[Celebrated]:  # fmt: skip
    """The people of workspace `team` (EVERY_WORKSPACE: anyone) who turned celebrations on and earned something in
    `week` (UTC), with what they earned. What they earned and Upnext had not recorded yet (an LMS import) is
    recorded first."""
    chosen = []
    for learner_id in achievements.repository.celebrating():
        learner = learners.get(learner_id)
        if learner and not (learner.deleted or learner.is_bot) and team in (EVERY_WORKSPACE, learner.team_id):
            achievements.update(learner, now)
            chosen.append(learner)
    since = datetime.combine(week.since, time(), UTC)
    wins = achievements.repository.earned_between([p.slack_id for p in chosen], since, since + timedelta(days=7))
    return [Celebrated(display_name(p), wins[p.slack_id]) for p in chosen if p.slack_id in wins]


class WeeklyCelebration(WeeklyPost):
    def __init__(self, store: Store, achievements: Achievements, learners: LearnerRepository, team: str,
                 client: WebClient, channel: str, clock: Callable[[], datetime] = utcnow,
                 leading: Callable[[], bool] = lambda: True, holder: str | None = None):  # fmt: skip
        """The post of workspace `team`'s people (EVERY_WORKSPACE: everyone's) to `channel`."""
        scope = EVERYONE if team == EVERY_WORKSPACE else Scope.workspace(team)
        super().__init__(store, KIND, self._content, client, channel, clock, leading, scope, holder)
        self.achievements = achievements
        self.learners = learners
        self.team = team

    def _content(self, week: Window) -> Post | None:
        found = celebrated(self.achievements, self.learners, self.team, week, self.clock())
        if not found:
            return None
        label = f"{week.since:%d %b} – {week.until:%d %b %Y}"
        return Post(celebration_message(found, label, Messages()).as_kwargs())


def celebrations(store: Store, achievements: Achievements, learners: LearnerRepository,
                 channels: Sequence[tuple[str, str]], client_for: Callable[[str], WebClient | None],
                 clock: Callable[[], datetime] = utcnow,
                 leading: Callable[[], bool] = lambda: True) -> WeeklyPosts:  # fmt: skip
    """The learning-wins post of each (workspace, channel) in `channels`, with `client_for(team_id)`'s client."""
    holder = holder_name()

    def made() -> list[WeeklyPost]:
        posts: list[WeeklyPost] = []
        for team, channel in channels:
            client = client_for(team)
            if client is None:
                log.warning("weekly learning wins of %s: no installation serves that workspace", team)
                continue
            posts.append(WeeklyCelebration(store, achievements, learners, team, client, channel, clock, leading,
                                           holder))  # fmt: skip
        return posts

    return WeeklyPosts(KIND, made)
