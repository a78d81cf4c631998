"""Normalized gain (Hake 1998) and normalized change (Marx & Cummings 2007) on POMP scores.

Scores enter on the 0-100 POMP scale, so the ceiling is 100 whatever the instrument; gain is
unchanged by that linear rescaling because only distances from the maximum enter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "EFFECTIVENESS",
    "HAKE",
    "class_gain",
    "effectiveness_label",
    "hake_label",
    "individual_gain",
    "normalized_change",
]

#: Hake's levels, lower bound inclusive: low g < 0.3 <= medium < 0.7 <= high.
HAKE = ((0.3, "low"), (0.7, "medium"), (np.inf, "high"))
#: The N-gain percentage "effectiveness" levels of Indonesian practice, closed without gaps:
#: < 40 tidak efektif; 40 <= x < 56 kurang efektif; 56 <= x < 76 cukup efektif; >= 76 efektif.
EFFECTIVENESS = (
    (40, "tidak efektif"),
    (56, "kurang efektif"),
    (76, "cukup efektif"),
    (np.inf, "efektif"),
)


def individual_gain(pre: pd.Series, post: pd.Series) -> pd.Series:
    """g = (post - pre) / (100 - pre) per participant; NaN where pre is at the ceiling.

    Negative values are declines and are kept (they are unbounded below).
    """
    room = 100 - pre
    return ((post - pre) / room).where(room > 0)


def class_gain(pre: pd.Series, post: pd.Series) -> float:
    """Hake's class-average gain <g> = (mean post - mean pre) / (100 - mean pre)."""
    mean_pre, mean_post = float(pre.mean()), float(post.mean())
    return (mean_post - mean_pre) / (100 - mean_pre) if mean_pre < 100 else np.nan


def normalized_change(pre: pd.Series, post: pd.Series) -> pd.Series:
    """Marx & Cummings' c: (post - pre)/(100 - pre) for gains, (post - pre)/pre for losses,
    0 when unchanged, undefined when pre = post = 0 or 100."""
    up = (post - pre) / (100 - pre)
    down = (post - pre) / pre
    same_extreme = (post == pre) & ((pre == 100) | (pre == 0))
    c = np.select(
        [post > pre, post < pre, same_extreme, post == pre], [up, down, np.nan, 0.0], default=np.nan
    )
    return pd.Series(c, index=pre.index)


def _label(value: float, bands) -> str | None:
    if value is None or np.isnan(value):
        return None
    return next(label for bound, label in bands if value < bound)


def hake_label(g: float) -> str | None:
    """Hake's level of a gain (a decline is 'low')."""
    return _label(g, HAKE)


def hake_labels(g: pd.Series) -> pd.Series:
    """:func:`hake_label` of every gain at once (None where the gain is undefined)."""
    values = g.to_numpy(dtype=float)
    bounds = np.array([bound for bound, _ in HAKE[:-1]])
    names = np.array([label for _, label in HAKE] + [None], dtype=object)
    index = np.where(np.isnan(values), len(HAKE), np.searchsorted(bounds, values, side="right"))
    return pd.Series(names[index], index=g.index, dtype=object)


def effectiveness_label(percent: float) -> str | None:
    """Effectiveness level of an N-gain percentage."""
    return _label(percent, EFFECTIVENESS)
