"""95% intervals for proportions (Wilson score) and for the difference of two (Newcombe's hybrid score method).

Newcombe's method stays inside [-1, 1] and behaves with small or extreme counts, unlike the textbook normal
approximation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


def wilson(successes: int, trials: int, z: float = Z95) -> Interval:
    """The share `successes / trials` with its Wilson score interval; (0, 0, 1) when there are no trials."""
    if trials <= 0:
        return Interval(0.0, 0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def difference(successes_a: int, trials_a: int, successes_b: int, trials_b: int) -> Interval:
    """p_a - p_b with Newcombe's (1998, method 10) interval built from the two Wilson intervals."""
    a, b = wilson(successes_a, trials_a), wilson(successes_b, trials_b)
    d = a.estimate - b.estimate
    low = d - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = d + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Interval(d, max(-1.0, low), min(1.0, high))
