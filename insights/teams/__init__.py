"""A manager's team figures, folded like the learning team's."""
