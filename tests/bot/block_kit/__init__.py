"""Tests of bot.block_kit."""
