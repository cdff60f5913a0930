"""Why a course was picked: the value type that picks carry and stored answers keep.

It sits below the recommender and the people who are shown picks, so that recording an answer (learning.people)
needs nothing of the recommender (learning.recommend), which reads people's history.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# "Recommended by a colleague" (a share) and "Recommended by your manager": the evidence is the recommender's name,
# shown only to the learner the course was recommended to, and never kept with a stored answer
RECOMMENDED = {"colleague": "recommended_colleague", "manager": "recommended_manager"}
NAMES_A_PERSON = frozenset(RECOMMENDED.values())


@dataclass(frozen=True)
class Reason:
    """Why a course was picked. `kind` selects the sentence; `evidence` is what it names (a course title, a topic,
    a role, a path, the colleague who recommended it) and `evidence_id` the course id when the evidence is one of
    the learner's courses."""

    # up_next continue taken_with taken_next like_yours builds_on topic interest role trending rising popular starter
    # new_interest new_like (what's new), match saved (search, saved list), explore_interest explore_like explore,
    # recommended_colleague recommended_manager (a course someone recommended to the learner)
    kind: str
    evidence: str | None = None
    evidence_id: str | None = None

    @property
    def names_a_person(self) -> bool:
        return self.kind in NAMES_A_PERSON

    def kept(self) -> Reason:
        """The reason as a stored answer keeps it: without a person's name (a redrawn card then says "a
        colleague"), so no record of what the learner was shown names the person who recommended it."""
        return replace(self, evidence=None, evidence_id=None) if self.names_a_person else self


def recommended_by(kind: str, name: str | None) -> Reason:
    """A course recommended to the learner by a colleague or their manager (`kind`), named when known."""
    return Reason(RECOMMENDED[kind], name or None)


# A course the learner's manager recommended to their team (`/learn team recommend`): "Recommended by your manager".
# Stored answers and nudge cards carry no name (the learner knows who their manager is).
MANAGER = RECOMMENDED["manager"]
