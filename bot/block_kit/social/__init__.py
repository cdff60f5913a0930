"""Block Kit of learning together: sharing a course, wins, and a manager's team."""
