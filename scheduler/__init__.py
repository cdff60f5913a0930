"""Nudges: planning who gets what and when (windows, caps, hold-out), and delivering each exactly once, paced
under Slack's limits. Run by the `clock` process only."""
