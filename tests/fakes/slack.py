"""The fake Slack Web API the tests talk to over HTTP: the product's local stand-in
(`bot.transports.local_slack`), which records every call and can answer 429 with Retry-After."""

from bot.transports.local_slack import BOT_USER_ID, TEAM_ID, Call, Grant, LocalSlack, default_user

FakeSlack = LocalSlack

__all__ = ["BOT_USER_ID", "TEAM_ID", "Call", "FakeSlack", "Grant", "default_user"]
