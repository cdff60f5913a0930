"""Block Kit for managers: `/learn team`'s figures or its refusal, and choosing a course to recommend to the team.

Nothing here names a report: the figures are folded counts (insights.teams.figures), and the refusal reads the same
whether the manager has four reports using Upnext, none, or no team Upnext knows of.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, ContextBlock, DividerBlock, MarkdownTextObject

from bot.block_kit.blocks import Message, course_card, fallback_titles, render, section, text_message
from bot.block_kit.mrkdwn import echo, escape, truncate
from bot.i18n import Messages
from insights.teams.figures import TeamPeriod
from learning.catalog.courses import Course

RECOMMEND_ACTION = "team_recommend"


def team_refusal(t: Messages, min_group: int) -> Message:
    return text_message(t("team.refused", min_group=min_group))


def team_message(periods: Sequence[TeamPeriod], t: Messages, min_group: int) -> Message:
    blocks: list[Block] = [section(t("team.header"))]
    for period in periods:
        topics = ", ".join(f"*{echo(topic, 60)}*" for topic in period.topics)
        lines = [
            t("team.period", weeks=period.weeks),
            t("team.active", count=period.active),
            t("team.finished", count=period.finished),
            t("team.topics", topics=topics) if topics else t("team.no_topics"),
        ]
        blocks.append(section("\n".join(lines)))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("team.privacy", min_group=min_group))]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("team.recommend_hint"))]))
    return Message(t("team.fallback"), render(blocks))


def recommend_choices(courses: Sequence[Course], query: str, t: Messages) -> Message:
    """The courses found for `query`, each with a button recommending it to the manager's team."""
    if not courses:
        return text_message(t("team.no_match", query=echo(query, 120)))
    blocks: list[Block] = [section(t("team.choose"))]
    for course in courses[:5]:
        blocks.append(DividerBlock())
        blocks.extend(course_card(course, t))
        label = truncate(f"{t('button.recommend_team')}: {course.title}", 75)
        button = ButtonElement(text=t("button.recommend_team"), action_id=RECOMMEND_ACTION, value=course.id,
                               accessibility_label=label)  # fmt: skip
        blocks.append(ActionsBlock(elements=[button]))
    return Message(t("team.choose_fallback", titles=escape(fallback_titles(courses[:5]))), render(blocks))


def recommended(course: Course, t: Messages) -> Message:
    return text_message(t("team.recommended", title=escape(truncate(course.title, 200))))
