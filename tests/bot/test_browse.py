"""Browsing the catalog, end to end: `/learn browse` and Home's Browse button open the subjects, a subject is pushed
on top, Next and Back turn its pages in place, and a card's Save works there as everywhere (signed HTTP into the real
app, modals observed on the fake Slack)."""

from __future__ import annotations

import json
import re

import pytest

from learning.people.history import SAVED
from tests.conftest import PUBLIC_URL
from tests.helpers import assert_valid_blocks, http, mrkdwn_texts
from tests.slack_requests import ANA, command, event, interact, onboard

STATISTICS = [  # a subject with more than a page of courses in no path, levels shuffled
    {"id": f"stats-{i:02d}", "title": f"Statistics topic {i:02d}", "topics": ["Statistics"],
     "level": ("advanced", "beginner", "intermediate", None)[i % 4], "language": "en"}
    for i in range(13)
]  # fmt: skip
SVG_ONLY = {"id": "diagrams-01", "title": "Drawing diagrams", "topics": ["Diagrams"], "level": "beginner",
            "image_url": "https://example.org/figures/diagram.svg"}  # fmt: skip


CARD = re.compile(r"^\*(?:<[^|>]*\|)?([^*<>\n]*)>?\*(?:\n|$)")


@pytest.fixture
def catalog(service, tmp_path):
    path = tmp_path / "more.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in [*STATISTICS, SVG_ONLY]))
    assert service.catalog.import_file(path).rejected == 0
    return service


def shown(server, method: str, count: int = 1) -> dict:
    """The view of the `count`-th call to `method` (views.open / push / update), checked against Slack's limits."""
    view = server.slack.wait_for_call(method, count)[count - 1].body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert_valid_blocks(view["blocks"], limit=100)
    assert len(view.get("title", {}).get("text", "")) <= 24 and len(view.get("private_metadata", "")) <= 255
    return view


def click_in(server, view: dict, action_id: str, value: str, user: str = ANA):
    """A button clicked in a view (a modal, or Home): Slack sends the view's id, type, callback and private_metadata
    with the click."""
    shown = {"id": "V0SHOWN", "type": view["type"], "callback_id": view.get("callback_id", ""),
             "private_metadata": view.get("private_metadata", "")}  # fmt: skip
    return interact(server, {
        "type": "block_actions", "user": {"id": user}, "team": {"id": "T0LOCAL"}, "api_app_id": "AUPNEXT",
        "trigger_id": "1.2.trigger", "container": {"type": "view", "view_id": "V0SHOWN"}, "view": shown,
        "actions": [{"action_id": action_id, "value": value, "block_id": "b", "type": "button"}],
    })  # fmt: skip


def buttons(view: dict, action_id: str | None = None) -> list[dict]:
    found = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return [e for e in found if action_id is None or e["action_id"].startswith(action_id)]


def subject_button(view: dict, name: str) -> dict:
    return next(b for b in buttons(view, "browse_subject") if b["accessibility_label"] == f"Open: {name}")


def subject_sections(view: dict) -> dict[str, dict]:
    """Each subject's section (name, counts, cover) by name."""
    found = [b for b in view["blocks"] if b["type"] == "section" and "Courses:" in b["text"]["text"]]
    return {b["text"]["text"].split("\n")[0].strip("*"): b for b in found}


def card_titles(view: dict) -> list[str]:
    """The course title on each card, linked (`*<url|title>*`) or not (`*title*`)."""
    return [m.group(1) for b in view["blocks"] if b["type"] == "section" and (m := CARD.match(b["text"]["text"]))]


def test_learn_browse_shows_the_subjects_with_counts_and_covers_interests_first(server, catalog):
    learner = catalog.learners.update(catalog.learners.ensure(ANA), interests=("sql", "git"))
    onboard(catalog, learner.slack_id)
    command(server, "browse")
    view = shown(server, "views.open")
    assert view["callback_id"] == "browse_subjects"
    subjects = subject_sections(view)
    assert list(subjects)[:2] == ["sql", "git"]  # their interests, in their order; then the most courses first
    assert list(subjects)[2] == "python" and {"Statistics", "Diagrams"} < set(subjects)
    assert "Courses: 31 · Paths: 3" in subjects["python"]["text"]["text"]
    counted = [int(re.search(r"Courses: (\d+)", b["text"]["text"]).group(1)) for b in subjects.values()]
    in_english = [c for c in catalog.courses.many_by_num(range(catalog.courses.num_bound())).values()
                  if c.language in (None, "en")]  # fmt: skip
    assert sum(counted) == len(in_english)  # every course a learner reads counted once (not the Spanish shell)
    cover = subjects["python"]["accessory"]
    assert cover["alt_text"] == "Cover image for python"
    assert cover["image_url"].startswith("https://raw.githubusercontent.com/")


def test_a_subject_whose_only_image_is_an_svg_gets_our_own_cover_served_at_the_public_address(server, catalog):
    onboard(catalog)
    command(server, "browse")
    view = shown(server, "views.open")
    covers = [b["accessory"]["image_url"] for b in view["blocks"] if b.get("accessory", {}).get("type") == "image"]
    assert covers and not [url for url in covers if ".svg" in url]
    diagrams = subject_sections(view)["Diagrams"]["accessory"]
    assert diagrams["image_url"] == f"{PUBLIC_URL}/static/cover.png" and diagrams["alt_text"]
    served = http(server.url + "/static/cover.png")
    assert served.status == 200 and served.headers["Content-Type"] == "image/png"
    assert served.body.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_subject_opens_its_paths_by_their_first_steps_then_its_other_courses_by_level(server, catalog):
    onboard(catalog)
    command(server, "browse")
    subjects = shown(server, "views.open")
    click_in(server, subjects, "browse_subject", subject_button(subjects, "git")["value"])
    shelf = shown(server, "views.push")
    assert shelf["callback_id"] == "browse_shelf" and shelf["title"]["text"] == "git"
    texts = " ".join(mrkdwn_texts(shelf["blocks"]))
    assert "First step of *Version Control with Git* · Steps in the path: 14" in texts
    assert card_titles(shelf) == ["Automated Version Control"]  # the path once, by its first step


def test_browse_pages_forward_and_back_and_a_card_saves_the_course(server, catalog):
    onboard(catalog)
    event(server, {"type": "app_home_opened", "user": ANA, "tab": "home", "channel": "D" + ANA})
    home = shown(server, "views.publish")
    click_in(server, home, "browse_open", buttons(home, "browse_open")[0]["value"])
    subjects = shown(server, "views.open")
    click_in(server, subjects, "browse_subject", subject_button(subjects, "Statistics")["value"])
    first = shown(server, "views.push")
    levels = [t for t in mrkdwn_texts(first["blocks"]) if "Statistics topic" in t]
    assert len(levels) == 10 and "Page 1 of 2" in " ".join(mrkdwn_texts(first["blocks"]))
    order = [next(w for w in ("Beginner", "Intermediate", "Advanced", "") if w in text) for text in levels]
    assert order == sorted(order, key=["Beginner", "Intermediate", "Advanced", ""].index)  # Beginner → Advanced
    assert [b["action_id"] for b in buttons(first, "browse_page")] == ["browse_page_next"]

    click_in(server, first, "browse_page_next", "1")
    second = shown(server, "views.update")
    assert len(card_titles(second)) == 3 and not set(card_titles(second)) & set(card_titles(first))
    assert [b["action_id"] for b in buttons(second, "browse_page")] == ["browse_page_back"]
    click_in(server, second, "browse_page_back", "0")
    again = shown(server, "views.update", 2)
    assert card_titles(again) == card_titles(first)

    save = buttons(again, "course_save")[0]
    course_id = json.loads(save["value"])["c"]
    click_in(server, again, "course_save", save["value"])
    redrawn = shown(server, "views.update", 3)
    assert any("🔖 Saved for later" in text for text in mrkdwn_texts(redrawn["blocks"]))
    assert card_titles(redrawn) == card_titles(first)  # the same page, redrawn in place
    assert [e.kind for e in catalog.history.for_learner(ANA) if e.course_id == course_id] == [SAVED]
    answer = catalog.answers.get(json.loads(save["value"])["a"])
    assert answer.kind == "browse" and answer.surface == "home"


def test_a_forged_page_or_subject_opens_nothing_it_should_not(server, catalog):
    onboard(catalog)
    command(server, "browse")
    subjects = shown(server, "views.open")
    click_in(server, subjects | {"private_metadata": '{"s":"<!channel>","p":-4,"a":"x"}'}, "browse_page_next", "²")
    turned = shown(server, "views.update")
    assert turned["callback_id"] == "browse_subjects" and json.loads(turned["private_metadata"])["p"] == 0
    click_in(server, subjects, "browse_subject", "not-a-subject")
    gone = shown(server, "views.push")
    assert "no longer in the catalog" in " ".join(mrkdwn_texts(gone["blocks"]))
