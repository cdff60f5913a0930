"""Rebuild learning/catalog/data/catalog.jsonl, the catalog Upnext ships, from The Carpentries lessons (CC BY 4.0).

    python scripts/build_bundled_catalog.py ../shared/data/catalogs/carpentries/items.jsonl

Keeps the fields of Upnext's import format, drops the coffee/lunch placeholders, uses the lesson programme as the
provider, and keeps only raster images (Slack image blocks do not render SVG).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlparse

RASTER = (".png", ".jpg", ".jpeg", ".gif")
OUT = Path(__file__).resolve().parent.parent / "learning" / "catalog" / "data" / "catalog.jsonl"


def raster_image(url: str | None) -> str | None:
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.path.lower().endswith(RASTER) or "<" in url or " " in url:
        return None
    return url


def convert(item: dict) -> dict:
    program = item.get("program")
    return {
        "id": item["id"],
        "title": item["title"],
        "description": item.get("description"),
        "topics": [t for t in item.get("topics") or [] if t != program],
        "level": item.get("level"),
        "duration_minutes": item.get("duration_minutes") or None,
        "language": item.get("language"),
        "url": item.get("url"),
        "image_url": raster_image(item.get("image_url")),
        "provider": program,
        "path_id": item.get("path_id"),
        "path_title": item.get("path_title"),
        "position": item.get("position"),
        "published_at": item.get("published_at"),
        "translation_of": item["translation_key"] if item.get("translation_key") not in (None, item["id"]) else None,
    }


def main(source: str) -> None:
    with open(source, encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    kept = [convert(r) for r in rows if r.get("kind") != "break"]
    with open(OUT, "w", encoding="utf-8") as out:
        for row in kept:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(kept)} courses to {OUT} (skipped {len(rows) - len(kept)} breaks)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/catalogs/carpentries/items.jsonl")
