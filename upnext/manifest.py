"""`upnext manifest`: config/manifest.yml as it should be pasted for this Upnext's catalog.

The file's comments stay: only its `unfurl_domains` are replaced by the hosts of the catalog's course links (the most
courses first, at most the five Slack accepts; a domain also covers its subdomains), and with UPNEXT_WORK_OBJECTS on
it subscribes to `entity_details_requested`, which opens a Work Object's side panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

MAX_UNFURL_DOMAINS = 5
DOMAINS_KEY = "  unfurl_domains:"
ITEM = "    - "
EVENT_ITEM = "      - "


def bundled_manifest() -> str:
    return (resources.files("config") / "manifest.yml").read_text(encoding="utf-8")


def manifest_text(domains: Sequence[str], work_objects: bool, manifest: str | None = None) -> str:
    """The manifest with `domains` (the first MAX_UNFURL_DOMAINS) as its unfurl domains; none: left as it is."""
    lines = (manifest or bundled_manifest()).splitlines()
    if domains:
        start = lines.index(DOMAINS_KEY) + 1
        end = start
        while end < len(lines) and lines[end].startswith(ITEM):
            end += 1
        lines[start:end] = [ITEM + domain for domain in domains[:MAX_UNFURL_DOMAINS]]
    if work_objects:
        lines.insert(lines.index(EVENT_ITEM + "link_shared"), EVENT_ITEM + "entity_details_requested")
    return "\n".join(lines) + "\n"
