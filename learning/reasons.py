"""Why a course was picked: the value type that picks carry and stored answers keep.

It sits below the recommender and the people who are shown picks, so that recording an answer (learning.people)
needs nothing of the recommender (learning.recommend), which reads people's history.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """Why a course was picked. `kind` selects the sentence; `evidence` is what it names (a course title, a topic,
    a role, a path) and `evidence_id` the course id when the evidence is one of the learner's courses."""

    # up_next continue taken_with taken_next like_yours builds_on topic interest role trending rising popular starter
    # new_interest new_like (what's new), match saved (search, saved list), explore_interest explore_like explore,
    # manager (MANAGER: recommended by the learner's manager)
    kind: str
    evidence: str | None = None
    evidence_id: str | None = None


# A course the learner's manager recommended to their team (`/learn team recommend`). It carries no evidence: the
# learner knows who their manager is, and what is stored with their answers never names the manager.
MANAGER = "manager"
