"""Composition root and command line: builds store, encoder, index, Slack app and clock from settings."""
