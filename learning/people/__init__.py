"""Learners and what they did: profiles, history events, answers shown, nudges, privacy, progress."""
