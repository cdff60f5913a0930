"""A catalog link, unfolded: the course card chat.unfurl attaches to the message, and the course as a Work Object.

Everyone in the conversation sees the same unfurl, so it carries nothing about anyone: the course, and Start and Save
buttons that act for whoever clicks (their value names no answer: `"a": 0`).
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock

from bot.block_kit.blocks import button_value, course_summary, duration_label, render, save_button, start_button
from bot.block_kit.mrkdwn import truncate
from bot.i18n import Messages
from learning.catalog.courses import Course

CONTENT_ITEM = "slack#/entities/content_item"
ENTITY_TITLE_CHARS = 200
ENTITY_DESCRIPTION_CHARS = 1000


def course_unfurl(course: Course, t: Messages) -> dict[str, Any]:
    """The unfurl of a course link: title, provider, level, duration, description and image, Start and Save."""
    value = button_value(0, course.id)
    blocks = [
        course_summary(course, t),
        ActionsBlock(elements=[start_button(course, t, value), save_button(course, t, value)]),
    ]
    return {"blocks": render(blocks)}


def course_entity(course: Course, posted_url: str, t: Messages) -> dict[str, Any]:
    """The course as a Work Object (`content_item` entity): what the unfurl and the side panel show where the
    workspace has Work Objects. Its texts are plain text, not mrkdwn: shown as written, never as markup."""
    custom = [
        (key, label, value)
        for key, label, value in (
            ("provider", t("entity.provider"), course.provider),
            ("level", t("entity.level"), t(f"level.{course.level}") if course.level else None),
            ("duration", t("entity.duration"), duration_label(course.duration_minutes, t)),
            ("path", t("entity.path"), course.path_title if course.path_title != course.title else None),
        )
        if value
    ]
    fields: dict[str, Any] = {}
    if course.description:
        fields["description"] = {"value": truncate(course.description, ENTITY_DESCRIPTION_CHARS), "long": True}
    if course.image_url:
        fields["preview"] = {"image_url": course.image_url, "alt_text": truncate(course.title, 150)}
    return {
        "app_unfurl_url": posted_url,  # exactly as posted: Slack matches it to the link in the message
        "url": course.url or posted_url,
        "external_ref": {"id": course.id, "type": "course"},
        "entity_type": CONTENT_ITEM,
        "entity_payload": {
            "attributes": {
                "title": {"text": truncate(course.title, ENTITY_TITLE_CHARS)},
                "display_type": t("entity.course"),
                "product_name": "Upnext",
            },
            "fields": fields,
            "custom_fields": [
                {"key": key, "label": label, "type": "string", "value": truncate(value, 150)}
                for key, label, value in custom
            ],
            "display_order": [*fields, *(key for key, _, _ in custom)],
        },
    }
