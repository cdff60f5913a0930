"""Learners and what they did: profiles, history events and their import, answers shown, nudges, privacy, progress."""
