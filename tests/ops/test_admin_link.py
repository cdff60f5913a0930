"""`upnext admin link --user U`: a link for admins only, unless --force, which says that the person is not one (or
cannot be confirmed as one now); a forced link still signs someone in only if they are an admin when they use it."""

from __future__ import annotations

import pytest

from tests.admin.test_signin import WORKSPACE_ADMIN, follow
from tests.conftest import OPERATOR_ADMIN, PUBLIC_URL
from tests.fakes.slack import default_user


def _admin_link(start_upnext, *options: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`upnext admin link ...` as a real process: its exit status, the link it printed (if any), its other lines."""
    env = {"UPNEXT_PUBLIC_URL": PUBLIC_URL, "UPNEXT_ADMINS": OPERATOR_ADMIN, **(env or {})}
    done = start_upnext("admin", "link", *options, env=env, healthy=False)
    status, lines = done.process.wait(60), done.log.splitlines()
    links = [line for line in lines if line.startswith(PUBLIC_URL)]
    return status, links[0] if links else "", "\n".join(line for line in lines if line not in links)


@pytest.fixture
def admin(fake_slack) -> str:
    fake_slack.users[WORKSPACE_ADMIN] = {**default_user(WORKSPACE_ADMIN), "is_admin": True}
    return WORKSPACE_ADMIN


def test_operators_print_a_link_for_an_admin_with_upnext_admin_link(start_upnext, server, admin):
    for user in (OPERATOR_ADMIN, admin):
        status, link, said = _admin_link(start_upnext, "--user", user)
        assert status == 0 and said == ""
        assert follow(server, link).status == 200


def test_admin_link_refuses_someone_who_is_not_an_admin_unless_forced_and_says_so(start_upnext, server, db):
    status, link, said = _admin_link(start_upnext, "--user", "U0ANA")
    assert status == 2 and link == "" and said.count("\n") == 0
    assert said.startswith("error: U0ANA is not an admin") and "--force" in said
    assert db.execute("SELECT count(*) FROM admin_tokens").fetchone()[0] == 0

    status, link, said = _admin_link(start_upnext, "--user", "U0ANA", "--force")
    assert status == 0 and link and said.startswith("warning: U0ANA is not an admin")
    assert follow(server, link).status == 403  # signs them in only once they are one


def test_admin_link_refuses_when_slack_cannot_confirm_unless_forced(start_upnext, server, admin):
    unreachable = {"SLACK_API_URL": "http://127.0.0.1:9/api/"}  # nothing listens on the discard port
    status, link, said = _admin_link(start_upnext, "--user", admin, env=unreachable)
    assert status == 2 and link == ""
    assert said.splitlines()[-1].startswith("error: cannot confirm that U0BOSS is an admin")  # after the SDK's own

    status, link, said = _admin_link(start_upnext, "--user", admin, "--force", env=unreachable)
    assert status == 0 and said.splitlines()[-1].startswith("warning: cannot confirm that U0BOSS is an admin")
    assert follow(server, link).status == 200  # the server can: they are one
