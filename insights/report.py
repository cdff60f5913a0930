"""Every figure the learning team sees, computed from the store for a window of days.

Aggregates only: no figure names or lists a learner, and every breakdown by a group of people (role, time zone,
language, surface, reason, nudge kind, course, question cluster) folds groups of fewer than `min_group` people into
"other" (and, if "other" is still too small, the next smallest group with it, so no small group can be worked out
by subtraction). People who asked to be forgotten are erased from the store, so they leave every figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from config.reporting import MIN_GROUP_FLOOR
from insights.gaps import GAP_SIMILARITY, Gap, GapFinder
from insights.intervals import Interval, difference, wilson
from insights.nudge_stats import holdout_comparison, nudge_stats
from insights.queries import RETURN_DAYS, ReportQueries, sql_text
from learning.timestamps import iso, utcnow

OTHER = "other"
UNKNOWN = "not set"
NEVER_SHOWN_DAYS = 30
DROP_OFF_COURSES = 10
# The reason kinds a pick can carry (learning.recommender.Reason), in the families the learning team reads.
REASON_FAMILIES = {
    "up next": ("up_next", "continue", "starter"),
    "because you took": ("like_yours", "taken_with", "taken_next"),
    "interests": ("interest", "topic"),
    "popular in role": ("role", "popular", "trending"),
    "what's new": ("new_interest", "new_like", "rising"),
    "search": ("match",),
}
SURFACE_NAMES = {"dm": "DM", "mention": "mention", "assistant": "assistant", "slash": "/learn", "home": "Home",
                 "nudge": "nudge"}  # fmt: skip


@dataclass(frozen=True)
class Window:
    """Whole days, `since` to `until` inclusive, in UTC."""

    since: date
    until: date

    @classmethod
    def last_weeks(cls, weeks: int = 12, today: date | None = None) -> Window:
        today = today or utcnow().date()
        return cls(today - timedelta(days=7 * weeks - 1), today)

    @property
    def start(self) -> str:
        return iso(datetime.combine(self.since, time(), UTC))

    @property
    def end(self) -> str:
        return iso(datetime.combine(self.until + timedelta(days=1), time(), UTC))


@dataclass(frozen=True)
class Group:
    """One slice of people: `people` is how many are in it (what the minimum group size is checked against)."""

    label: str
    people: int
    values: dict[str, int] = field(default_factory=dict)


def fold_small(groups: Sequence[Group], min_group: int) -> list[Group]:
    """Groups of at least `min_group` people, largest first, then "other" holding the rest; when "other" would be
    smaller than `min_group`, the smallest remaining groups join it too."""
    kept = sorted((g for g in groups if g.people >= min_group), key=lambda g: (-g.people, g.label))
    folded = [g for g in groups if g.people < min_group]
    while folded and sum(g.people for g in folded) < min_group and kept:
        folded.append(kept.pop())
    if not folded:
        return kept
    keys = {k for g in folded for k in g.values}
    other = Group(OTHER, sum(g.people for g in folded), {k: sum(g.values.get(k, 0) for g in folded) for k in keys})
    return [*kept, other]


@dataclass(frozen=True)
class Week:
    week: str  # the Monday, YYYY-MM-DD
    active: int
    new: int

    @property
    def returning(self) -> int:
        return self.active - self.new


@dataclass(frozen=True)
class Adoption:
    known: int
    active: int
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
    learners: int

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
    ratings: list[CourseRating]  # courses rated by at least min_group people, most rated first
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
    never_shown: int  # in the NEVER_SHOWN_DAYS days up to the end of the window
    never_started: int
    by_language: list[CatalogGroup]
    by_level: list[CatalogGroup]


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


def _monday(day: str) -> str:
    """The Monday of the week holding `day` (YYYY-MM-DD)."""
    moment = date.fromisoformat(day)
    return (moment - timedelta(days=moment.weekday())).isoformat()


def _language(locale: str | None) -> str:
    return (locale or "").replace("_", "-").split("-")[0].lower() or UNKNOWN


def _reason_case() -> str:
    """SQL naming each impression's reason family (the families are constants written here, not input)."""
    whens = " ".join(f"WHEN i.reason IN ({', '.join(sql_text(k) for k in kinds)}) THEN {sql_text(family)}"
                     for family, kinds in REASON_FAMILIES.items())  # fmt: skip
    return f"CASE {whens} ELSE {sql_text(OTHER)} END"


class ReportBuilder:
    def __init__(self, queries: ReportQueries, gaps: GapFinder, min_group: int = 5):
        self.queries = queries
        self.gaps = gaps
        self.min_group = max(MIN_GROUP_FLOOR, min_group)

    def build(self, window: Window) -> Report:
        start, end = window.start, window.end
        return Report(
            window=window,
            min_group=self.min_group,
            generated_at=iso(utcnow()),
            adoption=self.adoption(start, end),
            funnel=self.funnel(start, end),
            search=self.search(start, end),
            feedback=self.feedback(start, end),
            nudges=self.nudges(start, end),
            catalog=self.catalog(end),
        )

    def adoption(self, start: str, end: str) -> Adoption:
        q = self.queries
        days = q.active_days(start, end)
        before = q.active_before(start)
        first: dict[str, str] = {}
        weekly: dict[str, set[str]] = {}
        monthly: dict[str, set[str]] = {}
        for learner, day in days:
            first[learner] = min(day, first.get(learner, day))
            weekly.setdefault(_monday(day), set()).add(learner)
            monthly.setdefault(day[:7], set()).add(learner)
        weeks = [Week(week, len(people), sum(1 for p in people if p not in before and _monday(first[p]) == week))
                 for week, people in sorted(weekly.items())]  # fmt: skip
        known = q.known_learners(end)

        def by(index: int, label: Callable[[str | None], str]) -> list[Group]:
            counts: dict[str, list[int]] = {}
            for row in known:
                totals = counts.setdefault(label(row[index]), [0, 0])
                totals[0] += 1
                totals[1] += row[0] in first
            groups = [Group(k, v[0], {"known": v[0], "active": v[1]}) for k, v in counts.items()]
            return fold_small(groups, self.min_group)

        return Adoption(
            known=len(known),
            active=len(first),
            weeks=weeks,
            months=[(month, len(people)) for month, people in sorted(monthly.items())],
            by_role=by(1, lambda v: (v or "").strip() or UNKNOWN),
            by_timezone=by(2, lambda v: v or UNKNOWN),
            by_language=by(3, _language),
        )

    def funnel(self, start: str, end: str) -> Funnel:
        def rows(group: str, name: Callable[[str], str]) -> list[FunnelRow]:
            clicks = {label: (started, done) for label, started, done in self.queries.clicked(group, start, end)}
            groups = [Group(name(label or UNKNOWN), learners, {"shown": shown, "started": clicks.get(label, (0, 0))[0],
                                                               "done": clicks.get(label, (0, 0))[1]})
                      for label, shown, learners in self.queries.shown(group, start, end)]  # fmt: skip
            return [FunnelRow(g.label, g.values["shown"], g.values["started"], g.values["done"], g.people)
                    for g in fold_small(groups, self.min_group)]  # fmt: skip

        [total] = rows("'all'", str) or [FunnelRow("all", 0, 0, 0, 0)]
        return Funnel(
            total=replace(total, label="all"),
            by_surface=rows("a.surface", lambda s: SURFACE_NAMES.get(s, s)),
            by_reason=rows(_reason_case(), str),
        )

    def search(self, start: str, end: str) -> Search:
        gaps, other = self.gaps.find(self.queries.weak_questions(start, end, GAP_SIMILARITY), self.min_group)
        return Search(self.queries.questions_by_week(start, end), gaps, other, GAP_SIMILARITY)

    def feedback(self, start: str, end: str) -> Feedback:
        votes: dict[str, dict[str, int]] = {}
        comments: dict[str, list[str]] = {}
        for course_id, value, note in self.queries.ratings(start, end):
            votes.setdefault(course_id, {"up": 0, "down": 0})["up" if value == "up" else "down"] += 1
            if note:
                comments.setdefault(course_id, []).append(note)
        folded = fold_small([Group(c, v["up"] + v["down"], v) for c, v in votes.items()], self.min_group)
        other = next((g for g in folded if g.label == OTHER and g.label not in votes), None)
        shown = [g for g in folded if g is not other]
        starts = self.queries.starts_and_finishes(start, end, self.min_group, DROP_OFF_COURSES)
        titles = self.queries.titles([*(g.label for g in shown), *(c for c, _, _ in starts)])
        ratings = [CourseRating(g.label, titles.get(g.label, g.label), g.values["up"], g.values["down"],
                                sorted(comments.get(g.label, []))) for g in shown]  # fmt: skip
        ratings.sort(key=lambda r: (-r.raters, r.title))
        drop_off = [CourseFinish(c, titles.get(c, c), n, f) for c, n, f in starts]
        drop_off.sort(key=lambda d: (d.finish_rate.estimate, -d.started, d.title))
        other_values = other.values if other else {}
        return Feedback(ratings, other_values.get("up", 0), other_values.get("down", 0), drop_off)

    def nudges(self, start: str, end: str) -> Nudges:
        stats = {s.kind: s for s in nudge_stats(self.queries, start, end)}
        groups = []
        for kind, sent, learners, opted_out in self.queries.nudge_learners_and_opt_outs(start, end, RETURN_DAYS):
            s = stats.get(kind)
            values = {"sent": sent, "clicked": s.clicked if s else 0, "opted_out": opted_out,
                      "returned": s.returned_by_status["sent"] if s else 0}  # fmt: skip
            groups.append(Group(kind, learners, values))
        kinds = [NudgeKind(g.label, g.values["sent"], g.values["clicked"], g.values["returned"],
                           g.values["opted_out"], g.people) for g in fold_small(groups, self.min_group)]  # fmt: skip
        h = holdout_comparison(self.queries, start, end)
        nudged, held = int(h["sent_learners"]), int(h["held_out_learners"])
        holdout = Holdout(nudged, int(h["sent_returned"]), held, int(h["held_out_returned"]),
                          min(nudged, held) >= self.min_group)  # fmt: skip
        return Nudges(kinds, holdout)

    def catalog(self, end: str) -> Catalog:
        shown_since = iso(datetime.fromisoformat(end) - timedelta(days=NEVER_SHOWN_DAYS))
        rows = self.queries.catalog_health(shown_since, end)

        def by(index: int) -> list[CatalogGroup]:
            totals: dict[str, list[int]] = {}
            for row in rows:
                label = row[index] or UNKNOWN
                t = totals.setdefault(label, [0, 0, 0])
                for k in range(3):
                    t[k] += row[2 + k]
            return sorted((CatalogGroup(k, *v) for k, v in totals.items()), key=lambda g: (-g.courses, g.label))

        return Catalog(
            courses=sum(r[2] for r in rows),
            never_shown=sum(r[3] for r in rows),
            never_started=sum(r[4] for r in rows),
            by_language=by(0),
            by_level=by(1),
        )
