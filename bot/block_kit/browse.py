"""Browsing the catalog: a modal of its subjects, and a subject's shelf pushed on top, ten to a page.

The subjects show a course count and a cover each; a shelf's items are course cards, one click from Start or Save,
with Next and Back.

Where a modal is (subject, page, the answer recording what it shows, and where browsing began) travels in its
`private_metadata`, read back defensively: a forged value is clamped or dropped, never trusted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    ImageElement,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.block_kit.blocks import NO_STATE, SURFACE_BLOCKS, CardState, course_card, render, section
from bot.block_kit.mrkdwn import echo, escape, truncate
from bot.i18n import Messages
from learning.catalog.courses import Course

SUBJECTS_CALLBACK, SHELF_CALLBACK = "browse_subjects", "browse_shelf"
OPEN_BROWSE, OPEN_SUBJECT, TURN_PAGE = "browse_open", "browse_subject", "browse_page"
PAGE_SIZE = 10
ORIGINS = ("slash", "home")  # where browsing began: the surface its answers are recorded on
METADATA_CHARS = 255
TITLE_CHARS = 24
_KEY = re.compile(r"^[0-9a-f]{0,40}$")


@dataclass(frozen=True)
class Place:
    """Where a browse modal is: a subject's key ("" for the list of subjects), a page, the answer recording what
    the page shows (0: none) and where browsing began."""

    subject: str = ""
    page: int = 0
    answer_id: int = 0
    origin: str = "slash"

    def metadata(self) -> str:
        data = {"s": self.subject, "p": self.page, "a": self.answer_id, "o": self.origin}
        text = json.dumps(data, separators=(",", ":"))
        if len(text) > METADATA_CHARS:
            raise ValueError(f"private_metadata holds at most {METADATA_CHARS} characters here, got {len(text)}")
        return text

    @classmethod
    def of(cls, metadata: Any) -> Place:
        """From a modal's private_metadata; anything malformed falls back to the first page of the subjects."""
        try:
            data = json.loads(metadata) if isinstance(metadata, str) else {}
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        subject, page, answer, origin = data.get("s"), data.get("p"), data.get("a"), data.get("o")
        return cls(
            subject if isinstance(subject, str) and _KEY.match(subject) else "",
            page if isinstance(page, int) and 0 <= page < 100_000 else 0,
            answer if isinstance(answer, int) and answer >= 0 else 0,
            origin if origin in ORIGINS else "slash",
        )

    @classmethod
    def opening(cls, subject: Any, origin: str) -> Place:
        """The first page of the subject a button names (a forged key opens no subject)."""
        return cls(subject if isinstance(subject, str) and _KEY.match(subject) else "", 0, 0, origin)

    def turned(self, page: Any) -> Place:
        """The page a Next or Back button names, of the same subject; a new page gets its own answer."""
        number = int(page) if isinstance(page, str) and page.isascii() and page.isdigit() else 0
        return Place(self.subject, min(number, 99_999), 0, self.origin)


@dataclass(frozen=True)
class SubjectCard:
    key: str
    name: str  # "" for courses with no subject
    courses: int
    paths: int
    cover: str | None  # an image Slack can show, or None for no image


@dataclass(frozen=True)
class ShelfItem:
    course: Course  # a course in no path, or the first step of a path
    steps: int  # the path's steps (0: in no path)
    state: CardState = NO_STATE


def subject_name(name: str, t: Messages) -> str:
    return name or t("browse.other")


def subjects_modal(subjects: Sequence[SubjectCard], place: Place, pages: int, t: Messages) -> dict[str, Any]:
    """One page of the catalog's subjects: name, counts and cover, and a button opening each."""
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text=t("browse.intro"))])]
    if not subjects:
        blocks.append(section(t("browse.empty")))
    for subject in subjects:
        name = subject_name(subject.name, t)
        text = f"*{escape(truncate(name, 150))}*\n{t('browse.counts', courses=subject.courses, paths=subject.paths)}"
        cover = (
            ImageElement(image_url=subject.cover, alt_text=truncate(t("browse.cover_alt", subject=name), 2000))
            if subject.cover
            else None
        )
        label = truncate(f"{t('button.open_subject')}: {name}", 75)
        button = ButtonElement(text=t("button.open_subject"), action_id=OPEN_SUBJECT, value=subject.key,
                               accessibility_label=label)  # fmt: skip
        blocks += [SectionBlock(text=MarkdownTextObject(text=text), accessory=cover), ActionsBlock(elements=[button])]
    return _modal(SUBJECTS_CALLBACK, t("browse.title"), blocks, place, pages, t)


def shelf_modal(
    name: str, courses: int, paths: int, items: Sequence[ShelfItem], place: Place, pages: int, t: Messages
) -> dict[str, Any]:
    """One page of a subject's shelf: its paths (each by its first step) and its courses in no path, as cards."""
    shown = subject_name(name, t)
    header = f"*{escape(truncate(shown, 150))}*  ·  {t('browse.counts', courses=courses, paths=paths)}"
    blocks: list[Block] = [section(header)]
    for item in items:
        path = item.course.path_title
        reason = t("browse.path_first", path=echo(path, 150), steps=item.steps) if item.steps and path else None
        blocks += [DividerBlock(), *course_card(item.course, t, reason, item.state, place.answer_id)]
    return _modal(SHELF_CALLBACK, truncate(shown, TITLE_CHARS), blocks, place, pages, t)


def gone_modal(place: Place, t: Messages) -> dict[str, Any]:
    """A subject a button named that the catalog no longer has (an import since the list was shown, or forged)."""
    return _modal(SHELF_CALLBACK, t("browse.title"), [section(t("browse.gone"))], place, 1, t)


def _modal(callback: str, title: str, blocks: list[Block], place: Place, pages: int, t: Messages) -> dict[str, Any]:
    """The modal with its page line and Back / Next, validated against Slack's limits."""
    turns = []
    if place.page > 0:
        turns.append(ButtonElement(text=t("button.back"), action_id=f"{TURN_PAGE}_back", value=str(place.page - 1)))
    if place.page + 1 < pages:
        turns.append(ButtonElement(text=t("button.next"), action_id=f"{TURN_PAGE}_next", value=str(place.page + 1)))
    if pages > 1:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("browse.page", page=place.page + 1,
                                                                        pages=pages))]))  # fmt: skip
    if turns:
        blocks.append(ActionsBlock(block_id="browse_pages", elements=turns))
    rendered = render(blocks)
    if len(rendered) > SURFACE_BLOCKS:
        raise ValueError(f"a modal holds at most {SURFACE_BLOCKS} blocks, got {len(rendered)}")
    view = View(type="modal", callback_id=callback, title=truncate(title, TITLE_CHARS), close=t("modal.close"),
                private_metadata=place.metadata(), blocks=rendered)  # fmt: skip
    return view.to_dict()


def pages_of(count: int) -> int:
    return max(1, -(-count // PAGE_SIZE))
