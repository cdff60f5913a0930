"""A course's link is found however it was written; anything that is not an http(s) link finds nothing."""

from __future__ import annotations

import pytest

from learning.catalog.course_links import CourseLinks, host_of, link_key
from learning.catalog.courses import Course

SQL = "swcarpentry/sql-novice-survey/01-select"
PAGE = "https://swcarpentry.github.io/sql-novice-survey/01-select.html"


@pytest.mark.parametrize(
    "written",
    [
        PAGE,
        "http://swcarpentry.github.io/sql-novice-survey/01-select.html",
        "HTTPS://SWCarpentry.GitHub.io/sql-novice-survey/01-select.html/",
        "https://www.swcarpentry.github.io:443/sql-novice-survey/01-select.html",
        f"{PAGE}?utm_source=slack&utm_medium=chat#objectives",
        f"  {PAGE}  ",
    ],
)
def test_the_same_page_written_differently_has_the_same_key(written):
    assert link_key(written) == link_key(PAGE)


@pytest.mark.parametrize(
    "other",
    [
        "https://swcarpentry.github.io/sql-novice-survey/02-sort-dup.html",
        "https://swcarpentry.github.io:8443/sql-novice-survey/01-select.html",
        f"{PAGE}?lesson=2",
    ],
)
def test_another_page_port_or_query_is_another_key(other):
    assert link_key(other) != link_key(PAGE)


@pytest.mark.parametrize(
    "not_a_link", ["", "mailto:ana@example.com", "javascript:alert(1)", "https://", "http://host:99999/x", "//x/y"]
)
def test_anything_but_an_http_link_has_no_key(not_a_link):
    assert link_key(not_a_link) is None and host_of(not_a_link) is None


def test_a_link_finds_its_course_and_a_shared_query_still_finds_a_course_linked_without_one(service):
    links = CourseLinks(service.courses)
    assert links.course_id_for(PAGE.replace("https", "http") + "/") == SQL
    assert links.course_id_for(PAGE + "?session=42") == SQL
    assert links.course_id_for("https://swcarpentry.github.io/no-such-lesson/") is None
    assert links.course_id_for("not a link") is None


def test_a_course_imported_later_is_found_without_a_restart(service):
    links = CourseLinks(service.courses)
    assert links.course_id_for("https://learn.example.com/courses/ethics") is None
    service.courses.upsert([Course(id="ethics", title="Data ethics", url="https://learn.example.com/courses/ethics")])
    assert links.course_id_for("https://learn.example.com/courses/ethics/") == "ethics"
    assert ("learn.example.com", 1) in links.hosts()


def test_hosts_are_listed_most_courses_first(service):
    hosts = CourseLinks(service.courses).hosts()
    assert hosts[0] == ("swcarpentry.github.io", 65)
    assert [n for _, n in hosts] == sorted((n for _, n in hosts), reverse=True)
