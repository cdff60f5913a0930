"""Every figure the learning team sees, computed from the store for a window of whole weeks.

Aggregates only: no figure names or lists a learner. Every figure is built from weekly cells (insights.cells): what
people did in a week counts only where every cell it falls in (the total, and its group in each breakdown: role,
time zone, language, surface, reason, nudge kind, course) holds at least `min_group` distinct people, and a window's
figure sums its weeks, so no figure, and no difference between two windows, comes from fewer than `min_group`
people. Content gaps are found week by week, each from at least `min_group` askers that week. Comments are shown in
calendar-month blocks only (see `Feedback`). People who asked to be forgotten are erased from the store, so they
leave every figure.

Every minimum group is held within one silo (insights.queries: the learners of one workspace, or those in none):
the cells, which roles, time zones and languages are shown apart, which courses' ratings are, the content gaps, the
comment blocks and the catalog's "shown" and "started" are all decided silo by silo. So an org's figures are exactly
the sums of its workspaces' (and everyone's of every silo's), the catalog's counts those of the courses shown in any
silo, and one scope's figures against another's single out no one: a workspace too small to show counts nowhere.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from config.reporting import MIN_GROUP_FLOOR
from insights.cells import Cells, weekly_average
from insights.gaps import GAP_SIMILARITY, Gap, GapFinder
from insights.intervals import Interval, difference, wilson
from insights.queries import RETURN_DAYS, ReportQueries, Silos
from insights.rollups import sql_text
from learning.timestamps import iso, utcnow

OTHER = "other"
UNKNOWN = "not set"
NEVER_SHOWN_WEEKS = 4  # "not shown lately": in the last four weeks of the window
DROP_OFF_COURSES = 10
COMMENT_MIN_DAYS = 28  # comments are never shown for a shorter window
# The reason kinds a pick can carry (learning.recommender.Reason), in the families the learning team reads.
REASON_FAMILIES = {
    "up next": ("up_next", "continue", "starter"),
    "because you took": ("like_yours", "taken_with", "taken_next"),
    "interests": ("interest", "topic"),
    "popular in role": ("role", "popular", "trending"),
    "what's new": ("new_interest", "new_like", "rising", "new_in_path"),
    "browse": ("browse",),
    "search": ("match",),
    "recommended by a colleague": ("recommended_colleague",),
    "recommended by a manager": ("recommended_manager",),
}
PROFILE_FIELDS: dict[str, Callable[[str | None], str]] = {
    "role": lambda v: (v or "").strip() or UNKNOWN,
    "timezone": lambda v: v or UNKNOWN,
    "language": lambda v: _language(v),
}  # the learner fields active learners are broken down by, and how each is read
REFRESH = timedelta(minutes=15)  # a report snapshot is served while younger than twice this (insights.snapshots)
SURFACE_NAMES = {"dm": "DM", "mention": "mention", "assistant": "assistant", "slash": "/learn", "home": "Home",
                 "nudge": "nudge"}  # fmt: skip


@dataclass(frozen=True)
class Window:
    """Whole days, `since` to `until` inclusive, in UTC. Figures cover it snapped outwards to whole weeks."""

    since: date
    until: date

    @classmethod
    def last_weeks(cls, weeks: int = 12, today: date | None = None) -> Window:
        """The last `weeks` weeks (Monday to Sunday) that have ended."""
        monday = _week_of(today or utcnow().date())
        return cls(monday - timedelta(days=7 * weeks), monday - timedelta(days=1))

    def snapped(self) -> Window:
        """From the Monday of `since`'s week to the Sunday of `until`'s: two windows then differ by whole weeks, and
        each week's figures come from at least the minimum group (insights.cells). Whatever the window's length:
        a window snapped to days, however long, would differ from the next one by a day, which can be one person's."""
        return Window(_week_of(self.since), _week_of(self.until) + timedelta(days=6))

    def finished(self, today: date) -> Window:
        """The window cut back to the weeks that ended before `today` (empty, `until` before `since`, if none)."""
        return Window(self.since, min(self.until, _week_of(today) - timedelta(days=1)))

    @property
    def weeks(self) -> list[str]:
        """The Mondays of the weeks the window covers (once snapped)."""
        first, last = _week_of(self.since), _week_of(self.until)
        return [(first + timedelta(days=7 * i)).isoformat() for i in range((last - first).days // 7 + 1)]

    @property
    def months(self) -> list[str]:
        """The calendar months (YYYY-MM) wholly inside the window."""
        months, day = [], self.since.replace(day=1)
        while day <= self.until:
            following = (day + timedelta(days=32)).replace(day=1)
            if day >= self.since and following - timedelta(days=1) <= self.until:
                months.append(day.isoformat()[:7])
            day = following
        return months

    @property
    def start(self) -> str:
        return iso(datetime.combine(self.since, time(), UTC))

    @property
    def end(self) -> str:
        return iso(datetime.combine(self.until + timedelta(days=1), time(), UTC))


@dataclass(frozen=True)
class Group:
    """One slice of known learners (a role, a time zone, a language): `people` is how many are in it."""

    label: str
    people: int
    values: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Week:
    week: str  # the Monday, YYYY-MM-DD
    active: int
    new: int  # new + returning = active: fewer new (or returning) than the minimum group in a week count nowhere
    returning: int


@dataclass(frozen=True)
class Adoption:
    known: int  # the average of the weekly counts of learners known (on Slack now, or active that week)
    active: int  # the average of the weekly counts of active learners
    weeks: list[Week]
    months: list[tuple[str, int]]
    by_role: list[Group]  # values: known, active (people = known)
    by_timezone: list[Group]
    by_language: list[Group]


@dataclass(frozen=True)
class FunnelRow:
    label: str
    shown: int
    started: int
    done: int
    learners: int  # the average of the weekly counts of people shown picks

    @property
    def click_through(self) -> Interval:
        return wilson(self.started, self.shown)


@dataclass(frozen=True)
class Funnel:
    total: FunnelRow
    by_surface: list[FunnelRow]
    by_reason: list[FunnelRow]


@dataclass(frozen=True)
class Search:
    weeks: list[tuple[str, int, int]]  # (week, questions, answered with nothing clicked)
    gaps: list[Gap]
    gaps_other: int  # weak questions in clusters too small (or too rare) to show
    threshold: float

    @property
    def questions(self) -> int:
        return sum(w[1] for w in self.weeks)

    @property
    def unclicked(self) -> int:
        return sum(w[2] for w in self.weeks)


@dataclass(frozen=True)
class CourseRating:
    course_id: str
    title: str
    up: int
    down: int
    comments: list[str]

    @property
    def raters(self) -> int:
        return self.up + self.down


@dataclass(frozen=True)
class CourseFinish:
    course_id: str
    title: str
    started: int
    finished: int

    @property
    def finish_rate(self) -> Interval:
        return wilson(self.finished, self.started)


@dataclass(frozen=True)
class Feedback:
    """Ratings per course from weekly cells. Comments come in calendar-month blocks: a course's comments of a month
    show when the month lies wholly inside a window of at least COMMENT_MIN_DAYS days and at least `min_group`
    people of one silo rated the course that month (a block is one silo's); each block shows whole, in no order and
    with no date, or not at all."""

    ratings: list[CourseRating]  # courses with ratings (or comments) shown, most rated first
    other_up: int  # ratings of courses rated by fewer people
    other_down: int
    drop_off: list[CourseFinish]  # the most started courses, least finished first

    @property
    def up(self) -> int:
        return sum(r.up for r in self.ratings) + self.other_up

    @property
    def down(self) -> int:
        return sum(r.down for r in self.ratings) + self.other_down


@dataclass(frozen=True)
class NudgeKind:
    kind: str
    sent: int
    clicked: int
    returned: int
    opted_out: int  # sent nudges followed by "nudges off" or a snooze within RETURN_DAYS days
    learners: int

    @property
    def opt_out_rate(self) -> Interval:
        return wilson(self.opted_out, self.sent)


@dataclass(frozen=True)
class Holdout:
    nudged: int
    nudged_returned: int
    held_out: int
    held_out_returned: int
    enough: bool  # both groups hold at least min_group people

    @property
    def lift(self) -> Interval:
        """Return rate of the nudged minus that of the held-out group, with its 95% interval."""
        return difference(self.nudged_returned, self.nudged, self.held_out_returned, self.held_out)


@dataclass(frozen=True)
class Nudges:
    kinds: list[NudgeKind]
    holdout: Holdout


@dataclass(frozen=True)
class CatalogGroup:
    label: str
    courses: int
    never_shown: int
    never_started: int


@dataclass(frozen=True)
class Catalog:
    courses: int
    never_shown: int  # to at least the minimum group in any of the window's last NEVER_SHOWN_WEEKS weeks
    never_started: int  # by at least the minimum group in any one week, up to the window's end
    by_language: list[CatalogGroup]
    by_level: list[CatalogGroup]


@dataclass(frozen=True)
class ShareWeek:
    week: str
    sent: int  # courses shared with colleagues
    sharers: int  # people who shared
    turned_off: int  # people who turned colleagues' shares off (and have them off still)


@dataclass(frozen=True)
class Shares:
    """Courses people shared with colleagues, and people who turned shares off, per week: a week's count shows only
    when at least the minimum group of people of one workspace shared (turned shares off) that week."""

    weeks: list[ShareWeek]
    sharers: int  # the average of the weekly counts of people who shared

    @property
    def sent(self) -> int:
        return sum(w.sent for w in self.weeks)

    @property
    def turned_off(self) -> int:
        return sum(w.turned_off for w in self.weeks)


@dataclass(frozen=True)
class TeamWeek:
    week: str
    recommendations: int  # courses managers recommended to their team (*Recommend to my team*)
    managers: int  # managers who recommended


@dataclass(frozen=True)
class Teams:
    """Managers' recommendations per week (a week's count shows only when at least the minimum group of managers of
    one workspace recommended that week), and two counts of now, each from workspaces holding at least the minimum
    group of such people: managers who may use `/learn team`, and learners in the weekly learning-wins post."""

    weeks: list[TeamWeek]
    managers: int  # the average of the weekly counts of managers who recommended
    with_team: int  # managers with at least the minimum group of reports who used Upnext, now
    celebrating: int  # learners with celebrations on, now

    @property
    def recommendations(self) -> int:
        return sum(w.recommendations for w in self.weeks)


@dataclass(frozen=True)
class Report:
    window: Window
    min_group: int
    generated_at: str
    adoption: Adoption
    funnel: Funnel
    search: Search
    feedback: Feedback
    nudges: Nudges
    catalog: Catalog
    shares: Shares
    teams: Teams
    counted_until: date  # the last finished week's Sunday the figures count (the week in progress never counts)


def _week_of(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def _monday(day: str) -> str:
    """The Monday of the week holding `day` (YYYY-MM-DD)."""
    return _week_of(date.fromisoformat(day)).isoformat()


def _total(weekly: dict[str, dict[tuple[str, str, str], int]], week: str, metric: str) -> int:
    """A week's total of `metric` from `Cells.weekly` (0 when nothing shows)."""
    return weekly.get(week, {}).get(("all", "all", metric), 0)


def _language(locale: str | None) -> str:
    return (locale or "").replace("_", "-").split("-")[0].lower() or UNKNOWN


def _reason_case() -> str:
    """SQL naming each impression's reason family (the families are constants written here, not input)."""
    whens = " ".join(f"WHEN p.reason IN ({', '.join(sql_text(k) for k in kinds)}) THEN {sql_text(family)}"
                     for family, kinds in REASON_FAMILIES.items())  # fmt: skip
    return f"CASE {whens} ELSE {sql_text(OTHER)} END"


class Snapshots(Protocol):
    """Reports kept in the store by counted window and minimum group (insights.snapshots.ReportSnapshots)."""

    def computed_at(self, counted: Window, min_group: int) -> datetime | None: ...

    def get(self, counted: Window, min_group: int, computed_after: datetime) -> Report | None: ...

    def generation(self) -> str: ...

    def put(self, counted: Window, min_group: int, report: Report, generation: str) -> bool: ...

    def prune(self, before: datetime) -> int: ...


class ReportBuilder:
    def __init__(self, queries: ReportQueries, gaps: GapFinder, min_group: int = 5,
                 clock: Callable[[], datetime] = utcnow, snapshots: Snapshots | None = None,
                 refresh: timedelta = REFRESH):  # fmt: skip
        """With `snapshots`, a report computed within twice `refresh` for the same counted window is served."""
        self.queries = queries
        self.gaps = gaps
        self.min_group = max(MIN_GROUP_FLOOR, min_group)
        self.clock = clock
        self.snapshots = snapshots
        self.refresh = refresh

    def counted(self, requested: Window) -> Window:
        """The weeks whose figures a report of `requested` counts: snapped to whole weeks, cut to those that ended."""
        return requested.snapped().finished(self.clock().date())

    def build(self, requested: Window, fresh: bool = False) -> Report:
        """The figures for the whole weeks holding `requested`, counting only the weeks that have ended: a week in
        progress would change between two looks at the same window by whatever happened in between. Served from a
        snapshot of the same counted window younger than twice the refresh period unless `fresh`; a report computed
        is stored as the snapshot. `generated_at` says when the figures were computed."""
        window, counted = requested.snapped(), self.counted(requested)
        if self.snapshots is not None and not fresh:
            kept = self.snapshots.get(counted, self.min_group, self.clock() - 2 * self.refresh)
            if kept is not None:
                return replace(kept, window=window)  # the same weeks counted; the window as asked
        if self.snapshots is None:
            return self._compute(window, counted)
        generation = self.snapshots.generation()  # kept only if nothing was dropped meanwhile (someone forgotten)
        report = self._compute(window, counted)
        self.snapshots.put(counted, self.min_group, report, generation)
        return report

    def _compute(self, window: Window, counted: Window) -> Report:
        self.queries.catch_up()
        silos = self.queries.silos()
        return Report(
            window=window,
            min_group=self.min_group,
            generated_at=iso(self.clock()),
            adoption=self.adoption(counted, silos),
            funnel=self.funnel(counted, silos),
            search=self.search(counted, silos),
            feedback=self.feedback(counted, silos),
            nudges=self.nudges(counted, silos),
            catalog=self.catalog(counted.end, silos),
            shares=self.shares(counted, silos),
            teams=self.teams(counted, silos),
            counted_until=counted.until,
        )

    def adoption(self, window: Window, silos: Silos) -> Adoption:
        """Known and active learners from one set of weekly cells: known against active is a total beside its part,
        so the people known but idle in a week are a cell of their own (else "6 analysts, 5 active" points at one)."""
        labels = self._profile_groups(self.queries.known_learners(), silos)
        weekly = Cells(people=("known", "active"), complements=(("known", "active"),))
        monthly = Cells(people=("active",))
        months = set(window.months)
        days = self.queries.active_days(window.start, window.end)
        before = self.queries.active_before(window.start)
        first: dict[str, str] = {}
        for learner, day in days:
            first[learner] = min(day, first.get(learner, day))
        active: dict[str, set[str]] = defaultdict(set)
        in_month: dict[str, set[str]] = defaultdict(set)
        for learner, day in days:
            active[_monday(day)].add(learner)
            if day[:7] in months:
                in_month[day[:7]].add(learner)
        unknown = tuple(dict.fromkeys(PROFILE_FIELDS, OTHER).items())
        for week, learners in active.items():  # each active learner adds one row a week: alike ones add together
            alike = Counter((silos[learner],
                             "new" if learner not in before and _monday(first[learner]) == week else "returning",
                             tuple(labels[learner].items()) if learner in labels else unknown)
                            for learner in learners)  # fmt: skip
            for (silo, split, groups), people in alike.items():
                weekly.add_alike(week, people, {"all": "all", "split": split, **dict(groups)}, silo=silo, known=1,
                                 active=1)  # fmt: skip
        for month, learners in in_month.items():
            for silo, people in Counter(silos[learner] for learner in learners).items():
                monthly.add_alike(month, people, {"all": "all"}, silo=silo, active=1)
        everyone = Counter((silos[who], tuple(groups.items())) for who, groups in labels.items())
        for week in window.weeks:
            idle = everyone - Counter((silos[who], tuple(labels[who].items())) for who in active[week] if who in labels)
            for (silo, where), people in idle.items():
                weekly.add_alike(week, people, {"all": "all", **dict(where)}, silo=silo, known=1)
        weeks = [Week(week, c.get(("all", "all", "active"), 0), c.get(("split", "new", "active"), 0),
                      c.get(("split", "returning", "active"), 0))
                 for week, c in sorted(weekly.weekly(self.min_group).items())]  # fmt: skip
        totals, n = weekly.totals(self.min_group), len(window.weeks)

        def by(name: str) -> list[Group]:
            groups = [Group(g, people, {"known": people, "active": weekly_average(totals[(name, g, "active")], n)})
                      for b, g, metric in list(totals) if b == name and metric == "known"
                      and (people := weekly_average(totals[(name, g, "known")], n))]  # fmt: skip
            return sorted(groups, key=lambda g: (g.label == OTHER, -g.people, g.label))

        return Adoption(
            known=weekly_average(totals[("all", "all", "known")], n),
            active=weekly_average(totals[("all", "all", "active")], n),
            weeks=[w for w in weeks if w.active],
            months=sorted((m, c[("all", "all", "active")]) for m, c in monthly.weekly(self.min_group).items()),
            by_role=by("role"),
            by_timezone=by("timezone"),
            by_language=by("language"),
        )

    def _profile_groups(self, known: list[tuple[str, str | None, str | None, str | None]], silos: Silos
                        ) -> dict[str, dict[str, str]]:  # fmt: skip
        """Each learner known now: their role, time zone and language, or "other" where fewer than the minimum group
        of their silo share it (decided from who is known now, so the same in every window, and silo by silo, so the
        same in every scope: a role shared by three people in each of two workspaces is "other" in both, and in the
        org's figures too)."""
        raw = {row[0]: {name: label(row[i]) for i, (name, label) in enumerate(PROFILE_FIELDS.items(), start=1)}
               for row in known}  # fmt: skip
        counts = Counter((silos[learner], where) for learner, fields in raw.items() for where in fields.items())
        return {learner: {name: value if counts[(silos[learner], (name, value))] >= self.min_group else OTHER
                          for name, value in fields.items()} for learner, fields in raw.items()}  # fmt: skip

    def funnel(self, window: Window, silos: Silos) -> Funnel:
        cells = Cells(people=("people",), complements=(("shown", "started"), ("started", "done")))
        for week, surface, reason, learner, shown, started, done in self.queries.picks(
            _reason_case(), window.start, window.end
        ):
            groups = {"all": "all", "surface": SURFACE_NAMES.get(surface or "", surface or UNKNOWN), "reason": reason}
            cells.add(week, learner, groups, silo=silos[learner], shown=shown, started=started, done=done, people=1)
        totals, n = cells.totals(self.min_group), len(window.weeks)

        def rows(breakdown: str) -> list[FunnelRow]:
            labels = {g for b, g, metric in totals if b == breakdown and metric == "shown"}
            made = [FunnelRow(g, totals[(breakdown, g, "shown")], totals[(breakdown, g, "started")],
                              totals[(breakdown, g, "done")], weekly_average(totals[(breakdown, g, "people")], n))
                    for g in labels]  # fmt: skip
            return sorted(made, key=lambda r: (r.label == OTHER, -r.shown, r.label))

        [total] = rows("all") or [FunnelRow("all", 0, 0, 0, 0)]
        return Funnel(total=total, by_surface=rows("surface"), by_reason=rows("reason"))

    def search(self, window: Window, silos: Silos) -> Search:
        cells = Cells(complements=(("questions", "unclicked"),))
        asked_in: set[str] = set()
        for week, learner, questions, unclicked in self.queries.questions_by_week(window.start, window.end):
            cells.add(week, learner, {"all": "all"}, silo=silos[learner], questions=questions, unclicked=unclicked)
            asked_in.add(week)
        weeks = [(w, c.get(("all", "all", "questions"), 0), c.get(("all", "all", "unclicked"), 0))
                 for w, c in sorted(cells.weekly(self.min_group).items())]  # fmt: skip
        gaps, other = self._gaps(sorted(asked_in), len(window.weeks), silos)
        return Search([w for w in weeks if w[1]], gaps, other, GAP_SIMILARITY)

    def _gaps(self, mondays: list[str], weeks: int, silos: Silos) -> tuple[list[Gap], int]:
        """Content gaps found week by week and silo by silo (each from at least the minimum group of one silo's
        askers that week), summed by label over the weeks with questions (`mondays`) of a window of `weeks` weeks."""
        questions: dict[str, int] = {}
        askers: dict[str, int] = {}
        examples: dict[str, tuple[str, ...]] = {}
        other = 0
        for monday in mondays:
            week = Window(date.fromisoformat(monday), date.fromisoformat(monday) + timedelta(days=6))
            by_silo: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for question, who in self.queries.weak_questions(week.start, week.end, GAP_SIMILARITY):
                by_silo[silos[who]].append((question, who))
            for _, asked in sorted(by_silo.items()):
                gaps, folded = self.gaps.find(asked, self.min_group)
                for gap in gaps:
                    questions[gap.label] = questions.get(gap.label, 0) + gap.questions
                    askers[gap.label] = askers.get(gap.label, 0) + gap.askers
                    examples.setdefault(gap.label, gap.examples)
                # "other" shows only when at least the minimum group asked what it holds (fewer can be told apart)
                if len({who for _, who in asked}) - sum(g.askers for g in gaps) >= self.min_group:
                    other += folded
        found = [Gap(label, n, weekly_average(askers[label], weeks), examples[label]) for label, n in questions.items()]
        return sorted(found, key=lambda g: (-g.questions, g.label)), other

    def shares(self, window: Window, silos: Silos) -> Shares:
        shared, off = Cells(people=("sharers",)), Cells(people=("off",))
        for week, sharer, shares in self.queries.shares_by_week(window.start, window.end):
            shared.add(week, sharer, {"all": "all"}, silo=silos[sharer], shares=shares, sharers=1)
        for week, learner in self.queries.shares_turned_off(window.start, window.end):
            off.add(week, learner, {"all": "all"}, silo=silos[learner], off=1)
        sent, turned = shared.weekly(self.min_group), off.weekly(self.min_group)
        weeks = [ShareWeek(w, _total(sent, w, "shares"), _total(sent, w, "sharers"), _total(turned, w, "off"))
                 for w in sorted(set(sent) | set(turned))]  # fmt: skip
        sharers = weekly_average(shared.totals(self.min_group)[("all", "all", "sharers")], len(window.weeks))
        return Shares([w for w in weeks if w.sent or w.turned_off], sharers)

    def teams(self, window: Window, silos: Silos) -> Teams:
        cells = Cells(people=("managers",))
        for week, manager, picks in self.queries.team_picks_by_week(window.start, window.end):
            cells.add(week, manager, {"all": "all"}, silo=silos[manager], picks=picks, managers=1)
        weekly = cells.weekly(self.min_group)
        weeks = [TeamWeek(w, _total(weekly, w, "picks"), _total(weekly, w, "managers")) for w in sorted(weekly)]
        return Teams(
            [w for w in weeks if w.recommendations],
            weekly_average(cells.totals(self.min_group)[("all", "all", "managers")], len(window.weeks)),
            self._now(self.queries.managers_with_team(self.min_group), silos),
            self._now(self.queries.celebrating(), silos),
        )

    def _now(self, people: list[str], silos: Silos) -> int:
        """How many of these people there are now, counting only the silos holding at least the minimum group of them
        (a count of now, like the known learners: the same in every window)."""
        return sum(n for n in Counter(silos[who] for who in people).values() if n >= self.min_group)

    def feedback(self, window: Window, silos: Silos) -> Feedback:
        """Ratings, comments and drop-off; which courses' ratings show apart, and each month's comment block, are
        decided silo by silo (a course-month block is one silo's raters' comments)."""
        popular = self.queries.courses_rated_by(self.min_group)
        votes = Cells()
        raters: dict[tuple[str, str, str], set[str]] = {}
        notes: dict[tuple[str, str, str], list[str]] = {}
        for week, month, course_id, learner, value, note in self.queries.ratings(window.start, window.end):
            silo = silos[learner]
            groups = {"all": "all", "course": course_id if (silo, course_id) in popular else OTHER}
            votes.add(week, learner, groups, silo=silo, **{"up" if value == "up" else "down": 1})
            raters.setdefault((course_id, month, silo), set()).add(learner)
            if note:
                notes.setdefault((course_id, month, silo), []).append(note)
        totals = votes.totals(self.min_group)
        comments: dict[str, list[str]] = {}
        if (window.until - window.since).days + 1 >= COMMENT_MIN_DAYS:
            for (course_id, month, silo), people in raters.items():
                if month in window.months and len(people) >= self.min_group:
                    comments.setdefault(course_id, []).extend(notes.get((course_id, month, silo), []))
        courses = ({g for b, g, _ in totals if b == "course"} | set(comments)) - {OTHER}
        starts = Cells(people=("started", "finished"), complements=(("started", "finished"),))
        for week, course_id, learner, done in self.queries.first_starts(window.start, window.end):
            starts.add(week, learner, {"course": course_id}, silo=silos[learner], started=1, finished=done)
        started = starts.totals(self.min_group)
        top = sorted((g for _, g, m in started if m == "started"), key=lambda c: (-started[("course", c, "started")],
                                                                                    c))  # fmt: skip
        top = top[:DROP_OFF_COURSES]
        titles = self.queries.titles([*courses, *top])
        ratings = [CourseRating(c, titles.get(c, c), totals[("course", c, "up")], totals[("course", c, "down")],
                                sorted(comments.get(c, []))) for c in courses]  # fmt: skip
        ratings.sort(key=lambda r: (-r.raters, r.title))
        drop_off = [CourseFinish(c, titles.get(c, c), started[("course", c, "started")],
                                 started[("course", c, "finished")]) for c in top]  # fmt: skip
        drop_off.sort(key=lambda d: (d.finish_rate.estimate, -d.started, d.title))
        return Feedback(ratings, totals[("course", OTHER, "up")], totals[("course", OTHER, "down")], drop_off)

    def nudges(self, window: Window, silos: Silos) -> Nudges:
        cells = Cells(
            people=("learners",), complements=(("sent", "clicked"), ("sent", "returned"), ("sent", "opted_out"))
        )
        for week, kind, learner, sent, clicked, returned, opted_out in self.queries.nudges_sent(
            window.start, window.end, RETURN_DAYS
        ):
            cells.add(week, learner, {"kind": kind}, silo=silos[learner], sent=sent, clicked=clicked,
                      returned=returned, opted_out=opted_out, learners=1)  # fmt: skip
        totals, n = cells.totals(self.min_group), len(window.weeks)
        kinds = [NudgeKind(k, totals[("kind", k, "sent")], totals[("kind", k, "clicked")],
                           totals[("kind", k, "returned")], totals[("kind", k, "opted_out")],
                           weekly_average(totals[("kind", k, "learners")], n))
                 for k in sorted({g for _, g, m in totals if m == "sent"})]  # fmt: skip
        outcomes = Cells(complements=(("nudges", "returned"),))
        for week, status, learner, nudges, returned in self.queries.come_backs(window.start, window.end):
            outcomes.add(week, learner, {"status": status}, silo=silos[learner], nudges=nudges, returned=returned)
        h = outcomes.totals(self.min_group)
        nudged, held = h[("status", "sent", "nudges")], h[("status", "held_out", "nudges")]
        holdout = Holdout(nudged, h[("status", "sent", "returned")], held, h[("status", "held_out", "returned")],
                          min(nudged, held) >= self.min_group)  # fmt: skip
        return Nudges(kinds, holdout)

    def catalog(self, end: str, silos: Silos) -> Catalog:
        shown_since = iso(datetime.fromisoformat(end) - timedelta(weeks=NEVER_SHOWN_WEEKS))
        rows = self.queries.catalog_health(shown_since, end, self.min_group, silos)

        def by(index: int) -> list[CatalogGroup]:
            totals: dict[str, list[int]] = {}
            for language, level, *counts in rows:
                t = totals.setdefault((language, level)[index] or UNKNOWN, [0, 0, 0])
                for k, count in enumerate(counts):
                    t[k] += count
            return sorted((CatalogGroup(k, *v) for k, v in totals.items()), key=lambda g: (-g.courses, g.label))

        return Catalog(
            courses=sum(r[2] for r in rows),
            never_shown=sum(r[3] for r in rows),
            never_started=sum(r[4] for r in rows),
            by_language=by(0),
            by_level=by(1),
        )
