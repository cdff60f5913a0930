"""Tests of bot.transports."""
