"""Multiplicity: adjusted p-values across the outcomes of one family."""

from __future__ import annotations

import numpy as np
from statsmodels.stats.multitest import multipletests

__all__ = ["METHODS", "adjust"]

#: Our names to statsmodels' names, with the reference for each.
METHODS = {
    "holm": ("holm", "Holm (1979) step-down"),
    "fdr_bh": ("fdr_bh", "Benjamini & Hochberg (1995) false discovery rate"),
}


def adjust(p_values: np.ndarray, *, method: str) -> np.ndarray:
    """Adjusted p-values (NaN stays NaN and does not count in the family); ``none`` returns
    them unchanged."""
    p = np.asarray(p_values, dtype=float)
    if method == "none":
        return p.copy()
    out = np.full(p.shape, np.nan)
    known = ~np.isnan(p)
    if known.any():
        out[known] = multipletests(p[known], method=METHODS[method][0])[1]
    return out
