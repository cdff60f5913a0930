"""Which courses pass a search's filters (level, duration, language, provider): a condition on the courses table.

It is kept beside its owner so search never spells the table's columns.
"""

from __future__ import annotations

from typing import Any

from learning.search.query import Filters
from learning.store.engine import Store

PROVIDER_COLUMNS = ("provider", "path_title", "path_id")  # where a provider filter's words may be found


def course_condition(filters: Filters, alias: str = "c") -> tuple[str, dict[str, Any]]:
    """A condition on the courses (as `alias`) and its values for the given (non-empty) filters."""
    clauses: list[str] = []
    values: dict[str, Any] = {}
    if filters.level:
        clauses.append(f"{alias}.level = :level")
        values["level"] = filters.level
    if filters.max_minutes:
        clauses.append(f"{alias}.duration_minutes > 0 AND {alias}.duration_minutes <= :max_minutes")
        values["max_minutes"] = filters.max_minutes
    if filters.language:
        clauses.append(f"({alias}.language = :language OR {alias}.language LIKE :language_variant)")
        values |= {"language": filters.language, "language_variant": filters.language + "-%"}
    if filters.provider:
        # lower() on both sides: LIKE ignores case in SQLite only
        matches = " OR ".join(f"lower({alias}.{column}) LIKE lower(:provider)" for column in PROVIDER_COLUMNS)
        clauses.append(f"({matches})")
        values["provider"] = f"%{filters.provider}%"
    return " AND ".join(clauses), values


def courses_passing(store: Store, filters: Filters) -> list[int]:
    """The nums of every course that passes the (non-empty) filters."""
    condition, values = course_condition(filters)
    return [num for (num,) in store.sql.rows(f"SELECT c.num FROM courses c WHERE {condition}", values)]
