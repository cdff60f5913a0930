"""The weekly digest's chart as a PNG, with the alt text that describes it to people who cannot see it.

It is drawn with matplotlib's Agg backend (no display, no browser, no download).
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from insights.report import Week


def weekly_active_png(weeks: list[Week]) -> tuple[bytes, str]:
    """Stacked columns of new and returning active learners per week; (PNG bytes, alt text)."""
    labels = [w.week[5:] for w in weeks]
    figure, axes = plt.subplots(figsize=(8, 3.6), dpi=100)
    try:
        axes.bar(labels, [w.new for w in weeks], color="#2563eb", label="new")
        axes.bar(labels, [w.returning for w in weeks], bottom=[w.new for w in weeks], color="#f59e0b",
                 label="returning")  # fmt: skip
        axes.set_title("Active learners per week")
        axes.set_xlabel("week starting (month-day)")
        axes.legend(loc="upper left", frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
    finally:
        plt.close(figure)
    described = "; ".join(f"week of {w.week}: {w.active} ({w.new} new)" for w in weeks) or "no activity yet"
    return out.getvalue(), f"Bar chart of active learners per week, new and returning: {described}."
