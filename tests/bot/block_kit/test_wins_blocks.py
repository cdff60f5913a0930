"""Block Kit for wins stays within Slack's limits however many wins or people there are, escapes what it did not
write, and never counts people against each other."""

from __future__ import annotations

from bot.block_kit.wins import Celebrated, celebration_message, home_wins
from bot.i18n import Messages
from learning.people.achievements import FIRST_COURSE, PATH, Win
from tests.helpers import assert_valid_blocks, mrkdwn_texts

T = Messages()


def path_win(n: int) -> Win:
    return Win(PATH, f"2026-03-0{n % 9 + 1}T10:00:00+00:00", "slack", f"path-{n}", f"Path {n} " + "x" * 200, n)


def test_home_shows_the_latest_four_wins_in_one_section_and_how_many_more():
    blocks = [b.to_dict() for b in home_wins([path_win(n) for n in range(9)], T)]
    assert len(blocks) == 2
    assert blocks[0]["text"]["text"].count("Path finished") == 4
    assert "5 more" in blocks[1]["elements"][0]["text"]
    assert home_wins([], T) == []


def test_the_weekly_post_stays_within_a_messages_limits_however_many_people_and_ranks_no_one():
    people = [Celebrated(f"Person {n:04d} " + "y" * 70, [path_win(n), Win(FIRST_COURSE, "", "slack")])
              for n in range(3000)]  # fmt: skip
    message = celebration_message(people, "02 Mar – 08 Mar 2026", T)
    assert_valid_blocks(message.blocks, limit=50)
    assert all(len(text) <= 3000 for text in mrkdwn_texts(message.blocks))
    lines = [line for text in mrkdwn_texts(message.blocks)[1:] for line in text.split("\n")]
    assert lines[0].startswith("*Person 0000") and lines[1].startswith("*Person 0001")  # by name, not by wins


def test_a_name_or_path_title_someone_typed_cannot_mention_or_link():
    hostile = Win(PATH, "2026-03-02T10:00:00+00:00", "import", "p", "<!channel> <https://evil.example|Free>")
    message = celebration_message([Celebrated("Ana", [hostile])], "week", T)
    text = "\n".join(mrkdwn_texts(message.blocks))
    assert "<!channel>" not in text and "<https://evil" not in text and "&lt;!channel&gt;" in text
