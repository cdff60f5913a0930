"""Block Kit as plain terminal text, for the console and for README screens."""

from __future__ import annotations

import re
from typing import Any

from bot.block_kit.mrkdwn import unescape

_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<([^|>]+)>")


def mrkdwn_to_text(text: str) -> str:
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    return unescape(text)


def _element_text(element: dict[str, Any]) -> str:
    if element.get("type") == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if element.get("type") == "button":
        return f"[{element['text']['text']}]"
    text = element.get("text")
    if isinstance(text, dict):
        return mrkdwn_to_text(text.get("text", ""))
    return mrkdwn_to_text(text or "")


def blocks_to_text(blocks: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "divider":
            lines.append("─" * 60)
        elif kind == "header":
            lines.append(block["text"]["text"].upper())
        elif kind == "section":
            if block.get("text"):
                lines.append(mrkdwn_to_text(block["text"]["text"]))
            for item in block.get("fields") or []:
                lines.append(mrkdwn_to_text(item["text"]))
            accessory = block.get("accessory")
            if accessory:
                lines.append("  " + _element_text(accessory))
        elif kind in ("context", "actions"):
            lines.append("  " + "  ".join(_element_text(e) for e in block.get("elements", [])))
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "input":
            lines.append(f"<{block['label']['text']}>")
    return "\n".join(lines)


def message_to_text(body: dict[str, Any]) -> str:
    blocks = body.get("blocks")
    if blocks:
        return blocks_to_text(blocks)
    return mrkdwn_to_text(body.get("text") or "")
