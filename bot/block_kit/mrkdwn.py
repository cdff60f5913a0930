"""Safe mrkdwn: text we did not write is escaped so it can never become a mention, a link or a broadcast."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# A backtick in someone's text would close the code span a template puts it in: show a look-alike instead.
_BACKTICK = str.maketrans({"`": "\u02cb"})


def escape(text: str | None) -> str:
    """Escape `&`, `<` and `>` as Slack requires for any text from users or the catalog."""
    return (text or "").translate(_ESCAPES)


def echo(text: str | None, limit: int = 80) -> str:
    """Text a person typed (or set in their Slack profile), made safe to show back in mrkdwn: normalised (so
    full-width look-alikes of `<` are caught), invisible and direction-changing characters removed, shortened,
    `&` `<` `>` escaped and backticks replaced, so it can never become a mention, a link or break out of a code
    span. Every echo of user input goes through here."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return escape(truncate(text, limit)).translate(_BACKTICK)


def truncate(text: str, limit: int) -> str:
    """Shorten to at most `limit` characters on a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:") + "…"


def safe_url(url: str) -> str:
    """A URL that cannot break out of `<url|label>`: characters with meaning there are percent-encoded."""
    return quote(url, safe=":/?#[]@!$'()*+,;=%~-._&").replace("&", "&amp;")


def link(url: str | None, label: str) -> str:
    """`label` (raw text) as a link when there is a URL; escaped either way."""
    text = escape(label)
    return f"<{safe_url(url)}|{text}>" if url else text


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
