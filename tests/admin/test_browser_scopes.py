"""In a real browser (Debian's Chromium, driven by Playwright): an Enterprise Grid org's admin signs in through the link
`/learn admin` gives, reads the org's dashboard, picks one of its workspaces from the form and reads that workspace's;
every chart renders, no console errors, no sideways scrolling, no learner named."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tests.admin.test_browser import browser, check_layout  # noqa: F401  (browser is a fixture)
from tests.admin.test_who_sees_what import (  # noqa: F401  (learners and settings are fixtures)
    ONE,
    ORG_ADMIN,
    PEOPLE,
    TWO,
    admin_in,
    command_from,
    learners,
    settings,
)
from tests.bot.test_oauth_installs import ORG
from tests.oauth_flow import install


def test_an_org_admin_picks_a_workspace_in_a_real_browser(server, learners, browser):  # noqa: F811
    install(server, ORG, "code-org")
    admin_in(server.slack, ORG_ADMIN, ONE, org_admin=True)
    assert command_from(server, ORG, ORG_ADMIN, "admin", ONE).status == 200
    reply = server.answer("respond", "dashboard")
    link = urlsplit(next(e["url"] for b in reply["blocks"] for e in b.get("elements", []) if e.get("url")))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{server.url}{link.path}?{link.query}")
    page.wait_for_url(f"{server.url}/admin", timeout=10_000)
    assert "Figures for Organisation E0ORG" in page.locator("header").inner_text()
    picker = page.locator("select[name=scope]")
    assert picker.locator("option").all_text_contents() == ["Organisation E0ORG", f"Workspace {ONE}",
                                                            f"Workspace {TWO}"]  # fmt: skip

    picker.select_option(f"workspace:{TWO}")
    page.get_by_role("button", name="Show").focus()  # submitted from the keyboard
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*/admin\?scope=workspace%3A{TWO}&since=.*"), timeout=10_000)
    assert "Figures for Workspace T0TWO" in page.locator("header").inner_text()
    assert page.locator("select[name=scope]").input_value() == f"workspace:{TWO}"
    charts = page.locator("figure.chart").count()
    assert charts >= 14 and check_layout(page, 1280) == charts and check_layout(page, 390) == charts
    csv = page.locator("a", has_text="CSV").get_attribute("href")
    assert csv and f"scope=workspace:{TWO}" in csv
    html = page.content()
    assert not problems, problems
    assert not any(who in html for people in PEOPLE.values() for who in people) and ORG_ADMIN not in html
