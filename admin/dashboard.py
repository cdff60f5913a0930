"""The dashboard page: headline numbers, then one section per question the learning team asks.

Each chart comes with its data table. Server-rendered HTML, readable without script, at phone and desktop widths.
"""

from __future__ import annotations

from html import escape

from admin.charts import bars, columns, intervals
from insights.dates import FIRST_DAY, LAST_DAY
from insights.formats import as_of, percent
from insights.intervals import Interval, wilson
from insights.queries import EVERYONE, Scope
from insights.report import Report

STYLE = """
:root { color-scheme: light; --ink: #111827; --muted: #4b5563; --line: #e5e7eb; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; } h2 { font-size: 1.2rem; margin: 32px 0 8px; }
h3 { font-size: 1rem; margin: 0; }
p.note { color: var(--muted); margin: 4px 0; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px; }
form.window { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 8px 0; }
form.window label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
input, button, select { font: inherit; padding: 4px 8px; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; padding: 0;
         margin: 12px 0; list-style: none; }
.cards li { border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.cards .value { font-size: 1.6rem; font-weight: 600; display: block; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: 24px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 12px; min-width: 0; }
figure.chart svg { width: 100%; height: auto; display: block; margin: 8px 0; }
svg text { fill: var(--ink); font-family: inherit; }
details { margin-top: 4px; } summary { cursor: pointer; color: var(--accent); }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin-top: 6px; display: block; overflow-x: auto; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: right; }
th[scope=row], thead th:first-child { text-align: left; }
ul.comments { color: var(--muted); }
"""


def _card(label: str, value: str, detail: str = "") -> str:
    extra = f"<span>{escape(detail)}</span>" if detail else ""
    return f'<li><span class="value">{escape(value)}</span>{escape(label)}<br>{extra}</li>'


def _ci(i: Interval) -> str:
    return f"95% CI {percent(i.low)} to {percent(i.high)}"


def _headline(r: Report) -> str:
    a, f, s, fb, h = r.adoption, r.funnel, r.search, r.feedback, r.nudges.holdout
    rated = fb.up + fb.down
    lift = f"{h.lift.estimate:+.1%}" if h.enough else "not enough people yet"
    cards = [
        _card("active learners", str(a.active), f"of {a.known} known"),
        _card("click-through on picks", percent(f.total.click_through.estimate), _ci(f.total.click_through)),
        _card("questions asked", str(s.questions),
              f"{percent(s.unclicked / s.questions) if s.questions else '0%'} with nothing clicked"),
        _card("worth their time", percent(fb.up / rated) if rated else "no ratings", f"{rated} ratings"),
        _card("courses shared", str(r.shares.sent), f"with colleagues (weeks with {r.min_group}+ sharers)"),
        _card("come-back nudge lift", lift, _ci(h.lift) if h.enough else f"needs {r.min_group} in each group"),
    ]  # fmt: skip
    return f'<ul class="cards" aria-label="Headline numbers">{"".join(cards)}</ul>'


def _adoption(r: Report) -> str:
    a = r.adoption
    weeks = [w.week for w in a.weeks]
    charts = [
        columns("Active learners per week", weeks, {"new": [w.new for w in a.weeks],
                "returning": [w.returning for w in a.weeks]},
                f"Learners who used Upnext each week, new and returning, of {a.known} known."),
        columns("Active learners per month", [m for m, _ in a.months], {"active": [v for _, v in a.months]},
                "Distinct learners who used Upnext each month."),
    ]  # fmt: skip
    for name, groups in (("role", a.by_role), ("time zone", a.by_timezone), ("language", a.by_language)):
        rows = [(g.label, g.values["active"]) for g in groups]
        note = (f"Active learners by {name} (weekly average); a {name} fewer than {r.min_group} known people of one "
                f"workspace share is in 'other'.")  # fmt: skip
        charts.append(bars(f"Active learners by {name}", rows, note))
    return _section("adoption", "Adoption", charts)


def _funnel(r: Report) -> str:
    f = r.funnel
    charts = [bars("Picks shown, started and done", [("shown", f.total.shown), ("started", f.total.started),
                                                      ("done", f.total.done)],
                   "The engagement funnel over every surface.")]  # fmt: skip
    for name, rows in (("surface", f.by_surface), ("reason", f.by_reason)):
        data = [(x.label, x.click_through.estimate, x.click_through.low, x.click_through.high,
                 f"{x.started}/{x.shown} started, {x.done} done") for x in rows]  # fmt: skip
        charts.append(
            intervals(
                f"Click-through by {name}",
                data,
                f"Share of picks shown that were started, by {name}, with 95% intervals.",
            )
        )
    return _section("engagement", "Engagement", charts)


def _search(r: Report) -> str:
    s = r.search
    charts = [
        columns("Questions per week", [w for w, _, _ in s.weeks],
                {"something clicked": [q - u for _, q, u in s.weeks], "nothing clicked": [u for _, _, u in s.weeks]},
                "Searches per week, split by whether any card of the answer was clicked."),
        bars("Content gaps: asked for, weakly answered", [(g.label, g.questions) for g in s.gaps]
             + ([("other", s.gaps_other)] if s.gaps_other else []),
             f"Questions whose best course match was under {s.threshold:.2f} similarity, grouped by meaning."),
    ]  # fmt: skip
    return _section("search", "Search and content gaps", charts)


def _feedback(r: Report) -> str:
    fb = r.feedback
    rows = [
        (c.title, c.up / c.raters, *_bounds(c.up, c.raters), f"{c.up} up, {c.down} down")
        for c in fb.ratings
        if c.raters
    ]  # a course can show its month's comments with no week's count to show
    if fb.other_up + fb.other_down:
        total = fb.other_up + fb.other_down
        rows.append(("other courses", fb.other_up / total, *_bounds(fb.other_up, total),
                     f"{fb.other_up} up, {fb.other_down} down"))  # fmt: skip
    drop = [(d.title, d.finish_rate.estimate, d.finish_rate.low, d.finish_rate.high,
             f"{d.finished}/{d.started} finished") for d in fb.drop_off]  # fmt: skip
    charts = [
        intervals(
            "Worth your time? Share rated up, per course", rows, "Ratings after Done, per course, with 95% intervals."
        ),
        intervals("Most started, least finished", drop, "Finish rate of the most started courses."),
    ]
    comments = "".join(
        f"<h3>{escape(c.title)}</h3><ul class='comments'>{''.join(f'<li>{escape(t)}</li>' for t in c.comments)}</ul>"
        for c in fb.ratings
        if c.comments
    )
    extra = f"<details><summary>Comments (no names)</summary>{comments}</details>" if comments else ""
    return _section("feedback", "Learner feedback", charts, extra)


def _bounds(successes: int, trials: int) -> tuple[float, float]:
    i = wilson(successes, trials)
    return i.low, i.high


def _nudges(r: Report) -> str:
    n, h = r.nudges, r.nudges.holdout
    charts = [bars("Nudges sent, clicked and returned", [(f"{k.kind} {what}", getattr(k, what)) for k in n.kinds
                   for what in ("sent", "clicked", "returned")],
                   "Per kind: sent, with a click on a card, and learners active within 7 days.")]  # fmt: skip
    charts.append(intervals("Opt-out rate per kind (off or snooze)",
                            [(k.kind, *_triple(k.opt_out_rate), f"{k.opted_out}/{k.sent}") for k in n.kinds],
                            "Share of nudges followed by nudges off or a snooze within 7 days."))  # fmt: skip
    if h.enough:
        lift = h.lift
        charts.append(intervals("Come-back nudges: return rate lift over the hold-out",
                                [("nudged minus held out", *_triple(lift),
                                  f"{h.nudged_returned}/{h.nudged} vs {h.held_out_returned}/{h.held_out}")],
                                "Difference in 7-day return rate between nudged and held-out learners.",
                                low=-1.0, high=1.0))  # fmt: skip
        note = ""
    else:
        note = f"<p class='note'>Hold-out comparison: needs at least {r.min_group} people in each group.</p>"
    return _section("nudges", "Nudges", charts, note)


def _triple(i: Interval) -> tuple[float, float, float]:
    return i.estimate, i.low, i.high


def _sharing(r: Report) -> str:
    sh, tm, least = r.shares, r.teams, r.min_group
    charts = [
        columns("Courses shared per week", [w.week for w in sh.weeks],
                {"shared": [w.sent for w in sh.weeks]},
                f"Courses shared with colleagues each week, in weeks when at least {least} people of a workspace "
                f"shared; {sh.sharers} people shared (weekly average)."),
        columns("Manager recommendations per week", [w.week for w in tm.weeks],
                {"recommended": [w.recommendations for w in tm.weeks]},
                f"Courses managers recommended to their team each week, in weeks when at least {least} managers of a "
                f"workspace did; {tm.managers} managers recommended (weekly average)."),
        bars("Sharing and teams", [("people who shared", sh.sharers), ("turned shares off", sh.turned_off),
                                   ("managers recommending", tm.managers), ("managers with a team", tm.with_team),
                                   ("celebrating their wins", tm.celebrating)],
             f"People who shared and managers who recommended are weekly averages; shares turned off are summed over "
             f"the weeks; managers with a team (at least {least} reports who use Upnext, for /learn team) and "
             f"learners in the weekly learning-wins post are counted now. Each count comes from at least {least} "
             f"people of a workspace: fewer are held back."),
    ]  # fmt: skip
    return _section("sharing", "Sharing and teams", charts)


def _catalog(r: Report) -> str:
    c = r.catalog
    charts = [
        bars(f"Courses by {name}: not shown in 30 days", [(g.label, g.never_shown) for g in groups],
             f"{c.never_shown} of {c.courses} courses were not shown in the last 30 days.")
        for name, groups in (("language", c.by_language), ("level", c.by_level))
    ] + [bars("Courses never started, by level", [(g.label, g.never_started) for g in c.by_level],
              f"{c.never_started} of {c.courses} courses were never started.")]  # fmt: skip
    return _section("catalog", "Catalog health", charts)


def _section(anchor: str, title: str, charts: list[str], extra: str = "") -> str:
    return f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{escape(title)}</h2>' \
           f'<div class="grid">{"".join(charts)}</div>{extra}</section>'  # fmt: skip


def _scopes(scope: Scope, visible: list[Scope]) -> tuple[str, str]:
    """Whose figures these are, and the picker of the others an admin may see (nothing when the whole store is all
    there is, as with one token)."""
    if visible == [EVERYONE]:
        return "", ""
    shown = f'<p class="note">Figures for <strong>{escape(scope.label)}</strong>.</p>'
    if len(visible) == 1:
        return shown, ""
    options = "".join(f'<option value="{escape(s.key)}"{" selected" if s == scope else ""}>{escape(s.label)}'
                      f"</option>" for s in visible)  # fmt: skip
    return shown, f'<label>Whose figures <select name="scope">{options}</select></label>\n'


def dashboard_page(r: Report, scope: Scope = EVERYONE, visible: list[Scope] | None = None) -> str:
    """The dashboard of `scope`'s report `r`, with a picker of the `visible` scopes when there are several."""
    since, until = r.window.since.isoformat(), r.window.until.isoformat()
    query = f"since={since}&amp;until={until}" + (f"&amp;scope={escape(scope.key)}" if scope.kind else "")
    bounds = f'min="{FIRST_DAY}" max="{LAST_DAY}"'  # the browser refuses what the server would (a 400) anyway
    body = "".join(f(r) for f in (_adoption, _funnel, _search, _feedback, _nudges, _sharing, _catalog))
    whose, picker = _scopes(scope, visible or [EVERYONE])
    return page(
        "Upnext: learning team",
        f"""<header><a class="skip" href="#main">Skip to the figures</a>
<h1>Upnext: what learners do and ask for</h1>{whose}
<p class="note">{since} to {until}, whole weeks (Monday to Sunday, UTC). Totals only: no one is named, a weekly count
that fewer than {r.min_group} people contribute to is counted nowhere, and counts of people are weekly averages.
Only weeks that have ended count: up to {r.counted_until.isoformat()}. Figures as of {as_of(r)}.</p>
<form class="window" method="get" action="/admin">
{picker}<label>From <input type="date" name="since" value="{since}" {bounds} required></label>
<label>To <input type="date" name="until" value="{until}" {bounds} required></label>
<button type="submit">Show</button>
<a href="/admin/report.csv?{query}">CSV</a> <a href="/admin/report.json?{query}">JSON</a></form></header>
<main id="main">{_headline(r)}{body}</main>
<footer><p class="note">Definitions: see the README's “Who sees what”.</p></footer>""",
    )


def page(title: str, body: str, head: str = "") -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">{head}'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>")  # fmt: skip


def refusal_page() -> str:
    return page(
        "Upnext: sign in again",
        """<main id="main"><h1>Please sign in again</h1>
<p>This link is missing, has expired, was already used, or is not valid, or your session has ended.</p>
<p>To open the learning-team dashboard, type <code>/learn admin</code> in Slack and click the button in the reply.
Each link works once, for 10 minutes; the session it starts lasts 8 hours.</p>
<p>Only workspace admins and owners, and the people your Upnext operator listed, can get a link.</p></main>""",
    )
