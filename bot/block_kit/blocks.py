"""Pure Block Kit builders: data in, validated Block Kit out. No Slack calls here.

Blocks are made with slack_sdk's model classes, whose `to_dict()` enforces Slack's per-element limits; `Message`
adds the per-surface limits (block counts, text fallback).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import langcodes
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    ImageElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.block_kit.mrkdwn import echo, escape, link, truncate
from bot.i18n import Messages
from config.nudges import NudgePolicy
from learning.catalog.courses import Course
from learning.people.learners import Learner
from learning.people.progress_strip import zone
from learning.reasons import Reason
from learning.recommend.picks import Pick
from learning.recommend.shelves import shown_image
from learning.search.course_search import SearchResult, words
from learning.search.query import Problem

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100  # Home tab and modals
FALLBACK_CHARS = 3000
DESCRIPTION_CHARS = 220
SHARE_ACTION = "course_share"  # a card's Share button: opens the share modal (bot.block_kit.social.share)


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
        return Message(self.text, without_images(self.blocks))


def without_images(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rendered blocks with their image accessories removed, for when Slack cannot fetch an image."""
    return [{k: v for k, v in b.items() if not (k == "accessory" and v.get("type") == "image")} for b in blocks]


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
    """'Software Carpentry · The Unix Shell · Beginner · 45 min' (escaped), then the course's language by its own
    name ('日本語') when it is not the reader's."""
    parts = [
        course.provider,
        course.path_title if course.path_title != course.title else None,
        t(f"level.{course.level}") if course.level else None,
        duration_label(course.duration_minutes, t),
        language_label(course.language, t.language),
    ]
    return " · ".join(escape(truncate(p, 100)) for p in parts if p)


def language_label(language: str | None, reader: str) -> str | None:
    """A course's language, named in itself ('português'), when it is known and not the reader's language."""
    code = (language or "").replace("_", "-").split("-")[0].lower()
    if not code or code == reader:
        return None
    return langcodes.Language.get(code).autonym()


def local_day(moment: str, tz: str | None) -> date:
    """The learner's calendar day at a stored (UTC) timestamp: a snooze ending 20:00 UTC ends the next day in Tokyo."""
    return datetime.fromisoformat(moment).astimezone(zone(tz)).date()


def nudge_terms(policy: NudgePolicy, t: Messages) -> dict[str, object]:
    """The weekly cap and the local days and hours nudges may come in, for the messages that promise them."""
    start, end = time(policy.window_start_hour), time(policy.window_end_hour % 24)
    return {"cap": policy.weekly_cap, "days": t.days(policy.weekdays), "start": start, "end": end}


@dataclass(frozen=True)
class CardState:
    """What the learner has done with a course, which decides the buttons and the status line on its card."""

    started: bool = False
    saved: bool = False
    done: bool = False
    dismissed: bool = False


NO_STATE = CardState()


def button_value(answer_id: int, course_id: str) -> str:
    return json.dumps({"a": answer_id, "c": course_id}, separators=(",", ":"))


def reason_text(reason: Reason, t: Messages) -> str:
    if reason.names_a_person:  # "Recommended by your colleague Ana", or "by a colleague" once unnamed
        return t.named(f"reason.{reason.kind}", echo(reason.evidence) if reason.evidence else None)
    if reason.kind == "starter" and reason.evidence:
        return t("reason.starter_path", evidence=echo(reason.evidence))
    if reason.evidence:
        return t(f"reason.{reason.kind}", evidence=echo(reason.evidence))
    return t(f"reason.{reason.kind}").replace("{evidence}", "")


def _button(text: str, action_id: str, value: str, label: str, **extra: Any) -> ButtonElement:
    return ButtonElement(text=text, action_id=action_id, value=value, accessibility_label=truncate(label, 75), **extra)


def proof_text(takers: int | None, t: Messages) -> str | None:
    """The line "Taken by 12 people in your role": a count (already at least the minimum group), never a name."""
    return t("proof.role", count=takers) if takers else None


def course_summary(course: Course, t: Messages) -> SectionBlock:
    """The linked title, the meta line, a short description and the image (with alt text): what every card shows."""
    lines = [f"*{link(course.url, truncate(course.title, 200))}*"]
    meta = course_meta(course, t)
    if meta:
        lines.append(meta)
    if course.description:
        lines.append(escape(truncate(course.description, DESCRIPTION_CHARS)))
    image = shown_image(course.image_url)
    accessory = ImageElement(image_url=image, alt_text=truncate(course.title, 150)) if image else None
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)), accessory=accessory)


def start_button(course: Course, t: Messages, value: str) -> ButtonElement:
    """Start: opens the course (when it has a URL) and tells Upnext the person started it."""
    label = f"{t('button.start')}: {course.title}"
    if course.url:
        return _button(t("button.start"), "course_start", value, label, url=course.url)
    return _button(t("button.start"), "course_start", value, label)


def save_button(course: Course, t: Messages, value: str, saved: bool = False) -> ButtonElement:
    return _button(
        t("button.unsave") if saved else t("button.save"),
        "course_unsave" if saved else "course_save",
        value,
        f"{t('button.save')}: {course.title}",
    )


def course_card(
    course: Course,
    t: Messages,
    reason: str | None = None,
    state: CardState = NO_STATE,
    answer_id: int | None = None,
    proof: str | None = None,
) -> list[Block]:
    """One course: linked title, meta line, short description, image with alt text, why it was picked (and how many
    people in the learner's role took it), and the one-click actions (when the card belongs to a recorded answer, or
    is 0 for a card no answer records), Share last."""
    if state.dismissed:
        blocks: list[Block] = [section(f"*{link(course.url, truncate(course.title, 200))}*")]
        undo = _button(t("button.undo"), "course_undismiss", button_value(answer_id or 0, course.id), course.title)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("state.dismissed"))]))
        if answer_id is not None:
            blocks.append(ActionsBlock(elements=[undo]))
        return blocks
    blocks = [course_summary(course, t)]
    status = [t(f"state.{name}") for name in ("done", "started", "saved") if getattr(state, name)][:1]
    notes = [f"_{reason}_"] if reason else []
    notes += [proof] if proof else []
    if notes or status:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="  ·  ".join([*status, *notes]))]))
    if answer_id is not None:
        value = button_value(answer_id, course.id)
        title = course.title
        buttons = [start_button(course, t, value), save_button(course, t, value, state.saved)]
        if not state.done:
            buttons.append(_button(t("button.done"), "course_done", value, f"{t('button.done')}: {title}"))
            buttons.append(_button(t("button.dismiss"), "course_dismiss", value, f"{t('button.dismiss')}: {title}"))
        buttons.append(_button(t("button.share"), SHARE_ACTION, value, f"{t('button.share')}: {title}"))
        blocks.append(ActionsBlock(elements=buttons))
    return blocks


def fallback_titles(courses: Sequence[Course]) -> str:
    return "; ".join(truncate(c.title, 120) for c in courses)


@dataclass(frozen=True)
class Card:
    course: Course
    reason: str | None = None  # localised mrkdwn, already escaped
    state: CardState = NO_STATE
    proof: str | None = None  # "Taken by 12 people in your role", localised


def cards_message(
    header: str,
    cards: Sequence[Card],
    t: Messages,
    fallback: str,
    answer_id: int | None = None,
    notes: Sequence[str] = (),
    footer: str | None = None,
) -> Message:
    """A header, 3-5 course cards (with actions when `answer_id` is given) and a line of next steps."""
    blocks: list[Block] = [section(header)]
    blocks += [ContextBlock(elements=[MarkdownTextObject(text=note)]) for note in notes]
    for card in cards[:5]:
        blocks.append(DividerBlock())
        blocks.extend(course_card(card.course, t, card.reason, card.state, answer_id, card.proof))
    if footer:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    return Message(truncate(fallback, FALLBACK_CHARS), render(blocks))


def problem_text(problem: Problem, t: Messages) -> str:
    """A filter we could not use, explained; the name and value are the person's own text, echoed safely."""
    return t(f"problem.{problem.kind}", filter=echo(problem.name, 30), value=echo(problem.value, 60))


def search_answer(
    result: SearchResult, t: Messages, answer_id: int | None = None, states: dict[str, CardState] | None = None
) -> Message:
    """The answer to `/learn <words>`: up to 5 cards, with any corrected spelling or unusable filter explained."""
    query = result.query
    notes = [t("search.problem", problem=problem_text(problem, t)) for problem in query.problems]
    if result.corrected:
        notes.append(t("search.corrected", corrected=echo(result.corrected, 120)))
    if not query.text and not query.problems:
        return help_message(t)
    if not result.hits:
        has_words = bool(words(query.text))
        text = t("search.none", query=echo(query.text, 120)) if has_words else t("search.empty")
        return Message(text, render([section(line) for line in [*notes, text]]))
    return search_cards(query.text, result.courses, t, answer_id, states, notes)


def search_cards(
    query: str,
    courses: Sequence[Course],
    t: Messages,
    answer_id: int | None = None,
    states: dict[str, CardState] | None = None,
    notes: Sequence[str] = (),
) -> Message:
    """The courses found for `query` as cards (also how a search answer is redrawn after a click)."""
    shown = echo(query, 120)
    states = states or {}
    cards = [Card(c, None, states.get(c.id, NO_STATE)) for c in courses[:5]]
    titles = escape(fallback_titles(courses[:5]))
    return cards_message(
        f"*{t('search.header', query=shown)}*",
        cards,
        t,
        t("search.fallback", query=shown, titles=titles),
        answer_id,
        notes,
        t("search.footer"),
    )


def done_choice(
    courses: Sequence[Course], t: Messages, answer_id: int, states: dict[str, CardState] | None = None
) -> Message:
    """`/learn done <words>` matched several courses: which one was it?"""
    states = states or {}
    cards = [Card(c, None, states.get(c.id, NO_STATE)) for c in courses]
    return cards_message(t("done.which"), cards, t, t("done.which"), answer_id)


def picks_answer(
    picks: Sequence[Pick],
    t: Messages,
    name: str | None,
    hint: str | None = None,
    answer_id: int | None = None,
    states: dict[str, CardState] | None = None,
    takers: dict[str, int] | None = None,
) -> Message:
    """The answer to "what should I learn next?": each pick with its reason, and, where `takers` has its course, how
    many people in the learner's role took it."""
    if not picks:
        return Message(t("answer.none"), render([section(t("answer.none"))]))
    header = t("answer.next_hint", hint=echo(hint)) if hint else t.named("answer.next", echo(name))
    states, takers = states or {}, takers or {}
    cards = [
        Card(
            p.course,
            reason_text(p.reason, t),
            states.get(p.course.id, NO_STATE),
            proof_text(takers.get(p.course.id), t),
        )
        for p in picks[:5]
    ]
    fallback = t("answer.next_fallback", titles=escape(fallback_titles([p.course for p in picks[:5]])))
    return cards_message(header, cards, t, fallback, answer_id, footer=t("answer.footer"))


def saved_answer(
    courses: Sequence[Course], t: Messages, answer_id: int | None = None, states: dict[str, CardState] | None = None
) -> Message:
    if not courses:
        return Message(t("saved.none"), render([section(t("saved.none"))]))
    states = states or {}
    cards = [Card(c, None, states.get(c.id, NO_STATE)) for c in courses[:5]]
    fallback = t("saved.fallback", titles=escape(fallback_titles(courses[:5])))
    return cards_message(t("saved.header"), cards, t, fallback, answer_id)


def text_message(text: str) -> Message:
    """A plain sentence (already localised mrkdwn)."""
    return Message(text, render([section(text)]))


def section(text: str, accessory: Any = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text), accessory=accessory)


def help_message(t: Messages) -> Message:
    blocks = [section(f"*{t('help.title')}*"), section(t("help.usage")), section(t("help.filters"))]
    return Message(t("help.fallback"), render(blocks))


def error_message(t: Messages) -> Message:
    return text_message(t("error.generic"))


def welcome_message(learner: Learner, t: Messages) -> Message:
    """Reciprocity: a short welcome and one button to pick interests, which unlock much better picks."""
    return Message(welcome_text(learner, t), render([welcome_block(learner, t, "welcome")]))


def welcome_block(learner: Learner, t: Messages, origin: str) -> SectionBlock:
    """The welcome line with the pick-interests button; `origin` (welcome, home) says where it was clicked."""
    pick = ButtonElement(text=t("button.pick_interests"), action_id="open_interests", value=origin, style="primary")
    return section(welcome_text(learner, t), pick)


def welcome_text(learner: Learner, t: Messages) -> str:
    return t.named("welcome.text", echo(learner.name))


# counts that stand alone as noun phrases ("3 learning events"), so each has a plural entry; the rest follow a label
PRIVACY_PHRASES = ("events", "nudges", "answers")


def privacy_message(learner: Learner, counts: dict[str, int], t: Messages, min_group: int) -> Message:
    """What Upnext stores about this person and what colleagues, their manager and the learning team can see of it,
    with export and forget-me buttons (the latter confirmed first)."""
    interests = ", ".join(echo(i) for i in learner.interests) or t("none")
    kept = {
        **{name: t(f"privacy.{name}", **{name: count}) if name in PRIVACY_PHRASES else count
           for name, count in counts.items()},
        "celebrate": t("privacy.celebrating" if counts["celebrate"] else "privacy.not_celebrating"),
        "reporting_line": t("privacy.reporting_line" if counts["reporting_line"] else "privacy.no_line"),
    }  # fmt: skip
    text = "\n\n".join(
        [
            t("privacy.text", interests=interests, **kept),
            t("privacy.others", min_group=min_group),
            t("privacy.admins", min_group=min_group),
        ]
    )
    buttons = ActionsBlock(
        block_id="privacy",
        elements=[
            ButtonElement(text=t("button.export"), action_id="privacy_export", value="export"),
            _forget_button(t),
        ],
    )
    return Message(t("privacy.fallback"), render([section(text), buttons]))


def forget_message(t: Messages) -> Message:
    """`/learn forget me`: say exactly what will go, and ask once more before erasing."""
    return Message(t("forget.ask"), render([section(t("forget.ask")), ActionsBlock(elements=[_forget_button(t)])]))


def _forget_button(t: Messages) -> ButtonElement:
    confirm = ConfirmObject(
        title=t("forget.confirm_title"),
        text=t("forget.confirm_text"),
        confirm=t("forget.confirm_yes"),
        deny=t("forget.confirm_no"),
        style="danger",
    )
    return ButtonElement(text=t("button.forget"), action_id="privacy_forget", value="forget", style="danger",
                         confirm=confirm)  # fmt: skip
