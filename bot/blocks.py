"""Pure Block Kit builders: data in, validated Block Kit out. No Slack calls here.

Blocks are made with slack_sdk's model classes, whose `to_dict()` enforces Slack's per-element limits; `Message`
adds the per-surface limits (block counts, text fallback).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    ImageElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import Messages
from bot.mrkdwn import escape, link, truncate
from learning.courses import Course
from learning.search import SearchResult, words

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100  # Home tab and modals
FALLBACK_CHARS = 3000
DESCRIPTION_CHARS = 220


@dataclass(frozen=True)
class Message:
    """A message ready for chat.postMessage / respond: Block Kit plus the text fallback screen readers use."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("every message needs a text fallback")
        if len(self.blocks) > MESSAGE_BLOCKS:
            raise ValueError(f"a message holds at most {MESSAGE_BLOCKS} blocks, got {len(self.blocks)}")

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}

    def without_images(self) -> Message:
        """The same message with image accessories removed, for when Slack cannot fetch an image."""
        blocks = [
            {k: v for k, v in b.items() if not (k == "accessory" and v.get("type") == "image")} for b in self.blocks
        ]
        return Message(self.text, blocks)


def render(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Validate against Slack's limits (raises SlackObjectFormationError) and serialise."""
    return [block.to_dict() for block in blocks]


def duration_label(minutes: int | None, t: Messages) -> str | None:
    if not minutes:
        return None
    if minutes < 60:
        return t("card.minutes", minutes=minutes)
    hours, rest = divmod(minutes, 60)
    return t("card.hours", hours=hours) if not rest else t("card.hours_minutes", hours=hours, minutes=rest)


def course_meta(course: Course, t: Messages) -> str:
    """'Software Carpentry · The Unix Shell · Beginner · 45 min' (escaped)."""
    parts = [
        course.provider,
        course.path_title if course.path_title != course.title else None,
        t(f"level.{course.level}") if course.level else None,
        duration_label(course.duration_minutes, t),
    ]
    return " · ".join(escape(truncate(p, 100)) for p in parts if p)


def course_card(course: Course, t: Messages, reason: str | None = None) -> list[Block]:
    """One course: linked title, meta line, short description, image with alt text, and why it was picked."""
    lines = [f"*{link(course.url, truncate(course.title, 200))}*"]
    meta = course_meta(course, t)
    if meta:
        lines.append(meta)
    if course.description:
        lines.append(escape(truncate(course.description, DESCRIPTION_CHARS)))
    accessory = (
        ImageElement(image_url=course.image_url, alt_text=truncate(course.title, 150)) if course.image_url else None
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text="\n".join(lines)), accessory=accessory)]
    if reason:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"_{escape(reason)}_")]))
    return blocks


def fallback_titles(courses: Sequence[Course]) -> str:
    return "; ".join(truncate(c.title, 120) for c in courses)


def search_answer(result: SearchResult, t: Messages) -> Message:
    """The answer to `/learn <words>`: up to 5 cards, with any corrected spelling or unusable filter explained."""
    query = result.query
    notes = [t("search.problem", problem=problem) for problem in query.problems]
    if result.corrected:
        notes.append(t("search.corrected", corrected=escape(result.corrected)))
    if not query.text and not query.problems:
        return help_message(t)
    if not result.hits:
        has_words = bool(words(query.text))
        text = t("search.none", query=escape(truncate(query.text, 120))) if has_words else t("search.empty")
        return Message(text, render([_section(line) for line in [*notes, text]]))
    shown = escape(truncate(query.text, 120))
    cards: list[Block] = []
    for course in result.courses[:5]:
        cards.append(DividerBlock())
        cards.extend(course_card(course, t))
    blocks: list[Block] = [_section(f"*{t('search.header', query=shown)}*")]
    blocks += [ContextBlock(elements=[MarkdownTextObject(text=note)]) for note in notes]
    blocks += [*cards, ContextBlock(elements=[MarkdownTextObject(text=t("search.footer"))])]
    titles = escape(fallback_titles(result.courses[:5]))
    return Message(truncate(t("search.fallback", query=shown, titles=titles), FALLBACK_CHARS), render(blocks))


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def help_message(t: Messages) -> Message:
    blocks = [_section(f"*{t('help.title')}*"), _section(t("help.usage")), _section(t("help.filters"))]
    return Message(t("help.fallback"), render(blocks))


def error_message(t: Messages) -> Message:
    text = t("error.generic")
    return Message(text, render([_section(text)]))
