"""Paired t test with a chosen alternative, as R's ``t.test(post, pre, paired = TRUE)``.

The two-sided test the pipeline already runs goes through
:func:`pipeline.stats.pingouin_adapter.paired_ttest`; this one adds the one-sided alternatives
JASP offers ("Measure 1 > Measure 2") and R's one-sided interval. Checked by
``tests/reference/jasp.R``.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from scipy import stats

__all__ = ["paired_t_test"]

Alternative = Literal["two-sided", "greater", "less"]


def paired_t_test(
    post: np.ndarray,
    pre: np.ndarray,
    *,
    alternative: Alternative = "two-sided",
    level: float = 0.95,
) -> dict[str, object]:
    """Student's paired t test of post - pre with a two- or one-sided alternative.

    Parameters
    ----------
    post, pre
        Scores paired by participant, same length, no missing values.
    alternative
        ``"two-sided"``, ``"greater"`` (post > pre: the mean difference is positive) or
        ``"less"``.
    level
        Confidence level of the interval.

    Returns
    -------
    dict
        ``n``, ``mean_difference``, ``se``, ``t``, ``df``, ``p_value``, ``ci_low``,
        ``ci_high`` (one-sided: ``[low, inf)`` for "greater", ``(-inf, high]`` for "less", as
        R prints them), ``alternative`` and ``note``.

    Notes
    -----
    :math:`t = \\bar d / (s_d/\\sqrt n)` on n - 1 df. "greater": :math:`p = P(T_{n-1} \\ge
    t)` and the lower limit :math:`\\bar d - t_{1-a} s_d/\\sqrt n` with a = 1 - level;
    "less" mirrors it; two-sided uses :math:`t_{1-a/2}` and twice the smaller tail.

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika, 6(1), 1-25.
    """
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(
            f"alternative must be 'two-sided', 'greater' or 'less'; got {alternative!r}"
        )
    diff = np.asarray(post, dtype=float) - np.asarray(pre, dtype=float)
    if np.isnan(diff).any():
        raise ValueError(
            f"{int(np.isnan(diff).sum())} pair(s) have a missing value; pass complete pairs"
        )
    n = len(diff)
    nan = math.nan
    out = {
        "n": n,
        "mean_difference": float(diff.mean()) if n else nan,
        "se": nan,
        "t": nan,
        "df": float(n - 1),
        "p_value": nan,
        "ci_low": nan,
        "ci_high": nan,
        "alternative": alternative,
    }
    se = float(diff.std(ddof=1)) / math.sqrt(n) if n > 1 else nan
    if not se > 10 * np.finfo(float).eps * abs(out["mean_difference"]):  # R: "essentially constant"
        return {**out, "note": "fewer than 2 pairs" if n < 2 else "the differences have no spread"}
    t = out["mean_difference"] / se
    tail = 1 - level if alternative != "two-sided" else (1 - level) / 2
    half = float(stats.t.ppf(1 - tail, n - 1)) * se
    p = {"greater": stats.t.sf(t, n - 1), "less": stats.t.cdf(t, n - 1)}.get(
        alternative, 2 * stats.t.sf(abs(t), n - 1)
    )
    low = out["mean_difference"] - half if alternative != "less" else -math.inf
    high = out["mean_difference"] + half if alternative != "greater" else math.inf
    return {
        **out,
        "se": se,
        "t": t,
        "p_value": float(p),
        "ci_low": low,
        "ci_high": high,
        "note": "",
    }
