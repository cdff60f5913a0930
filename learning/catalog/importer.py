"""Catalog import: validate a file, write what is good, re-embed what changed, and say exactly what happened."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from learning.catalog.course_index import CourseIndex, SyncReport
from learning.catalog.courses import Course, CourseRepository
from learning.catalog.echoes import echoed
from learning.catalog.files import ParsedCatalog, Rejection, RowCounts, ValueWarning, read_catalog_file

BUNDLED_CATALOG = "catalog.jsonl"
SHOWN_WARNINGS = 20  # printed one by one; the rest are counted by column
PREVIEW_COURSES = 3


def bundled_catalog_path() -> Path:
    return Path(str(resources.files("learning.catalog") / "data" / BUNDLED_CATALOG))


@dataclass
class ImportReport(RowCounts):
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[ValueWarning] = field(default_factory=list)
    ignored_fields: dict[str, int] = field(default_factory=dict)
    embedded: int = 0
    dry_run: bool = False
    rows: int = 0
    mapping: list[str] = field(default_factory=list)  # the dry run shows which column fills which field
    preview: list[Course] = field(default_factory=list)  # ... and the first courses as they would be stored

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        warned = f", {len(self.warnings)} values left empty" if self.warnings else ""
        line = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.rejected} rejected"
            f"{warned} ({self.embedded} embedded)"
        )
        return line if not self.dry_run else f"dry run, nothing {verb} written: {line}"

    def lines(self) -> list[str]:
        out = [*self.mapping]
        if self.preview:
            out.append(f"first {len(self.preview)} courses as they would be stored:")
            out += [f"  {json.dumps(_shown(course), ensure_ascii=False)}" for course in self.preview]
        out += [f"rejected {rejection}" for rejection in self.rejections]
        out += [f"warning {warning}" for warning in self.warnings[:SHOWN_WARNINGS]]
        if len(self.warnings) > SHOWN_WARNINGS:
            rest = Counter(w.column for w in self.warnings[SHOWN_WARNINGS:])
            by_column = ", ".join(f"{echoed(column)} {count}" for column, count in rest.most_common(20))
            out.append(f"... and {sum(rest.values())} more values left empty (by column: {by_column})")
        if self.ignored_fields:
            ignored = sorted(self.ignored_fields.items())
            fields = ", ".join(f"{echoed(name)} ({count} rows)" for name, count in ignored[:SHOWN_WARNINGS])
            more = f" and {len(ignored) - SHOWN_WARNINGS:,} more" if len(ignored) > SHOWN_WARNINGS else ""
            out.append(f"ignored fields Upnext does not use: {fields}{more}")
        out.append(self.summary())
        return out


def _shown(course: Course) -> dict:
    """A course's stored columns that have a value, long descriptions cut for the screen."""
    record = {name: value for name, value in course.stored().items() if value not in (None, "[]")}
    description = record.get("description")
    if description and len(description) > 160:
        record["description"] = description[:159] + "…"
    return record


class CatalogImporter:
    def __init__(
        self,
        courses: CourseRepository,
        index: CourseIndex,
        changed: Callable[[], object] = lambda: None,
        multilingual: CourseIndex | None = None,
    ):
        """`changed` runs after each import that wrote (what was derived from the catalog, e.g. the report
        snapshots, goes). Every course gets a vector in `index` (the English model's) and, when given, in
        `multilingual` (the multilingual model's): search routes between them."""
        self.courses = courses
        self.index = index
        self.indexes = (index, multilingual) if multilingual else (index,)
        self.changed = changed

    def import_parsed(
        self, parsed: ParsedCatalog, dry_run: bool = False, on_progress: Callable[[int, int], None] | None = None
    ) -> ImportReport:
        report = ImportReport(
            rejections=parsed.rejections,
            warnings=parsed.warnings,
            ignored_fields=parsed.ignored_fields,
            dry_run=dry_run,
            rows=parsed.rows,
        )
        if dry_run:
            report.mapping = parsed.columns.describe() if parsed.columns else []
            report.preview = parsed.courses[:PREVIEW_COURSES]
        if dry_run:
            counts = self.courses.classify(parsed.courses)
        else:  # vectors first: a replica that sees the new courses finds their vectors stored, and embeds nothing
            texts = {course.content_hash: course.embedding_text() for course in parsed.courses}
            report.embedded = max(index.cache.vectors_for(texts, on_progress=on_progress)[1] for index in self.indexes)
            counts = self.courses.upsert(parsed.courses)
            report.embedded += self.sync(on_progress).embedded
            self.changed()
        report.added, report.updated, report.unchanged = len(counts.added), len(counts.updated), counts.unchanged
        return report

    def import_file(
        self,
        path: Path,
        dry_run: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
        **reading: Any,
    ) -> ImportReport:
        """`reading`: preset, mapping and strict, as read_catalog_file takes them."""
        return self.import_parsed(read_catalog_file(path, **reading), dry_run=dry_run, on_progress=on_progress)

    def ensure_ready(self, on_progress: Callable[[int, int], None] | None = None) -> ImportReport | SyncReport:
        """First start imports the bundled catalog; later starts only repair the index if it fell behind."""
        if self.courses.count() == 0:
            return self.import_file(bundled_catalog_path(), on_progress=on_progress)
        return self.sync(on_progress)

    def sync(self, on_progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Every index in step with the courses; counted in courses (a course embedded by both models counts once)."""
        reports = [index.sync(on_progress) for index in self.indexes]
        return SyncReport(*(max(getattr(r, name) for r in reports) for name in ("embedded", "indexed", "removed")))

    def follow(self) -> None:
        """Every index catches up, in the background, with a catalog another process changed (`CourseIndex.follow`)."""
        for index in self.indexes:
            index.follow()
