"""Item validity of a try-out (uji coba) in one wave: "r hitung" against "r tabel".

Indonesian practice calls an item valid when its item-total correlation (r hitung) exceeds the
critical r of a two-tailed test at alpha = .05 (r tabel) and drops the others ("gugur"). The
correlations and alpha if deleted come from :mod:`pipeline.stats.reliability`, the critical r
from :func:`pipeline.stats.reliability.critical_r`; checked against psych::alpha
(``tests/reference/testitems.R``).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from pipeline.stats import reliability as rel

__all__ = ["GUGUR", "VALID", "item_validity"]

VALID, GUGUR = "valid", "gugur"


def item_validity(
    items: pd.DataFrame,
    *,
    corrected: bool = True,
    use: rel.Missing = "pairwise",
    alpha: float = 0.05,
    tails: Literal[1, 2] = 2,
    df: int | None = None,
    require_positive: bool = True,
) -> pd.DataFrame:
    """r hitung, r tabel and the valid/gugur decision of every item, with alpha if deleted.

    Parameters
    ----------
    items
        Keyed item responses, respondents in rows (reverse-scored items already reversed).
    corrected
        True: r hitung is the corrected item-total (item-rest) correlation, SPSS's "Corrected
        Item-Total Correlation" and psych's ``r.drop``; False: the uncorrected correlation
        with the total (Pearson product moment; psych's ``raw.r``).
    use
        ``"pairwise"`` (each pair of items' complete cases, as psych::alpha) or
        ``"listwise"`` (complete rows only).
    alpha
        Significance level of r tabel.
    tails
        2 (the usual table) or 1 (one-tailed tables).
    df
        Degrees of freedom of r tabel; default n - 2.
    require_positive
        True: valid when r hitung > r tabel (a negative r is never valid); False: valid when
        ``|r hitung| > r tabel``, as a two-tailed significance test reads it.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``item``, ``n``, ``df``, ``r`` (r hitung), ``r_critical``
        (r tabel), ``valid`` (bool), ``decision`` (:data:`VALID` or :data:`GUGUR`),
        ``alpha_if_deleted``, ``alpha`` (of all items), ``method`` and ``note``.

    Notes
    -----
    n is the number of respondents the covariance rests on: with ``listwise`` the complete
    rows, with ``pairwise`` those who answered at least one item (psych's count).
    r tabel is :math:`r = t / \\sqrt{df + t^2}` with t the upper alpha/tails quantile of t on
    df degrees of freedom (N = 30 gives 0.361). An item without spread has no r and is gugur.
    Items are judged once: rerun on the kept items for the "second round" (uji kedua).

    References
    ----------
    Azwar, S. (2012). Reliabilitas dan Validitas (ed. 4). Pustaka Pelajar.
    Sugiyono (2011). Metode Penelitian Kuantitatif, Kualitatif dan R&D. Alfabeta.
    """
    if tails not in (1, 2):
        raise ValueError(f"tails must be 1 or 2, got {tails!r}")
    cov, n = rel.item_covariance(items, use=use)
    rows = items if use == "pairwise" else items.dropna()
    with np.errstate(invalid="ignore", divide="ignore"):  # an item without spread: NaN, noted
        stats = rel.item_statistics(rows, cov)
    r = stats["r_item_rest" if corrected else "r_item_total"].to_numpy(dtype=float)
    df = n - 2 if df is None else df
    critical = rel.critical_r(n, alpha=alpha * (2 if tails == 1 else 1), df=df)
    strength = r if require_positive else np.abs(r)
    valid = np.nan_to_num(strength, nan=-math.inf) > critical
    return pd.DataFrame(
        {
            "item": list(items.columns),
            "n": n,
            "df": df,
            "r": r,
            "r_critical": critical,
            "valid": valid,
            "decision": np.where(valid, VALID, GUGUR),
            "alpha_if_deleted": stats["alpha_if_deleted"].to_numpy(dtype=float),
            "alpha": rel.cronbach_alpha(cov),
            "method": "corrected item-total r" if corrected else "item-total r",
            "note": np.where(np.isnan(r), "no spread: no correlation", ""),
        }
    )
