"""Managers and their teams: who reports to whom, the people file that says so, and recommendations to a team."""
