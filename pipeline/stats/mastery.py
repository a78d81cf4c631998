"""Mastery ("ketuntasan") of a knowledge test: who reaches the passing score (KKM) before and
after, and the paired 2x2 table that McNemar's test takes (:mod:`pipeline.stats.mcnemar`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["mastery_shares", "mastery_table"]


def _mastered(pre: pd.Series, post: pd.Series, passing: float) -> tuple[np.ndarray, np.ndarray]:
    """Complete pairs as booleans: at or above the passing score."""
    pairs = pd.DataFrame({"pre": pre, "post": post}).dropna()
    return (pairs["pre"] >= passing).to_numpy(), (pairs["post"] >= passing).to_numpy()


def mastery_shares(pre: pd.Series, post: pd.Series, *, passing: float) -> pd.DataFrame:
    """Mastery ("ketuntasan"): how many complete pairs reach the passing score before and after.

    Parameters
    ----------
    pre, post
        Scores aligned by index (one row per participant); pairs with a missing score are
        left out.
    passing
        The passing score (KKM, "kriteria ketuntasan minimal"), on the scores' scale; a score
        equal to it counts as mastered.

    Returns
    -------
    pandas.DataFrame
        Rows ``pre`` and ``post``: ``wave``, ``n`` (complete pairs), ``mastered`` (count),
        ``share`` (mastered / n), ``passing``. Test the change with
        :func:`pipeline.stats.mcnemar.mcnemar_table` on :func:`mastery_table`.
    """
    before, after = _mastered(pre, post, passing)
    n = len(before)
    return pd.DataFrame(
        {
            "wave": ["pre", "post"],
            "n": n,
            "mastered": [int(before.sum()), int(after.sum())],
            "share": [before.mean() if n else math.nan, after.mean() if n else math.nan],
            "passing": float(passing),
        }
    )


def mastery_table(pre: pd.Series, post: pd.Series, *, passing: float) -> pd.DataFrame:
    """The paired 2x2 table of mastery: pre in rows, post in columns, "mastered" first.

    ``[[a, b], [c, d]]`` with b = mastered -> not mastered and c = not mastered -> mastered,
    the layout :func:`pipeline.stats.mcnemar.mcnemar_table` takes. Complete pairs only; a
    score equal to ``passing`` counts as mastered.
    """
    before, after = _mastered(pre, post, passing)
    labels = ["mastered", "not mastered"]
    cells = [
        [int(np.sum((before == r) & (after == c))) for c in (True, False)] for r in (True, False)
    ]
    return pd.DataFrame(
        cells, index=pd.Index(labels, name="pre"), columns=pd.Index(labels, name="post")
    )
