"""Nudges: planning who gets what and when, then delivering each exactly once; run by the `clock` process only."""
