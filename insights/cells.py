"""Weekly cells: how every figure the learning team sees is put together.

No figure, and no difference between the same figure in two windows, comes from fewer than the minimum group of people.

What people did is recorded as rows: one person's contribution in one week, with the group it falls in for each
breakdown shown (the total, the surface, the reason, the role, the course, ...) and its amount for each metric. A cell
is one (week, breakdown, group, metric). A row counts only when every cell it feeds holds at least `min_group`
distinct people; otherwise it is counted nowhere, in no metric and not in the total either, so a total shown beside its
parts never gives a small part away by subtraction. Where a metric is shown beside a part of it (questions and those
with nothing clicked, courses started and finished), the people whose total exceeds their part form a cell too, held to
the same minimum: otherwise "8 questions, 5 unclicked" gives away the one person who clicked. Leaving a row out can make
another cell small, so this repeats until every cell left holds at least `min_group` people (the largest such set of
rows, since a part never exceeds its total in any row; it does not depend on anyone whose rows all went: the figures
are the same as if they had never been there).

Each row belongs to a silo (insights.queries.ReportQueries.silos: the people of one workspace, or those in none), and
all of the above holds within each silo on its own: a row counts only when every cell it feeds holds at least
`min_group` people *of its silo*, and a cell shown is the sum of its silos' cells. A silo's figures then do not depend
on who else is counted beside it, so the figures of a scope made of whole silos (an org, everyone) are exactly the sums
of its silos' figures: one scope's figures minus another's come from whole silos, each held to the minimum group on
its own, never from the few people of a silo too small to show.

A window's figure is the sum of its weeks' cells, so two windows (always whole weeks) differ only by whole cells. A
count of distinct people over a window is not such a sum (someone active in many weeks counts once, so two windows can
differ by one person who appears only in the extra weeks); those figures are reported as the average of the weekly
counts instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

_Contribution = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, int], ...]]


@dataclass(frozen=True)
class _Row:
    """One `add`: a person's contribution in a week, the (breakdown, group) it falls in, its amount per metric; or one
    `add_alike`: `people` people (no one in particular) with the same contribution."""

    person: str
    where: tuple[tuple[str, str], ...]
    amounts: dict[str, int]
    people: int = 1


class Cells:
    """Rows by week and silo; `people` metrics count distinct people, the others sum amounts. Each (total, part) pair
    in `complements` is shown beside each other, so the people in between form a cell of their own."""

    def __init__(self, people: tuple[str, ...] = (), complements: tuple[tuple[str, str], ...] = ()) -> None:
        self.people = set(people)
        self.complements = complements
        # week -> silo -> person -> what they add: (where, the amounts that are not 0) per `add`
        self._rows: dict[str, dict[str, dict[str, list[_Contribution]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list))
        )
        self._alike: dict[str, dict[str, int]] = defaultdict(dict)  # week -> stand-in -> how many people it is
        self._shown: dict[int, dict[str, dict[tuple[str, str, str], int]]] = {}  # by min_group, until the next add

    def add(self, week: str, person: str, groups: dict[str, str], *, silo: str = "", **amounts: int) -> None:
        """One person's contribution in `week`: the group it falls in per breakdown, and its amount per metric. A
        person is in one silo, always the same."""
        self._put(week, silo, person, groups, amounts)

    def add_alike(self, week: str, people: int, groups: dict[str, str], *, silo: str = "", **amounts: int) -> None:
        """`people` people of `silo`, each with this contribution and no other in `week` (so they stay or go
        together): the same as `people` calls to `add`, without holding a row for each."""
        if people:
            alike = f"\0alike{len(self._alike[week])}"  # no Slack id starts with a NUL
            self._alike[week][alike] = people
            self._put(week, silo, alike, groups, amounts)

    def _put(self, week: str, silo: str, person: str, groups: dict[str, str], amounts: dict[str, int]) -> None:
        self._shown.clear()
        self._rows[week][silo][person].append((tuple(groups.items()), tuple((m, a) for m, a in amounts.items() if a)))

    def weekly(self, min_group: int) -> dict[str, dict[tuple[str, str, str], int]]:
        """Week -> (breakdown, group, metric) -> the value of each cell shown: the sum of its silos' cells, each silo's
        rows counted on their own."""
        if min_group not in self._shown:
            shown: dict[str, dict[tuple[str, str, str], int]] = {}
            for week, silos in self._rows.items():
                values: dict[tuple[str, str, str], int] = defaultdict(int)
                for rows in silos.values():
                    for key, value in self._values(self._counted(_alike(rows, self._alike[week]), min_group)).items():
                        values[key] += value
                if values:
                    shown[week] = dict(values)
            self._shown[min_group] = shown
        return self._shown[min_group]

    def totals(self, min_group: int) -> dict[tuple[str, str, str], int]:
        """(breakdown, group, metric) -> the sum over the weeks of the cells shown (0 when none)."""
        sums: dict[tuple[str, str, str], int] = defaultdict(int)
        for cells in self.weekly(min_group).values():
            for key, value in cells.items():
                sums[key] += value
        return sums

    def _amount(self, rows: list[_Row], metric: str) -> int:
        """What `rows` (one person's, in one cell) add to `metric`'s cell."""
        amount = sum(row.amounts.get(metric, 0) for row in rows)
        return min(amount, 1) if metric in self.people else amount

    def _values(self, rows: list[_Row]) -> dict[tuple[str, str, str], int]:
        values: dict[tuple[str, str, str], int] = defaultdict(int)
        for (where, _), theirs in _by_cell_and_person(rows).items():
            for metric in {m for row in theirs for m in row.amounts}:
                values[(*where, metric)] += self._amount(theirs, metric) * theirs[0].people
        return dict(values)

    def _counted(self, rows: list[_Row], min_group: int) -> list[_Row]:
        """The largest set of rows in which every metric cell, and every cell of the people between a total and its
        part, holds at least `min_group` distinct people."""
        while True:
            # (where, metric or pair) -> who, and how many people each stands for
            feeding: dict[tuple[tuple[str, str], str], dict[str, int]] = defaultdict(dict)
            for (where, person), theirs in _by_cell_and_person(rows).items():
                for metric in {m for row in theirs for m in row.amounts}:
                    feeding[(where, metric)][person] = theirs[0].people
                for total, part in self.complements:
                    if self._amount(theirs, total) != self._amount(theirs, part):
                        feeding[(where, f"{total}-{part}")][person] = theirs[0].people
            small = {key: who for key, who in feeding.items() if sum(who.values()) < min_group}
            if not small:
                return rows
            rows = [row for row in rows if not any(row.person in small.get((where, key), ()) for where in row.where
                                                   for key in self._fed_by(row))]  # fmt: skip

    def _fed_by(self, row: _Row) -> list[str]:
        """The metrics, and the pairs of a total and a part, whose cells `row` adds someone to."""
        return [*row.amounts, *(f"{t}-{p}" for t, p in self.complements if row.amounts.get(t) != row.amounts.get(p))]


def _alike(theirs: dict[str, list[_Contribution]], alike: dict[str, int]) -> list[_Row]:
    """A silo's rows in a week, with the people whose contributions are identical (the same rows, amounts and groups)
    folded into one stand-in: they feed the same cells, so they are counted or left out together, and the figures are
    those of the rows one by one (at 100k learners, a week's hundreds of thousands of rows are a few thousand kinds)."""
    kinds: dict[tuple[_Contribution, ...], int] = defaultdict(int)
    for person, contributions in theirs.items():
        kind = tuple(contributions) if len(contributions) == 1 else tuple(sorted(contributions))
        kinds[kind] += alike.get(person, 1)
    return [_Row(f"\0kind{n}", where, dict(amounts), people)
            for n, (kind, people) in enumerate(kinds.items()) for where, amounts in kind]  # fmt: skip


def _by_cell_and_person(rows: list[_Row]) -> dict[tuple[tuple[str, str], str], list[_Row]]:
    found: dict[tuple[tuple[str, str], str], list[_Row]] = defaultdict(list)
    for row in rows:
        for where in row.where:
            found[(where, row.person)].append(row)
    return found


def weekly_average(total: int, weeks: int) -> int:
    """A distinct-people figure over a window: the average of its weekly counts, in whole people."""
    return round(total / weeks) if weeks else 0
