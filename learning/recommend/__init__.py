"""Recommendation: picks and their reasons, signals, the catalog frame, closeness, feedback, the ranker."""
