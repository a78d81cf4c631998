"""ANCOVA of a design with several arms: post ~ pre + arm, k >= 2 arms.

Generalizes :func:`pipeline.stats.models.ancova` (two arms) to any number of arms, with the
type II ANOVA table, adjusted (estimated marginal) means and all pairwise adjusted contrasts.
Each number matches one R call named in the docstring and computed by
``tests/reference/arms.R`` (car::Anova, emmeans, effectsize).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.stats import multiplicity
from pipeline.stats.models import _nested_test, _ols

__all__ = ["AncovaArms", "ancova_arms"]

ANOVA_COLUMNS = (
    "term",
    "ss",
    "df1",
    "df2",
    "F",
    "p_value",
    "partial_eta_squared",
    "partial_eta_squared_ci_low",
    "partial_eta_squared_ci_high",
    "note",
)
MEANS_COLUMNS = ("arm", "n", "adjusted_mean", "se", "df", "ci_low", "ci_high")
CONTRAST_COLUMNS = (
    "contrast",
    "arm",
    "reference",
    "estimate",
    "se",
    "df",
    "t",
    "p_value",
    "p_holm",
    "ci_low",
    "ci_high",
    "ci_low_bonferroni",
    "ci_high_bonferroni",
)


@dataclass(frozen=True)
class AncovaArms:
    """Result of :func:`ancova_arms`: three tidy tables, the slopes check and a note.

    ``anova``: one row per term (``pre``, ``arm``); ``means``: one row per arm; ``contrasts``:
    one row per pair of arms; ``slopes``: F, df1, df2 and p of pre x arm; ``note`` says why
    numbers are missing ("" otherwise).
    """

    n: int
    level: float
    anova: pd.DataFrame
    means: pd.DataFrame
    contrasts: pd.DataFrame
    slopes: dict[str, float]
    note: str


def _arm_order(arms: pd.Series, order: Sequence[str] | None) -> list[str]:
    present = list(pd.unique(arms))
    if order is None:
        return sorted(present, key=str)
    unknown = [arm for arm in present if arm not in order]
    if unknown:
        raise ValueError(f"arms {unknown} are not in the given order {list(order)}")
    return [arm for arm in order if arm in present]


def _thin_note(sizes: pd.Series, pre: np.ndarray) -> str:
    if len(sizes) < 2:
        return f"{len(sizes)} arm(s) with data; at least 2 are needed"
    if sizes.sum() - len(sizes) - 1 < 1:
        return f"{sizes.sum()} participants in {len(sizes)} arms leave no residual df"
    if np.ptp(pre) == 0:
        return "the pre scores have no spread"
    return ""


def ancova_arms(
    frame: pd.DataFrame, *, arms: Sequence[str] | None = None, level: float = 0.95
) -> AncovaArms:
    """ANCOVA of post ~ pre + arm with k >= 2 arms, adjusted means and pairwise contrasts.

    Parameters
    ----------
    frame
        One row per participant with ``pre``, ``post`` and ``arm``; rows with a missing value
        are left out.
    arms
        Order of the arms (the first is the reference of the coding; contrasts are later arm
        minus earlier arm, so list the control first). Default: sorted.
    level
        Confidence level of every interval.

    Returns
    -------
    AncovaArms
        ``anova`` (``term``, ``ss``, ``df1``, ``df2``, ``F``, ``p_value``,
        ``partial_eta_squared`` with ``_ci_low``/``_ci_high``, ``note``), ``means`` (``arm``,
        ``n``, ``adjusted_mean``, ``se``, ``df``, ``ci_low``, ``ci_high``), ``contrasts``
        (``contrast`` "B - A", ``arm``, ``reference``, ``estimate``, ``se``, ``df``, ``t``,
        ``p_value`` unadjusted, ``p_holm``, ``ci_low``/``ci_high`` unadjusted and
        ``ci_low_bonferroni``/``ci_high_bonferroni``), ``slopes`` and ``note``.

    Notes
    -----
    Type II sums of squares: each term's SS is the rise in residual SS when it alone is
    dropped (pre on 1 df, arm on k - 1 df), as ``car::Anova(lm(post ~ pre + arm), type = 2)``.
    Partial :math:`\\eta^2 = SS / (SS + SS_{resid})` with the one-sided noncentral-F interval
    of :func:`pipeline.stats.models.partial_eta_squared_ci` (effectsize 0.8.3's default).
    Adjusted means are the predictions at the mean pre score of the analysed participants
    (``emmeans(m, "arm")``); a contrast is the difference of two adjusted means with its
    standard error from the coefficient covariance, t on the residual df, the two-sided p and
    Holm's step-down adjustment over the k(k - 1)/2 pairs (``pairs(emmeans(m, "arm"), reverse
    = TRUE, adjust = "holm")``). Holm has no matching interval; the unadjusted intervals are
    reported, and the Bonferroni ones that emmeans prints for ``adjust = "holm"``. The
    homogeneity-of-slopes check is pre x arm in post ~ pre * arm (type II).

    References
    ----------
    Huitema, B. E. (2011). The Analysis of Covariance and Alternatives (2nd ed.). Wiley.
    Searle, S. R., Speed, F. M., & Milliken, G. A. (1980). Population marginal means in the
    linear model. The American Statistician, 34(4), 216-221.
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian
    Journal of Statistics, 6(2), 65-70.
    """
    data = frame[["pre", "post", "arm"]].dropna()
    order = _arm_order(data["arm"], arms)
    sizes = data["arm"].value_counts().reindex(order)
    pre, post = data["pre"].to_numpy(float), data["post"].to_numpy(float)
    note = _thin_note(sizes, pre)
    if note:
        return _empty(len(data), level, order, sizes, note)
    dummies = [(data["arm"] == arm).to_numpy(float) for arm in order[1:]]
    full = _ols(post, [pre, *dummies])
    reduced = {"pre": _ols(post, dummies), "arm": _ols(post, [pre])}
    tests = {term: _nested_test(full, fit, level) for term, fit in reduced.items()}
    slopes = _nested_test(_ols(post, [pre, *dummies, *(pre * d for d in dummies)]), full, level)
    anova = pd.DataFrame(
        [
            {"term": term, "ss": max(reduced[term].ssr - full.ssr, 0.0), **tests[term]}
            for term in reduced
        ]
    )[list(ANOVA_COLUMNS)]
    means, contrasts = _marginal(full, order, sizes, float(pre.mean()), level)
    return AncovaArms(
        n=len(data),
        level=level,
        anova=anova,
        means=means,
        contrasts=contrasts,
        slopes={key: slopes[key] for key in ("F", "df1", "df2", "p_value")},
        note="; ".join(n for n in (tests["arm"]["note"], slopes["note"]) if n),
    )


def _marginal(full, order: list[str], sizes: pd.Series, mean_pre: float, level: float):
    """Adjusted means at the mean pre score and all later-minus-earlier contrasts."""
    k, df = len(order), float(full.df_resid)
    rows = np.zeros((k, k + 1))  # columns: intercept, pre, k - 1 arm dummies
    rows[:, 0], rows[:, 1] = 1.0, mean_pre
    rows[np.arange(1, k), np.arange(2, k + 1)] = 1.0
    cov = full.cov_params()
    estimate = rows @ full.params
    se = np.sqrt(np.einsum("ij,jk,ik->i", rows, cov, rows))
    crit = stats.t.ppf(1 - (1 - level) / 2, df)
    means = pd.DataFrame(
        {
            "arm": order,
            "n": sizes.to_numpy(),
            "adjusted_mean": estimate,
            "se": se,
            "df": df,
            "ci_low": estimate - crit * se,
            "ci_high": estimate + crit * se,
        }
    )
    pairs = [(i, j) for j in range(k) for i in range(j)]  # emmeans' reverse pairs order
    diff = np.array([rows[j] - rows[i] for i, j in pairs])
    value = diff @ full.params
    se_diff = np.sqrt(np.einsum("ij,jk,ik->i", diff, cov, diff))
    t = value / se_diff
    p = 2 * stats.t.sf(np.abs(t), df)
    bonferroni = stats.t.ppf(1 - (1 - level) / (2 * len(pairs)), df)
    contrasts = pd.DataFrame(
        {
            "contrast": [f"{order[j]} - {order[i]}" for i, j in pairs],
            "arm": [order[j] for _, j in pairs],
            "reference": [order[i] for i, _ in pairs],
            "estimate": value,
            "se": se_diff,
            "df": df,
            "t": t,
            "p_value": p,
            "p_holm": multiplicity.adjust(p, method="holm"),
            "ci_low": value - crit * se_diff,
            "ci_high": value + crit * se_diff,
            "ci_low_bonferroni": value - bonferroni * se_diff,
            "ci_high_bonferroni": value + bonferroni * se_diff,
        }
    )
    return means, contrasts


def _empty(n: int, level: float, order: list[str], sizes: pd.Series, note: str) -> AncovaArms:
    anova = pd.DataFrame({"term": ["pre", "arm"], "note": note}).reindex(columns=ANOVA_COLUMNS)
    anova["note"] = note
    means = pd.DataFrame({"arm": order, "n": sizes.to_numpy()}).reindex(columns=MEANS_COLUMNS)
    nan = math.nan
    return AncovaArms(
        n=n,
        level=level,
        anova=anova,
        means=means,
        contrasts=pd.DataFrame(columns=list(CONTRAST_COLUMNS)),
        slopes={"F": nan, "df1": nan, "df2": nan, "p_value": nan},
        note=note,
    )
