"""Start-up problems are one clear line naming what to fix, not a traceback."""

from __future__ import annotations

import socket

from upnext.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_fails(monkeypatch, tmp_path, capsys, token: str, api_url: str) -> list[str]:
    """Run `upnext serve --http` with these settings, expecting exit 2; returns the lines it printed on stderr."""
    settings = {"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": api_url,
                "UPNEXT_HOME": str(tmp_path / "home")}  # fmt: skip
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["serve", "--http", "--port", str(free_port())]) == 2
    return capsys.readouterr().err.strip().splitlines()


def test_an_unreachable_slack_is_one_line_naming_slack_api_url(monkeypatch, tmp_path, capsys):
    url = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    lines = serve_fails(monkeypatch, tmp_path, capsys, "xoxb-test", url)
    assert len(lines) == 1 and f"SLACK_API_URL={url}" in lines[0], lines


def test_a_token_slack_refuses_is_one_line_naming_slack_bot_token(monkeypatch, tmp_path, capsys, fake_slack):
    fake_slack.fail("auth.test", status=200, error="invalid_auth")
    lines = serve_fails(monkeypatch, tmp_path, capsys, "xoxb-wrong", fake_slack.api_url)
    assert len(lines) == 1 and "SLACK_BOT_TOKEN" in lines[0] and "invalid_auth" in lines[0], lines


def test_installing_by_oauth_in_socket_mode_is_one_line_asking_for_http_mode(monkeypatch, tmp_path, capsys):
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "client-secret", "SLACK_APP_TOKEN": "xapp-1",
             "UPNEXT_HOME": str(tmp_path / "home")}  # fmt: skip
    for name, value in oauth.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["serve"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "HTTP mode" in lines[0], lines
