"""Test doubles for the outside world only: Slack's Web API (over real HTTP) and Slack's request signing."""
