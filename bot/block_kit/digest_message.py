"""Block Kit for the weekly learning-team digest: headline numbers with their change from the week before."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.block_kit.blocks import Message, render
from bot.block_kit.mrkdwn import echo, truncate
from insights.queries import EVERYONE, Scope
from insights.report import Report


def _change(now: float, before: float, as_share: bool = False) -> str:
    delta = now - before
    if as_share:
        return f"{delta * 100:+.1f} pts"
    return f"{delta:+d}" if isinstance(delta, int) else f"{delta:+.0f}"


def digest_message(this_week: Report, last_week: Report, dashboard_url: str | None, scope: Scope = EVERYONE) -> Message:
    """What happened in the week, each figure with its change from last week; content gaps by the words many of
    their askers shared (escaped all the same), each from at least the minimum group of askers. An org's or a
    workspace's digest (`scope`) says whose figures they are, and links to them."""
    now, before = this_week, last_week
    ctr_now, ctr_before = now.funnel.total.click_through.estimate, before.funnel.total.click_through.estimate
    rated_now = now.feedback.up + now.feedback.down
    fields = [
        f"*Active learners*\n{now.adoption.active} ({_change(now.adoption.active, before.adoption.active)})",
        f"*New learners*\n{sum(w.new for w in now.adoption.weeks)} "
        f"({_change(sum(w.new for w in now.adoption.weeks), sum(w.new for w in before.adoption.weeks))})",
        f"*Picks started*\n{now.funnel.total.started} "
        f"({_change(now.funnel.total.started, before.funnel.total.started)})",
        f"*Click-through*\n{ctr_now:.1%} ({_change(ctr_now, ctr_before, as_share=True)})",
        f"*Questions asked*\n{now.search.questions} ({_change(now.search.questions, before.search.questions)})",
        f"*Worth their time*\n{now.feedback.up}/{rated_now} 👍" if rated_now else "*Worth their time*\nno ratings",
    ]
    week = f"{now.window.since:%d %b} to {now.window.until:%d %b %Y}" + (f" ({scope.label})" if scope.kind else "")
    blocks = [
        HeaderBlock(text=truncate(f"Upnext this week: {week}", 150)),
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]),
    ]
    gaps = [f"{echo(g.label)} ({g.askers} people)" for g in now.search.gaps[:3]]
    if gaps:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="*Asked for, weakly answered:* " + ", ".join(gaps))))
    note = f"Totals only; weekly counts from fewer than {now.min_group} people are left out."
    if dashboard_url:
        page = f"{dashboard_url}/admin" + (f"?scope={scope.key}" if scope.kind else "")
        note += f" <{page}|Open the dashboard> (type `/learn admin` for a sign-in link)."
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    text = (f"Upnext this week: {now.adoption.active} active learners, {now.funnel.total.started} picks started, "
            f"{now.search.questions} questions")  # fmt: skip
    return Message(text, render(blocks))
