"""One group measured at w >= 3 waves (pre, post, follow-ups): Friedman, pairwise paired t,
retained gain. The repeated-measures ANOVA itself is :func:`pipeline.stats.repeated.rm_anova`.

Input is long: one row per participant and wave with ``participant_code``, ``wave`` and
``score``. Differences are later wave minus earlier wave. Missing waves: ``use="listwise"``
(the default) keeps only participants with every wave, the same people as the ANOVA and the
Friedman test; ``use="pairwise"`` uses every participant with both waves of a pair, as R's
``pairwise.t.test(paired = TRUE)`` does. Checked by ``tests/reference/followup.R``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.stats import multiplicity
from pipeline.stats.repeated import long_to_wide

__all__ = ["PAIR_COLUMNS", "friedman_test", "pairwise_paired_t", "retained_gain"]

Use = Literal["listwise", "pairwise"]
PAIR_COLUMNS = (
    "contrast",
    "wave",
    "reference",
    "n",
    "mean_difference",
    "se",
    "t",
    "df",
    "p_value",
    "ci_low",
    "ci_high",
    "note",
)


def _all_waves(frame: pd.DataFrame, waves: Sequence[str] | None, use: Use) -> pd.DataFrame:
    """Wide scores: every participant (NaN for a missing wave) or complete ones only."""
    if use not in ("listwise", "pairwise"):
        raise ValueError(f"use must be 'listwise' or 'pairwise', got {use!r}")
    if use == "listwise":
        return long_to_wide(frame, waves=waves)
    complete = long_to_wide(frame.dropna(subset=["score"]), waves=waves)  # checks and order
    wide = frame.pivot(index="participant_code", columns="wave", values="score")
    return wide.reindex(columns=complete.columns)


def friedman_test(frame: pd.DataFrame, *, waves: Sequence[str] | None = None) -> dict[str, object]:
    """Friedman's rank test of a change across waves, with Kendall's W.

    Parameters
    ----------
    frame
        Long data: ``participant_code``, ``wave``, ``score``; participants without every wave
        are left out.
    waves
        Order of the waves (does not change the result).

    Returns
    -------
    dict
        ``n`` (complete participants), ``k`` (waves), ``statistic`` (chi-square), ``df``,
        ``p_value``, ``kendall_w`` and ``note`` (why numbers are missing; "" otherwise).

    Notes
    -----
    Scores are ranked within each participant (ties share their mean rank). With :math:`R_j`
    the rank sum of wave j and :math:`t` the sizes of all tie groups,
    :math:`\\chi^2_F = 12 \\sum_j (R_j - n(k+1)/2)^2 / (n k (k+1) - \\sum (t^3 - t)/(k-1))`
    on k - 1 df (R's ``friedman.test``). Kendall's :math:`W = \\chi^2_F / (n (k - 1))`, the
    tie-corrected coefficient of concordance (as effectsize 0.8.3's ``kendalls_w``).

    References
    ----------
    Friedman, M. (1937). The use of ranks to avoid the assumption of normality implicit in the
    analysis of variance. Journal of the American Statistical Association, 32, 675-701.
    Kendall, M. G., & Babington Smith, B. (1939). The problem of m rankings. Annals of
    Mathematical Statistics, 10(3), 275-287.
    """
    values = long_to_wide(frame, waves=waves).to_numpy(dtype=float)
    n, k = values.shape
    result = {"n": n, "k": k, "statistic": math.nan, "df": float(k - 1), "p_value": math.nan}
    if n < 2 or k < 2:
        return {**result, "kendall_w": math.nan, "note": f"{n} participant(s), {k} wave(s)"}
    ranks = np.apply_along_axis(stats.rankdata, 1, values)
    ties = sum(
        float(np.sum(c**3 - c)) for c in (np.unique(row, return_counts=True)[1] for row in values)
    )
    denominator = n * k * (k + 1) - ties / (k - 1)
    if denominator <= 0:
        return {**result, "kendall_w": math.nan, "note": "every participant tied at all waves"}
    spread = ranks.sum(axis=0) - n * (k + 1) / 2
    statistic = 12 * float(spread @ spread) / denominator
    return {
        **result,
        "statistic": statistic,
        "p_value": float(stats.chi2.sf(statistic, k - 1)),
        "kendall_w": statistic / (n * (k - 1)),
        "note": "",
    }


def _paired_t(later: pd.Series, earlier: pd.Series, level: float) -> dict[str, object]:
    """Paired t test of later - earlier over the pairs where both are known."""
    diff = (later - earlier).dropna().to_numpy(dtype=float)
    n = len(diff)
    out = {"n": n, **dict.fromkeys(PAIR_COLUMNS[4:11], math.nan), "df": float(n - 1)}
    if n < 2:
        return {**out, "note": f"{n} complete pair(s); at least 2 are needed"}
    mean, se = float(diff.mean()), float(diff.std(ddof=1)) / math.sqrt(n)
    out["mean_difference"] = mean
    # R's t.test refuses differences whose SE is below 10 machine epsilons of the mean
    if se <= 10 * np.finfo(float).eps * abs(mean) or se == 0:
        return {**out, "note": "the differences have no spread"}
    t = mean / se
    crit = float(stats.t.ppf(1 - (1 - level) / 2, n - 1))
    return {
        **out,
        "se": se,
        "t": t,
        "p_value": float(2 * stats.t.sf(abs(t), n - 1)),
        "ci_low": mean - crit * se,
        "ci_high": mean + crit * se,
        "note": "",
    }


def _pair_rows(wide: pd.DataFrame, pairs: list[tuple[str, str]], level: float) -> pd.DataFrame:
    rows = [
        {
            "contrast": f"{later} - {earlier}",
            "wave": later,
            "reference": earlier,
            **_paired_t(wide[later], wide[earlier], level),
        }
        for earlier, later in pairs
    ]
    return pd.DataFrame(rows, columns=list(PAIR_COLUMNS))


def pairwise_paired_t(
    frame: pd.DataFrame,
    *,
    waves: Sequence[str] | None = None,
    use: Use = "listwise",
    adjust: str = "holm",
    level: float = 0.95,
) -> pd.DataFrame:
    """Paired t tests of every pair of waves, later minus earlier, with adjusted p-values.

    Parameters
    ----------
    frame
        Long data: ``participant_code``, ``wave``, ``score``.
    waves
        Order of the waves; contrasts are later minus earlier in this order.
    use
        ``"listwise"``: participants with every wave; ``"pairwise"``: each pair's complete
        pairs.
    adjust
        Multiplicity adjustment over the w(w - 1)/2 pairs: ``"holm"``, ``"fdr_bh"`` or
        ``"none"`` (see :func:`pipeline.stats.multiplicity.adjust`).
    level
        Confidence level of the (unadjusted) intervals.

    Returns
    -------
    pandas.DataFrame
        One row per pair, in the order (1, 2), (1, 3), (2, 3), (1, 4), ...: the columns
        :data:`PAIR_COLUMNS` (``contrast``, ``wave``, ``reference``, ``n``,
        ``mean_difference``, ``se``, ``t``, ``df``, ``p_value``, ``ci_low``, ``ci_high``,
        ``note``), then ``p_adjusted`` and ``adjust``.

    Notes
    -----
    Each test is R's ``t.test(later, earlier, paired = TRUE)``: :math:`t = \\bar d /
    (s_d / \\sqrt n)` on n - 1 df. Holm's adjusted p-values equal
    ``pairwise.t.test(score, wave, paired = TRUE, p.adjust.method = "holm")``. Intervals are
    not adjusted.

    References
    ----------
    Holm, S. (1979). Scandinavian Journal of Statistics, 6(2), 65-70.
    """
    wide = _all_waves(frame, waves, use)
    order = list(wide.columns)
    pairs = [(order[i], order[j]) for j in range(len(order)) for i in range(j)]
    table = _pair_rows(wide, pairs, level)
    return table.assign(
        p_adjusted=multiplicity.adjust(table["p_value"].to_numpy(float), method=adjust),
        adjust=adjust,
    )


def retained_gain(
    frame: pd.DataFrame,
    *,
    waves: Sequence[str] | None = None,
    pre: str = "pre",
    post: str = "post",
    followup: str | None = None,
    use: Use = "listwise",
    level: float = 0.95,
) -> pd.DataFrame:
    """Is the gain kept at follow-up? Follow-up minus pre and follow-up minus post.

    Parameters
    ----------
    frame
        Long data: ``participant_code``, ``wave``, ``score``.
    waves
        Order of the waves; ``followup`` defaults to the last one.
    pre, post, followup
        Names of the three waves compared.
    use
        ``"listwise"`` (participants with every wave in ``waves``) or ``"pairwise"``.
    level
        Confidence level of the paired t intervals.

    Returns
    -------
    pandas.DataFrame
        Two rows, ``followup - pre`` (the gain still there) and ``followup - post`` (what
        was lost or added since the end of the program, negative when scores fell), with
        the columns :data:`PAIR_COLUMNS`.

    Notes
    -----
    Each row is R's ``t.test(followup, pre, paired = TRUE)`` (resp. ``post``): the mean
    difference with its Student-t interval, t and two-sided p. Neither row is adjusted for
    multiplicity; they answer two separate questions.

    References
    ----------
    Cumming, G. (2012). Understanding the New Statistics. Routledge.
    """
    wide = _all_waves(frame, waves, use)
    followup = list(wide.columns)[-1] if followup is None else followup
    missing = [w for w in (pre, post, followup) if w not in wide.columns]
    if missing:
        raise ValueError(f"waves {missing} are not in the data's waves {list(wide.columns)}")
    return _pair_rows(wide, [(pre, followup), (post, followup)], level)
