"""Which column of an export fills which field: Upnext's own names, a vendor preset, and `--map` choices.

Column names match ignoring case, spaces and punctuation ("Course URL" = "course_url"). A preset lists, for each
field, the column names that vendor's exports use, first match wins; `--map field=Column` overrides both. The
catalog's fields are the default (`CATALOG`); another import (the people file) passes its own `Fields`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from learning.catalog.echoes import echoed, echoed_all

# What a column can fill: the course fields, plus duration_hours (a bare number there counts hours, not minutes).
COURSE_FIELDS = (
    "id title description topics level duration_minutes language url image_url path_id position published_at "
    "provider path_title translation_of"
).split()
TARGETS = (*COURSE_FIELDS, "duration_hours")
REQUIRED = ("id", "title")
_DURATIONS = ("duration_minutes", "duration_hours")


@dataclass(frozen=True)
class Preset:
    name: str
    what: str
    columns: dict[str, tuple[str, ...]]
    provider: str | None = None  # catalogs: shown on the cards when no column names the provider


PRESETS = {
    preset.name: preset
    for preset in (
        Preset(
            "udemy",
            "Udemy Business course export (and its course list API's fields)",
            {
                "id": ("Course ID", "id"),
                "title": ("Course Title", "title"),
                "description": ("Course Headline", "headline", "Course Description", "description"),
                "topics": ("Course Category", "Category", "primary_category"),
                "level": ("Instructional Level", "Course Level", "instructional_level", "Level"),
                "duration_minutes": ("Course Duration", "Content Length", "estimated_content_length"),
                "language": ("Course Language", "Language", "locale"),
                "url": ("Course URL", "url"),
                "image_url": ("Course Image", "Image URL", "image_480x270"),
                "published_at": ("Published Date", "published_time", "Last Updated Date", "last_update_date"),
            },
            "Udemy",
        ),
        Preset(
            "coursera",
            "Coursera for Business content export (and Coursera's catalog fields)",
            {
                "id": ("Course ID", "Course Slug", "slug", "id"),
                "title": ("Course Name", "name", "title"),
                "description": ("Course Description", "description", "about"),
                "topics": ("Skills", "Skills Learned", "Domain"),
                "level": ("Difficulty Level", "Difficulty", "Level"),
                "duration_hours": ("Estimated Hours", "Estimated Learning Hours", "Hours to Complete"),
                "language": ("Language", "Primary Language", "primaryLanguages"),
                "url": ("Course URL", "url", "link"),
                "image_url": ("Image URL", "photoUrl"),
                "provider": ("Partner Name", "Partners", "Offered By"),
                "published_at": ("Launch Date", "Start Date"),
            },
            "Coursera",
        ),
        Preset(
            "linkedin",
            "LinkedIn Learning content library export",
            {
                "id": ("Content URN", "URN", "Content ID", "Course ID"),
                "title": ("Title", "Content Title", "Course Title"),
                "description": ("Description", "Short Description"),
                "topics": ("Skills", "Topics", "Subject"),
                "level": ("Difficulty Level", "Difficulty", "Level"),
                "duration_minutes": ("Duration", "Time to Complete", "Length"),
                "language": ("Locale", "Language"),
                "url": ("URL", "Link", "Content URL", "Course URL"),
                "image_url": ("Thumbnail", "Thumbnail URL", "Image URL"),
                "published_at": ("Release Date", "Released Date", "Published Date"),
            },
            "LinkedIn Learning",
        ),
        Preset(
            "edx",
            "edX catalog export (and the course discovery API's fields)",
            {
                "id": ("Course Key", "key", "Course URL", "course_url", "marketing_url"),
                "title": ("Title", "Course Title"),
                "description": ("Short Description", "summary", "Description", "full_description"),
                "topics": ("Subject", "Subjects"),
                "level": ("Level", "level_type"),
                "language": ("Language", "content_language"),
                "url": ("Course URL", "course_url", "marketing_url"),
                "image_url": ("Image URL", "image"),
                "provider": ("Institution", "Organization", "owners", "School"),
                "published_at": ("Start Date", "start"),
            },
            "edX",
        ),
    )
}


@dataclass(frozen=True)
class Fields:
    """What the columns of one kind of file can fill: `targets` in the order reports show them, the `required` ones,
    the vendors' `presets`, and groups of `alternatives` of which one column fills at most one (the later choice
    replaces the others: a duration in minutes or in hours)."""

    targets: tuple[str, ...]
    required: tuple[str, ...]
    presets: dict[str, Preset]
    alternatives: tuple[str, ...] = ()
    noun: str = "course field"


CATALOG = Fields(TARGETS, REQUIRED, PRESETS, _DURATIONS)


def _key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


def parse_map(choices: list[str], fields: Fields = CATALOG) -> dict[str, str]:
    """`--map` arguments ('title=Course Name') to {field: column}; ValueError naming the bad one. An empty column
    ('position=') fills that field from no column, even one named like it."""
    chosen: dict[str, str] = {}
    for choice in choices:
        target, sep, column = choice.partition("=")
        target, column = target.strip(), column.strip().strip("\"'")
        if not sep:
            raise ValueError(f'--map {echoed(choice)}: write it as field="Column name" (or field= for no column)')
        if target not in fields.targets:
            raise ValueError(
                f"--map {echoed(choice)}: {echoed(target)} is not a {fields.noun} ({', '.join(fields.targets)})"
            )
        chosen[target] = column
    return chosen


@dataclass
class ColumnMap:
    """For one file: which header column fills each field, and which columns fill nothing."""

    fields: dict[str, int]  # target -> column index
    header: list[str]
    provider: str | None = None  # a constant, from a preset, when no column gives one
    preset: str | None = None
    unused: list[str] = field(default_factory=list)

    def row(self, cells: list[object]) -> dict[str, object]:
        """One row's cells by target field (empty text as None); the preset's provider when the file has none."""
        row = {target: _present(cells[index]) for target, index in self.fields.items()}
        if self.provider and row.get("provider") is None:
            row["provider"] = self.provider
        return row

    def column(self, target: str) -> str:
        return self.header[self.fields[target]] if target in self.fields else target

    def describe(self) -> list[str]:
        source = f"preset {self.preset}" if self.preset else "column names"
        lines = [f"mapping ({source}):"]
        lines += [f"  {target:<16} <- {echoed(self.header[index])}" for target, index in self.fields.items()]
        if self.provider and "provider" not in self.fields:
            lines.append(f"  {'provider':<16} <- {self.provider!r} (every row)")
        if self.unused:
            lines.append(f"  not used: {echoed_all(self.unused)}")
        return lines


def _present(value: object) -> object:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def resolve(
    header: list[str], preset: str | None = None, chosen: dict[str, str] | None = None, fields: Fields = CATALOG
) -> ColumnMap:
    """The mapping for this header; ValueError when a chosen column is missing or a required field (id and title of
    a course) cannot be found."""
    by_key: dict[str, int] = {}
    for index, name in enumerate(header):
        by_key.setdefault(_key(name), index)
    found: dict[str, int] = {}

    def assign(target: str, index: int) -> None:
        if target in fields.alternatives:  # e.g. one duration column: the later choice replaces the other unit
            for other in fields.alternatives:
                found.pop(other, None)
        found[target] = index

    for target in fields.targets:
        if _key(target) in by_key:
            assign(target, by_key[_key(target)])
    vendor = fields.presets[preset] if preset else None
    for target, candidates in vendor.columns.items() if vendor else ():
        first = next((by_key[_key(c)] for c in candidates if _key(c) in by_key), None)
        if first is not None:
            assign(target, first)
    for target, column in (chosen or {}).items():
        if not column:
            found.pop(target, None)
            continue
        if _key(column) not in by_key:
            shown = echoed_all(header)
            raise ValueError(f"--map {target}={echoed(column)}: the header has no such column (found: {shown})")
        assign(target, by_key[_key(column)])
    for target in fields.required:
        if target not in found:
            looked = vendor.columns.get(target, (target,)) if vendor else (target,)
            raise ValueError(
                f"the header row has no {target} column (looked for {', '.join(repr(c) for c in looked)}; "
                f'found: {echoed_all(header)}); name it with --map {target}="Column"'
            )
    used = set(found.values())
    ordered = dict(sorted(found.items(), key=lambda item: fields.targets.index(item[0])))
    unused = [name for index, name in enumerate(header) if index not in used and name]
    return ColumnMap(ordered, list(header), vendor.provider if vendor else None, preset, unused)
