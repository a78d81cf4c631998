"""Multiplicity: adjusted p-values across the outcomes of one family.

Written out rather than taken from statsmodels' ``multipletests``, which runs Python's garbage
collector on every call (a tenth of a second each; most of a small study's run time in a
portfolio of thousands). Checked against R's ``p.adjust`` (tests/reference/compare.R).
"""

from __future__ import annotations

import numpy as np

__all__ = ["METHODS", "adjust"]

#: Our method names with the reference for each.
METHODS = {
    "holm": ("holm", "Holm (1979) step-down"),
    "fdr_bh": ("fdr_bh", "Benjamini & Hochberg (1995) false discovery rate"),
}


def _holm(p: np.ndarray) -> np.ndarray:
    """p.adjust(p, "holm"): cumulative maximum of (m - i + 1) p_(i), capped at 1."""
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def _bh(p: np.ndarray) -> np.ndarray:
    """p.adjust(p, "BH"): cumulative minimum from the largest of m / i p_(i), capped at 1."""
    m = len(p)
    order = np.argsort(p, kind="stable")[::-1]
    scaled = m / np.arange(m, 0, -1) * p[order]
    out = np.empty(m)
    out[order] = np.minimum(np.minimum.accumulate(scaled), 1.0)
    return out


def adjust(p_values: np.ndarray, *, method: str) -> np.ndarray:
    """Adjusted p-values (NaN stays NaN and does not count in the family); ``none`` returns
    them unchanged."""
    p = np.asarray(p_values, dtype=float)
    if method == "none":
        return p.copy()
    if method not in METHODS:
        raise ValueError(f"unknown multiplicity method {method!r}; expected one of {list(METHODS)}")
    out = np.full(p.shape, np.nan)
    known = ~np.isnan(p)
    if known.any():
        out[known] = (_holm if method == "holm" else _bh)(p[known])
    return out
