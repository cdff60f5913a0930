"""The report as plain data (JSON), as long-format CSV (section, group, metric, value) and as text for people."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from insights.csv_cells import csv_text
from insights.intervals import Interval
from insights.report import FunnelRow, Group, Report

FORMATS = ("text", "json", "csv")


def _interval(i: Interval) -> dict[str, float]:
    return {"estimate": round(i.estimate, 4), "low": round(i.low, 4), "high": round(i.high, 4)}


def _funnel_row(r: FunnelRow) -> dict[str, Any]:
    return {"group": r.label, "shown": r.shown, "started": r.started, "done": r.done, "people": r.learners,
            "click_through": _interval(r.click_through)}  # fmt: skip


def _groups(groups: list[Group]) -> list[dict[str, Any]]:
    return [{"group": g.label, **g.values} for g in groups]


def as_data(report: Report) -> dict[str, Any]:
    a, f, s, fb, n, c = report.adoption, report.funnel, report.search, report.feedback, report.nudges, report.catalog
    h, sh, tm = n.holdout, report.shares, report.teams
    return {
        "window": {"since": report.window.since.isoformat(), "until": report.window.until.isoformat(),
                   "counted_until": report.counted_until.isoformat()},
        "min_group": report.min_group,
        "generated_at": report.generated_at,
        "adoption": {
            "known": a.known, "active": a.active,
            "weeks": [{"week": w.week, "active": w.active, "new": w.new, "returning": w.returning} for w in a.weeks],
            "months": [{"month": m, "active": v} for m, v in a.months],
            "by_role": _groups(a.by_role), "by_timezone": _groups(a.by_timezone),
            "by_language": _groups(a.by_language),
        },
        "funnel": {"total": _funnel_row(f.total), "by_surface": [_funnel_row(r) for r in f.by_surface],
                   "by_reason": [_funnel_row(r) for r in f.by_reason]},
        "search": {
            "questions": s.questions, "unclicked": s.unclicked,
            "weeks": [{"week": w, "questions": q, "unclicked": u} for w, q, u in s.weeks],
            "gap_threshold": s.threshold,
            "gaps": [{"label": g.label, "questions": g.questions, "people": g.askers, "also": list(g.examples)}
                     for g in s.gaps],
            "gaps_other": s.gaps_other,
        },
        "feedback": {
            "up": fb.up, "down": fb.down, "other_up": fb.other_up, "other_down": fb.other_down,
            "courses": [{"course_id": r.course_id, "title": r.title, "up": r.up, "down": r.down,
                         "comments": r.comments} for r in fb.ratings],
            "drop_off": [{"course_id": d.course_id, "title": d.title, "started": d.started, "finished": d.finished,
                          "finish_rate": _interval(d.finish_rate)} for d in fb.drop_off],
        },
        "nudges": {
            "kinds": [{"kind": k.kind, "sent": k.sent, "clicked": k.clicked, "returned": k.returned,
                       "opted_out": k.opted_out, "opt_out_rate": _interval(k.opt_out_rate)} for k in n.kinds],
            "holdout": {"nudged": h.nudged, "nudged_returned": h.nudged_returned, "held_out": h.held_out,
                        "held_out_returned": h.held_out_returned, "enough_people": h.enough,
                        "difference": _interval(h.lift) if h.enough else None},
        },
        "shares": {"sent": sh.sent, "sharers": sh.sharers, "turned_off": sh.turned_off,
                   "weeks": [vars(w) for w in sh.weeks]},
        "teams": {"recommendations": tm.recommendations, "managers_recommending": tm.managers,
                  "managers_with_team": tm.with_team, "celebrating": tm.celebrating,
                  "weeks": [{"week": w.week, "recommendations": w.recommendations, "managers_recommending": w.managers}
                            for w in tm.weeks]},
        "catalog": {
            "courses": c.courses, "never_shown_30_days": c.never_shown, "never_started": c.never_started,
            "by_language": [vars(g) for g in c.by_language], "by_level": [vars(g) for g in c.by_level],
        },
    }  # fmt: skip


def as_json(report: Report) -> str:
    return json.dumps(as_data(report), indent=2, ensure_ascii=False)


_LABELS = ("group", "week", "month", "kind", "label", "course_id")


def _leaves(section: str, value: Any, group: str, rows: list[list[object]]) -> None:
    """Every value in the data as (section, group, metric, value), numbers kept as numbers; a list item is named by
    its label key."""
    if isinstance(value, list):
        for item in value:
            _leaves(section, item, group, rows)
        return
    if not isinstance(value, dict):
        rows.append([section, group, "item", value])
        return
    label = next((str(value[k]) for k in _LABELS if k in value), group)
    for key, item in value.items():
        if key in _LABELS:
            continue
        if isinstance(item, dict | list):
            _leaves(f"{section}.{key}", item, label, rows)
        else:
            rows.append([section, label, key, item])


def as_csv(report: Report) -> str:
    data = as_data(report)
    rows: list[list[object]] = [["section", "group", "metric", "value"],
                                ["window", "all", "since", data["window"]["since"]],
                                ["window", "all", "until", data["window"]["until"]]]  # fmt: skip
    for section in ("adoption", "funnel", "search", "feedback", "nudges", "shares", "teams", "catalog"):
        _leaves(section, data[section], "all", rows)
    return csv_text(rows)


def as_of(report: Report) -> str:
    """When the figures were computed, as people read it: "09:05 UTC on 2026-12-14"."""
    at = datetime.fromisoformat(report.generated_at).astimezone(UTC)
    return f"{at:%H:%M} UTC on {at:%Y-%m-%d}"


def percent(value: float) -> str:
    return f"{value:.1%}"


def ci(i: Interval) -> str:
    return f"{percent(i.estimate)} (95% CI {percent(i.low)}-{percent(i.high)})"


def as_text(report: Report) -> str:
    a, f, s, fb, n, c = report.adoption, report.funnel, report.search, report.feedback, report.nudges, report.catalog
    lines = [
        f"Upnext report {report.window.since} to {report.window.until}, whole weeks (weekly counts from fewer than "
        f"{report.min_group} people counted nowhere; people figures are weekly averages; weeks that have not ended "
        f"yet are not counted: up to {report.counted_until})",
        f"Figures as of {as_of(report)}",
        "",
        f"Adoption: {a.active} active of {a.known} known learners",
    ]
    lines += [f"  week of {w.week}: {w.active} active ({w.new} new, {w.returning} returning)" for w in a.weeks]
    lines += [f"  month {m}: {v} active" for m, v in a.months]
    for title, groups in (("role", a.by_role), ("time zone", a.by_timezone), ("language", a.by_language)):
        lines.append(f"  by {title}: " + ", ".join(f"{g.label} {g.values['active']}/{g.values['known']}"
                                                    for g in groups))  # fmt: skip
    lines += ["", f"Engagement: {f.total.shown} picks shown, {f.total.started} started, {f.total.done} done; "
                  f"click-through {ci(f.total.click_through)}"]  # fmt: skip
    for title, rows in (("surface", f.by_surface), ("reason", f.by_reason)):
        lines.append(f"  by {title}:")
        lines += [f"    {r.label}: {r.shown} shown, {r.started} started, {r.done} done, click-through "
                  f"{ci(r.click_through)}" for r in rows]  # fmt: skip
    share = s.unclicked / s.questions if s.questions else 0.0
    lines += ["", f"Search: {s.questions} questions, {percent(share)} answered with nothing clicked"]
    lines += [f"  week of {w}: {q} questions, {u} with nothing clicked" for w, q, u in s.weeks]
    lines.append(f"  content gaps (best match under {s.threshold:.2f} similarity):")
    lines += [f"    {g.questions:>5}  {g.label} ({g.askers} people)"
              + (f"  (asked as: {'; '.join(g.examples)})" if g.examples else "") for g in s.gaps]  # fmt: skip
    lines.append(f"    {s.gaps_other:>5}  other")
    lines += ["", f"Feedback: {fb.up} 👍, {fb.down} 👎"]
    lines += [f"  {r.title}: {r.up} 👍 {r.down} 👎" + "".join(f"\n    “{c}”" for c in r.comments) for r in fb.ratings]
    if fb.other_up or fb.other_down:
        lines.append(f"  other courses: {fb.other_up} 👍 {fb.other_down} 👎")
    lines.append("  most started, least finished:")
    lines += [f"    {d.title}: {d.finished}/{d.started} finished ({percent(d.finish_rate.estimate)})"
              for d in fb.drop_off]  # fmt: skip
    lines += ["", "Nudges:"]
    lines += [f"  {k.kind}: {k.sent} sent, {k.clicked} clicked, {k.returned} returned within 7 days, "
              f"opt-out {ci(k.opt_out_rate)}" for k in n.kinds]  # fmt: skip
    h = n.holdout
    if h.enough:
        lines.append(f"  come-back return rate: nudged {h.nudged_returned}/{h.nudged}, held out "
                     f"{h.held_out_returned}/{h.held_out}; difference {ci(h.lift)}")  # fmt: skip
    else:
        lines.append(f"  hold-out comparison: too few people yet (needs {report.min_group} in each group)")
    sh, tm = report.shares, report.teams
    lines += ["", f"Shares: {sh.sent} courses shared with colleagues by {sh.sharers} people (weekly average); "
                  f"{sh.turned_off} turned shares off"]  # fmt: skip
    lines += [f"  week of {w.week}: {w.sent} shared by {w.sharers} people, {w.turned_off} turned shares off"
              for w in sh.weeks]  # fmt: skip
    lines += ["", f"Teams: {tm.recommendations} courses recommended by {tm.managers} managers (weekly average); "
                  f"{tm.with_team} managers with a team for /learn team; {tm.celebrating} learners celebrating their "
                  f"wins"]  # fmt: skip
    lines += [f"  week of {w.week}: {w.recommendations} recommended by {w.managers} managers" for w in tm.weeks]
    lines += [
        "",
        f"Catalog: {c.courses} courses, {c.never_shown} not shown in 30 days, {c.never_started} never started",
    ]
    for title, courses in (("language", c.by_language), ("level", c.by_level)):
        lines.append(f"  by {title}: " + ", ".join(f"{g.label} {g.courses} ({g.never_shown} not shown, "
                                                    f"{g.never_started} never started)" for g in courses))  # fmt: skip
    return "\n".join(lines) + "\n"


def as_format(report: Report, fmt: str) -> str:
    return {"text": as_text, "json": as_json, "csv": as_csv}[fmt](report)
