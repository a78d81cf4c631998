"""The one place that calls pingouin and reads its output columns.

pingouin renames columns between releases (0.6.0: ``p-val`` became ``p_val``) and rounds some
outputs (``CI95`` to two decimals), so its results pass through here and nowhere else.
"""

from __future__ import annotations

import warnings

import numpy as np
import pingouin as pg

__all__ = ["paired_ttest"]


def paired_ttest(post: np.ndarray, pre: np.ndarray) -> dict[str, float]:
    """Two-sided paired t test of ``post - pre`` on already paired arrays.

    Returns ``t``, ``df`` and ``p``. pingouin switches to an unpaired test when the lengths
    differ, so equal lengths are required here (pair by id before calling).
    """
    if len(post) != len(pre):
        raise ValueError(f"paired arrays differ in length: {len(post)} vs {len(pre)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # zero-variance warnings: caller checks
        result = pg.ttest(post, pre, paired=True, alternative="two-sided")
    row = result.iloc[0]
    p_column = "p_val" if "p_val" in result.columns else "p-val"
    return {"t": float(row["T"]), "df": float(row["dof"]), "p": float(row[p_column])}
