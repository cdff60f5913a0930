"""Progression, not repetition: which courses would only repeat one a learner finished, and which build on it.

A course repeats one finished when it is a translation of it, or when it is in another path (another lesson), at the
same or a lower level, and its content is at least EQUIVALENT close. A course builds on one taken when it comes later
in the same path, or is on the same main topic at a higher level.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from learning.recommend.catalog_frame import CatalogFrame

# Cosine at or above which a same-or-lower-level course of another path repeats a course taken. Calibrated on the
# bundled Carpentries catalog (BENCHMARKS.md, progression): at 0.65 an introduction is flagged as a repeat of another
# lesson's introduction on the same topic 5.5 times as often as a later episode of another lesson is (1.0%).
EQUIVALENT = 0.65


def repeats(frame: CatalogFrame, taken: Sequence[int]) -> np.ndarray:
    """Per course: whether it would repeat one of `taken` (the taken courses themselves are not marked)."""
    nums = np.asarray(taken, np.int64)
    marked = np.zeros(frame.size, bool)
    if not len(nums):
        return marked
    marked |= repeat_pairs(frame, nums, np.arange(frame.size)).any(axis=0)
    marked[nums] = False
    return marked


def repeat_pairs(frame: CatalogFrame, taken: np.ndarray, courses: np.ndarray) -> np.ndarray:
    """taken x courses: whether the course would repeat the taken one (a translation of it, or an EQUIVALENT close
    course of another path at the same or a lower level)."""
    marked = frame.translation[courses][None, :] == frame.translation[taken][:, None]
    close = (frame.vectors[taken] @ frame.vectors[courses].T) >= EQUIVALENT
    level, taken_level = frame.level[courses][None, :], frame.level[taken][:, None]
    not_higher = (level <= taken_level) | (level < 0) | (taken_level < 0)
    taken_path = frame.path_code[taken][:, None]
    other_path = (frame.path_code[courses][None, :] != taken_path) | (taken_path < 0)
    return marked | (close & not_higher & other_path)


def builds_on(frame: CatalogFrame, num: int) -> np.ndarray:
    """Courses that build on `num`, best first: the rest of its path in order, then courses on its main topic at
    a higher level, closest first."""
    later = np.zeros(0, np.int64)
    if frame.path_id[num]:
        members = frame.paths.get(frame.path_id[num], later)
        later = members[frame.position[members] > frame.position[num]]
    higher = np.zeros(0, np.int64)
    if frame.main_topic[num] >= 0 and frame.level[num] >= 0:
        higher = np.flatnonzero(
            frame.present & (frame.main_topic == frame.main_topic[num]) & (frame.level > frame.level[num])
        )
        higher = higher[np.argsort(-(frame.vectors[higher] @ frame.vectors[num]))]
    return np.concatenate([later, higher]).astype(np.int64)
