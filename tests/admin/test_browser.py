"""A real browser (Debian's Chromium, driven by Playwright; nothing downloads a browser) signs in through the
link `/learn admin` gives and reads the dashboard: every chart renders, no console errors, keyboard-operable data
tables, no sideways scrolling at 1280 and 390 pixels wide. Saves a screenshot: docs/screens/admin.png for the README
when UPNEXT_SCREENS=1, otherwise in the test's temporary folder (a test run leaves the checkout as it was)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks.usage_data import seed_usage
from learning.timestamps import utcnow
from tests.admin.test_signin import WORKSPACE_ADMIN, admin, link_from_slack  # noqa: F401  (admin is a fixture)

CHROMIUM = Path("/usr/bin/chromium")
README_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screens" / "admin.png"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def used(service, store):
    """Eighty learners and twelve weeks of their use of Upnext; each week five of them shared a course (one twice)
    and five managers recommended one to their team; five celebrate their wins, but only four turned shares off."""
    for i in range(80):
        service.learners.ensure(f"U0USE{i:03d}")
    seed_usage(store, utcnow(), answers_per_learner=4)
    course = "swcarpentry/sql-novice-survey/01-select"
    for week in range(1, 13):
        at = utcnow() - timedelta(weeks=week)
        for i in range(5):
            for _ in range(2 if i == 0 else 1):
                service.shares.record(f"U0USE{i:03d}", course, ["U0USE079"], at)
            service.reporting.recommend(f"U0USE{10 + i:03d}", course, at)
    for i in range(5):
        service.achievements.repository.celebrate(f"U0USE{20 + i:03d}", True, utcnow())
        if i < 4:
            service.shares.set_accepting(f"U0USE{30 + i:03d}", False, utcnow() - timedelta(weeks=1))
    return service


def sharing_figures(page) -> dict[str, str]:
    """The "Sharing and teams" chart's data table, label -> value, as the browser shows it."""
    chart = page.locator("figure.chart", has=page.locator("h3", has_text="Sharing and teams"))
    rows = chart.locator("details table tbody tr")
    return {rows.nth(i).locator("th").text_content(): rows.nth(i).locator("td").first.text_content()
            for i in range(rows.count())}  # fmt: skip


def check_layout(page, width: int) -> int:
    """Every chart drawn with a size, nothing wider than the window; returns how many charts there are."""
    page.set_viewport_size({"width": width, "height": 900})
    charts = page.locator("figure.chart svg")
    count = charts.count()
    for i in range(count):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 20, f"chart {i} is not drawn at {width}px"
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"sideways scrolling at {width}px"
    return count


def test_an_admin_reads_the_dashboard_in_a_real_browser(server, used, admin, browser, tmp_path):  # noqa: F811
    link = urlsplit(link_from_slack(server, WORKSPACE_ADMIN))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{server.url}{link.path}?{link.query}")
    page.wait_for_url(f"{server.url}/admin", timeout=10_000)  # the sign-in page moves on by itself
    html = page.content()
    assert page.title() == "Upnext: learning team"
    assert "courses shared" in html  # the shares figure, a count folded like the others (tests/insights)
    assert sharing_figures(page) == {  # five people or more: shown; four who turned shares off: held back
        "people who shared": "5", "turned shares off": "0", "managers recommending": "5",
        "managers with a team": "0", "celebrating their wins": "5",
    }  # fmt: skip
    assert "Manager recommendations per week" in html
    shared = page.locator("ul.cards li", has_text="courses shared").locator(".value").text_content()
    assert shared == str(12 * 6)  # six a week, from five people
    expected = html.count('<figure class="chart"')
    assert expected >= 14 and check_layout(page, 1280) == expected
    titles = page.locator("figure.chart svg title").all_text_contents()
    assert len(titles) == expected and all(titles)
    screenshot = README_SCREENSHOT if os.environ.get("UPNEXT_SCREENS") == "1" else tmp_path / "admin.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes().startswith(b"\x89PNG")

    summary = page.locator("figure.chart summary").first  # the data table opens from the keyboard
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("figure.chart details").first.get_attribute("open") is not None
    assert page.locator("figure.chart details table").first.is_visible()

    assert check_layout(page, 390) == expected
    assert not problems, problems
    for learner in ("U0USE000", "U0USE079", "Learner U0USE"):
        assert learner not in html
