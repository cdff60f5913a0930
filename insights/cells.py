"""Weekly cells: how every figure the learning team sees is put together.

No figure, and no difference between the same figure in two windows, comes from fewer than the minimum group of people.

What people did is recorded as rows: one person's contribution in one week, with the group it falls in for each
breakdown shown (the total, the surface, the reason, the role, the course, ...) and its amount for each metric. A cell
is one (week, breakdown, group, metric). A row counts only when every cell it falls in holds at least `min_group`
distinct people; otherwise it is counted nowhere, not in the total either, so a total shown beside its parts never gives
a small part away by subtraction. Leaving a row out can make another cell small, so this repeats until every cell left
holds at least `min_group` people (the largest such set of rows, which does not depend on anyone whose rows all went:
the figures are the same as if they had never been there).

A window's figure is the sum of its weeks' cells, so two windows (always whole weeks) differ only by whole cells. A
count of distinct people over a window is not such a sum (someone active in many weeks counts once, so two windows can
differ by one person who appears only in the extra weeks); those figures are reported as the average of the weekly
counts instead.
"""

from __future__ import annotations

from collections import defaultdict

_Row = tuple[str, tuple[tuple[str, str], ...], int]  # (person, (breakdown, group) per breakdown, amount)


class Cells:
    """Rows by (week, metric); `people` metrics count distinct people, the others sum amounts."""

    def __init__(self, people: tuple[str, ...] = ()) -> None:
        self.people = set(people)
        self._rows: dict[tuple[str, str], list[_Row]] = defaultdict(list)
        self._shown: dict[int, dict[str, dict[tuple[str, str, str], int]]] = {}  # by min_group, until the next add

    def add(self, week: str, person: str, groups: dict[str, str], **amounts: int) -> None:
        """One person's contribution in `week`: the group it falls in per breakdown, and its amount per metric."""
        where = tuple(groups.items())
        self._shown.clear()
        for metric, amount in amounts.items():
            if amount:
                self._rows[(week, metric)].append((person, where, amount))

    def weekly(self, min_group: int) -> dict[str, dict[tuple[str, str, str], int]]:
        """Week -> (breakdown, group, metric) -> the value of each cell shown."""
        if min_group not in self._shown:
            shown: dict[str, dict[tuple[str, str, str], int]] = defaultdict(dict)
            for (week, metric), rows in self._rows.items():
                for (breakdown, group), value in self._cells(_counted(rows, min_group), metric).items():
                    shown[week][(breakdown, group, metric)] = value
            self._shown[min_group] = shown
        return self._shown[min_group]

    def totals(self, min_group: int) -> dict[tuple[str, str, str], int]:
        """(breakdown, group, metric) -> the sum over the weeks of the cells shown (0 when none)."""
        sums: dict[tuple[str, str, str], int] = defaultdict(int)
        for cells in self.weekly(min_group).values():
            for key, value in cells.items():
                sums[key] += value
        return sums

    def _cells(self, rows: list[_Row], metric: str) -> dict[tuple[str, str], int]:
        values: dict[tuple[str, str], int] = defaultdict(int)
        people: dict[tuple[str, str], set[str]] = defaultdict(set)
        for person, groups, amount in rows:
            for where in groups:
                values[where] += amount
                people[where].add(person)
        if metric in self.people:
            return {where: len(who) for where, who in people.items()}
        return dict(values)


def _counted(rows: list[_Row], min_group: int) -> list[_Row]:
    """The largest set of rows in which every cell holds at least `min_group` distinct people."""
    while True:
        people: dict[tuple[str, str], set[str]] = defaultdict(set)
        for person, groups, _ in rows:
            for where in groups:
                people[where].add(person)
        small = {where for where, who in people.items() if len(who) < min_group}
        if not small:
            return rows
        rows = [row for row in rows if small.isdisjoint(row[1])]


def weekly_average(total: int, weeks: int) -> int:
    """A distinct-people figure over a window: the average of its weekly counts, in whole people."""
    return round(total / weeks) if weeks else 0
