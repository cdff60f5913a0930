"""Who gets which nudge, and when. Planning only writes rows; delivery sends them.

Each planned nudge is a row keyed by (learner, kind, period): "whats_new" once per local week, "come_back" once
per idle threshold of one idle spell, "check_in" once per spell, "team_pick" (a course their manager recommended to
the team) once per course. Planning twice, or from two processes, plans
nothing new. Everyone is planned in bulk (array maths over all learners), so a run stays fast at 100k learners.
Installed by OAuth, only the learners of a workspace (or Grid org) with an installation are planned, in the same
single pass: a run reads the installations once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.workspace_clients import WorkspaceClients
from config.nudges import NudgePolicy
from learning.people.learners import Learner
from learning.people.nudges import NudgeRow
from learning.recommend.catalog_frame import CatalogFrame
from learning.recommend.closeness import Cohort, by_recency, closeness, new_courses, unavailable
from learning.service import LearningService
from learning.teams.reporting import TeamPick, team_of
from learning.timestamps import iso, utcnow
from scheduler.windows import held_out, local_week, next_slot

WHATS_NEW, COME_BACK, CHECK_IN, TEAM_PICK = "whats_new", "come_back", "check_in", "team_pick"
LOOKBACK_DAYS = 30  # what's new never reaches further back than this
ACTIVE_STATUSES = ("planned", "sending", "sent")


@dataclass(frozen=True)
class Plan:
    learner_id: str
    kind: str
    period: str
    due_at: datetime
    why: str  # for operators: `upnext nudges preview`
    payload: dict[str, Any] = field(default_factory=dict)
    status: str = "planned"  # or "held_out": recorded, never sent, so the team can measure whether nudges work


class Planner:
    def __init__(
        self,
        service: LearningService,
        policy: NudgePolicy,
        clock: Callable[[], datetime] = utcnow,
        workspaces: WorkspaceClients | None = None,
    ):
        """`workspaces`: who can be reached (installed by OAuth); everyone when None (one token)."""
        self.service = service
        self.policy = policy
        self.clock = clock
        self.workspaces = workspaces
        self.nudges = service.nudges

    # -- planning --------------------------------------------------------------------------------------------------
    def plan(self, now: datetime | None = None, user: str | None = None, dry_run: bool = False) -> list[Plan]:
        now = now or self.clock()
        learners = [lr for lr in self.service.learners.all() if (user is None or lr.slack_id == user)]
        learners = [lr for lr in learners if lr.why_not_nudged(now) is None]
        if self.workspaces is not None:
            reachable = self.workspaces.reachable()
            learners = [lr for lr in learners if reachable(lr)]
        nudges, activity = self.nudges.by_learner(), self.service.history.last_activity_by_learner()
        plans: list[Plan] = []
        wanting_news: list[tuple[Learner, datetime]] = []
        for learner in learners:
            history = nudges.get(learner.slack_id, [])
            if self._capped(history, now):
                continue
            last_active = max(filter(None, [activity.get(learner.slack_id), learner.last_active_at]), default=None)
            come_back = self._come_back(learner, history, last_active, now)
            if come_back is not None:
                plans.append(come_back)
                continue
            since = self._digest_since(history, now)
            if since is not None:
                wanting_news.append((learner, since))
        plans += self._whats_new(wanting_news, nudges, now)
        for plan in plans:  # this run's plans count toward the cap of a recommendation planned after them
            nudges.setdefault(plan.learner_id, []).append(
                NudgeRow(plan.kind, plan.period, plan.status, iso(plan.due_at), None)
            )
        picks = self.service.reporting.unplanned()
        for pick in picks:
            plans += self._team_pick(pick, nudges, now, user)
        if not dry_run:
            self._write(plans, now)
            for pick in picks:
                self.service.reporting.planned(pick.id, now)
        return plans

    def _team_pick(self, pick: TeamPick, nudges: dict[str, list[NudgeRow]], now: datetime, user: str | None
                   ) -> list[Plan]:  # fmt: skip
        """A manager's recommendation as a nudge to each report who used Upnext: skipped (and recorded so) for one
        who may not be nudged now (nudges off, snoozed, ...), and, for one whose weekly cap is full, due once it
        frees a place: it counts toward the cap like any nudge. Once per course and report, whoever recommends it."""
        manager = self.service.learners.get(pick.manager_id)
        team = team_of(manager, self.service.reporting, self.service.learners) if manager else []
        plans = []
        for report in (lr for lr in team if user is None or lr.slack_id == user):
            payload, free = {"pick": pick.id}, self._cap_frees(nudges.get(report.slack_id, []), now)
            why = report.why_not_nudged(now) or (None if free else "the weekly cap is 0")
            if why is not None or free is None:
                plans.append(Plan(report.slack_id, TEAM_PICK, pick.course_id, now, why or "", payload,
                                  status="skipped"))  # fmt: skip
                continue
            due = next_slot(free, report.tz, report.slack_id, self.policy)
            plans.append(Plan(report.slack_id, TEAM_PICK, pick.course_id, due, "recommended by their manager", payload))
            nudges.setdefault(report.slack_id, []).append(
                NudgeRow(TEAM_PICK, pick.course_id, "planned", iso(due), None)
            )
        return plans

    def _cap_frees(self, history: list[NudgeRow], now: datetime) -> datetime | None:
        """When one more nudge fits under the weekly cap: now, or when an earlier one leaves the week (None if the
        cap is 0)."""
        if self.policy.weekly_cap == 0:
            return None
        if not self._capped(history, now):
            return now
        week_ago = iso(now - timedelta(days=7))
        counted = sorted(n.sent_at or n.due_at for n in history if n.status in ACTIVE_STATUSES
                         and (n.sent_at or n.due_at) >= week_ago)  # fmt: skip
        return max(now, datetime.fromisoformat(counted[-self.policy.weekly_cap]) + timedelta(days=7))

    def _capped(self, history: list[NudgeRow], now: datetime) -> bool:
        week_ago = iso(now - timedelta(days=7))
        recent = [n for n in history if n.status in ACTIVE_STATUSES and (n.sent_at or n.due_at) >= week_ago]
        return len(recent) >= self.policy.weekly_cap

    def _come_back(
        self, learner: Learner, history: list[NudgeRow], last_active: str | None, now: datetime
    ) -> Plan | None:
        """After 30, 60 and 90 idle days: one nudge per threshold (the highest crossed), unless two were ignored
        in a row; then one check-in asking whether to continue, and silence if that is ignored too."""
        if last_active is None:
            return None
        idle = (now - datetime.fromisoformat(last_active)).days
        crossed = [d for d in self.policy.idle_days if idle >= d]
        if not crossed:
            return None
        spell = last_active[:10]
        period = f"{crossed[-1]}d-after-{spell}"
        this_spell = [n for n in history if n.kind in (COME_BACK, CHECK_IN) and n.period.endswith(spell)]
        if any(n.period == period for n in this_spell if n.kind == COME_BACK):
            return None
        due = next_slot(now, learner.tz, learner.slack_id, self.policy)
        if held_out(learner.slack_id, self.policy.holdout_share):
            return Plan(learner.slack_id, COME_BACK, period, due, f"idle {idle} days, in the hold-out group",
                        {"idle_days": idle}, status="held_out")  # fmt: skip
        ignored = self._ignored_in_a_row(history, last_active)
        if any(n.kind == CHECK_IN for n in this_spell):
            return None  # asked once whether to continue and heard nothing: stop
        if ignored >= self.policy.ignored_before_check_in:
            return Plan(learner.slack_id, CHECK_IN, f"check-in-after-{spell}", due,
                        f"idle {idle} days after {ignored} ignored nudges")  # fmt: skip
        return Plan(learner.slack_id, COME_BACK, period, due, f"idle {idle} days (since {spell})", {"idle_days": idle})

    @staticmethod
    def _ignored_in_a_row(history: list[NudgeRow], last_active: str) -> int:
        """Come-back nudges sent after the learner's last activity, i.e. that they did not react to."""
        sent = [n for n in history if n.kind == COME_BACK and n.status == "sent" and (n.sent_at or "") > last_active]
        return len(sent)

    def _digest_since(self, history: list[NudgeRow], now: datetime) -> datetime | None:
        """None if a digest went out within the last week; else where "new" starts for this learner."""
        digests = [n for n in history if n.kind == WHATS_NEW and n.status in ACTIVE_STATUSES]
        floor = now - timedelta(days=LOOKBACK_DAYS)
        if not digests:
            return floor
        last = datetime.fromisoformat(digests[-1].sent_at or digests[-1].due_at)
        if now - last < timedelta(days=self.policy.digest_every_days):
            return None
        return max(last, floor)

    def _whats_new(
        self, wanting: list[tuple[Learner, datetime]], nudges: dict[str, list[NudgeRow]], now: datetime
    ) -> list[Plan]:
        """Learners with at least one course published since their last digest that `Recommender.whats_new` would
        offer them: close enough (`closeness`, the same judgement) and not one they finished, dismissed or would
        only repeat."""
        if not wanting:
            return []
        recommender = self.service.recommender
        frame = recommender.frames.current()
        new = new_courses(frame, now - timedelta(days=LOOKBACK_DAYS), now)
        if not len(new):
            return []
        cohort = self._cohort([lr for lr, _ in wanting], frame)
        close = closeness(frame, cohort, new, recommender.encoder).best >= self.policy.digest_min_closeness
        offered = close & ~unavailable(frame, cohort, new)
        plans = []
        for row, (learner, since) in enumerate(wanting):
            period = local_week(now, learner.tz)
            if any(n.kind == WHATS_NEW and n.period == period for n in nudges.get(learner.slack_id, [])):
                continue
            count = int((offered[row] & (frame.published[new] >= since.timestamp())).sum())
            if count:
                plans.append(Plan(
                    learner.slack_id, WHATS_NEW, period, next_slot(now, learner.tz, learner.slack_id, self.policy),
                    f"{count} new course(s) close to their history or interests", {"since": iso(since)},
                ))  # fmt: skip
        return plans

    def _cohort(self, learners: list[Learner], frame: CatalogFrame) -> Cohort:
        """These learners' recency-weighted histories, what they completed or dismissed, and their interests, read
        for everyone at once (a profile each would cost a query each)."""
        row_of = {lr.slack_id: i for i, lr in enumerate(learners)}
        taken: list[list[int]] = [[] for _ in learners]
        excluded: list[list[int]] = [[] for _ in learners]
        finished: list[list[int]] = [[] for _ in learners]
        for learner_id, course_id, took, completed, dismissed in self.service.history.standings_by_learner():
            row, num = row_of.get(learner_id), frame.by_id.get(course_id)
            if row is None or num is None:
                continue
            if took:
                taken[row].append(num)
            if completed or dismissed:
                excluded[row].append(num)
            if completed:
                finished[row].append(num)
        histories = [by_recency(nums) for nums in taken]
        return Cohort.of(frame.size, histories, excluded, finished, [lr.interests for lr in learners])

    def _write(self, plans: list[Plan], now: datetime) -> int:
        """Insert the plans; a (learner, kind, period) planned before, by anyone, is left alone."""
        return self.nudges.plan(((p.learner_id, p.kind, p.period, p.status, p.due_at, p.payload) for p in plans), now)
