"""McNemar's test for a paired yes/no outcome, with the exact binomial test and two intervals.

The table is laid out with the pre answer in rows and the post answer in columns, "yes" first::

                 post yes   post no
    pre yes         a          b        b: yes -> no  (lost)
    pre no          c          d        c: no -> yes  (gained)

Only the discordant pairs b and c carry information about change. The asymptotic test and its
continuity correction reproduce R 4.2's ``stats::mcnemar.test``; the exact p-value and the
interval of the odds ratio come from ``stats::binom.test(c, b + c, p = 0.5)``, so every number
can be checked in R (``tests/reference/mcnemar.R``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "ASYMPTOTIC_METHOD",
    "DIFFERENCE_METHOD",
    "EXACT_BELOW",
    "EXACT_METHOD",
    "McNemarResult",
    "mcnemar",
    "mcnemar_table",
]

#: The exact binomial p-value is the primary one when fewer than this many pairs changed
#: (b + c < 25), a common textbook convention for when the chi-square approximation is too
#: rough. The exact conditional test is conservative (Fagerland, Lydersen & Laake 2013), so
#: both p-values are always reported.
EXACT_BELOW = 25
EXACT_METHOD = "exact binomial test"
ASYMPTOTIC_METHOD = "McNemar chi-square test"
DIFFERENCE_METHOD = "Newcombe (1998) method 10: Wilson score intervals combined with phi"
ODDS_RATIO_METHOD = "conditional odds ratio c/b, Clopper-Pearson interval of c/(b + c)"


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's test of a paired 2x2 table; see :func:`mcnemar` for the meaning of each field.

    ``p_value`` is the primary p-value (``p_exact`` or ``p_asymptotic``, as ``method`` says).
    Proportions and their difference are NaN when only b and c were given.
    """

    a: int | None
    b: int
    c: int
    d: int | None
    n: int | None
    statistic: float
    df: int
    correct: bool
    p_asymptotic: float
    p_exact: float
    method: str
    p_value: float
    odds_ratio: float
    or_ci_low: float
    or_ci_high: float
    p_pre: float
    p_post: float
    difference: float
    diff_ci_low: float
    diff_ci_high: float
    level: float
    note: str

    def as_frame(self) -> pd.DataFrame:
        """The result as a tidy table: one row per statistic, with its interval and method."""
        asymptotic = ASYMPTOTIC_METHOD + (" with continuity correction" if self.correct else "")
        primary = EXACT_METHOD if self.method == EXACT_METHOD else asymptotic
        nan = math.nan
        rows = [
            ("chi_square", self.statistic, nan, nan, asymptotic),
            ("p_asymptotic", self.p_asymptotic, nan, nan, asymptotic),
            ("p_exact", self.p_exact, nan, nan, EXACT_METHOD),
            ("p_value", self.p_value, nan, nan, primary),
            ("odds_ratio", self.odds_ratio, self.or_ci_low, self.or_ci_high, ODDS_RATIO_METHOD),
            ("difference", self.difference, self.diff_ci_low, self.diff_ci_high, DIFFERENCE_METHOD),
        ]
        frame = pd.DataFrame(rows, columns=["statistic", "value", "ci_low", "ci_high", "method"])
        frame["level"] = self.level
        frame["note"] = self.note
        return frame

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _count(value: object, name: str) -> int:
    """A cell count: a non-negative whole number (floats such as 3.0 are accepted)."""
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise ValueError(f"cell {name} must be a non-negative whole count; got {value!r}")
    return int(number)


def _asymptotic(b: int, c: int, *, correct: bool) -> tuple[float, float]:
    """R's ``mcnemar.test``: the correction is applied only when b differs from c."""
    if b + c == 0:
        return math.nan, math.nan
    gap = abs(b - c) - 1 if correct and b != c else abs(b - c)
    statistic = gap**2 / (b + c)
    return statistic, float(stats.chi2.sf(statistic, 1))


def _odds_ratio(b: int, c: int, level: float) -> tuple[float, float, float, float]:
    """Exact p and the conditional odds ratio c/b with its interval, from binom.test(c, b+c)."""
    if b + c == 0:
        return 1.0, math.nan, math.nan, math.nan
    test = stats.binomtest(c, b + c, 0.5)
    ci = test.proportion_ci(confidence_level=level, method="exact")

    def odds(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p)

    ratio = math.inf if b == 0 else c / b
    return min(float(test.pvalue), 1.0), ratio, odds(ci.low), odds(ci.high)


def _wilson(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson (1927) score interval without continuity correction (R's prop.test, correct=F)."""
    p = x / n
    centre = p + z**2 / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    scale = 1 + z**2 / n
    return max((centre - half) / scale, 0.0), min((centre + half) / scale, 1.0)


def _newcombe(a: int, b: int, c: int, d: int, level: float) -> tuple[float, float, float]:
    """Difference p_post - p_pre and Newcombe's method 10 interval for paired proportions."""
    n = a + b + c + d
    z = float(stats.norm.isf((1 - level) / 2))
    p_post, p_pre = (a + c) / n, (a + b) / n
    l_post, u_post = _wilson(a + c, n, z)
    l_pre, u_pre = _wilson(a + b, n, z)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    if cross > 0:  # Newcombe's adjustment of a positive correlation
        cross = max(cross - n / 2, 0.0)
    phi = cross / math.sqrt(margins) if margins > 0 else 0.0
    difference = p_post - p_pre
    below = (p_post - l_post) ** 2 - 2 * phi * (p_post - l_post) * (u_pre - p_pre)
    below += (u_pre - p_pre) ** 2
    above = (u_post - p_post) ** 2 - 2 * phi * (u_post - p_post) * (p_pre - l_pre)
    above += (p_pre - l_pre) ** 2
    # The limits lie in [-1, 1]; rounding can step past 1 by an ulp when p_post = 1.
    return (
        difference,
        max(difference - math.sqrt(max(below, 0.0)), -1.0),
        min(difference + math.sqrt(max(above, 0.0)), 1.0),
    )


def mcnemar(
    b: int,
    c: int,
    *,
    a: int | None = None,
    d: int | None = None,
    exact: bool | None = None,
    correct: bool = True,
    level: float = 0.95,
    exact_below: int = EXACT_BELOW,
) -> McNemarResult:
    """McNemar's test of change in a paired yes/no outcome, from the discordant counts.

    Parameters
    ----------
    b
        Pairs that went from yes (pre) to no (post).
    c
        Pairs that went from no (pre) to yes (post).
    a, d
        The concordant counts (yes/yes, no/no). Needed only for the proportions and their
        difference; without them those are NaN.
    exact
        True for the exact binomial p-value as the primary one, False for the chi-square one,
        None to choose by the rule ``b + c < exact_below``.
    correct
        Apply Edwards' continuity correction to the chi-square statistic (R's default).
    level
        Confidence level of both intervals, strictly between 0 and 1.
    exact_below
        The rule's threshold (default :data:`EXACT_BELOW` = 25).

    Returns
    -------
    McNemarResult
        ``statistic`` (chi-square, df = 1), ``p_asymptotic``, ``p_exact``, ``method`` and
        ``p_value`` (the primary one), ``odds_ratio`` = c/b with ``or_ci_low``/``or_ci_high``,
        ``p_pre`` = (a+b)/n, ``p_post`` = (a+c)/n, ``difference`` = p_post - p_pre with
        ``diff_ci_low``/``diff_ci_high``, and ``note`` (why a number is missing; "" otherwise).

    Raises
    ------
    ValueError
        When a count is negative or not whole, or ``level`` is outside (0, 1).

    Notes
    -----
    Chi-square = (|b - c| - 1)^2 / (b + c) with the correction, (b - c)^2 / (b + c) without; as
    in R, the correction is skipped when b = c (the statistic is then 0). The exact p-value is
    the two-sided binomial test of c successes in b + c trials with p = 1/2, i.e.
    min(1, 2 P(X <= min(b, c))). The odds ratio c/b is the conditional (matched-pairs) odds
    ratio; its interval transforms the Clopper-Pearson interval [L, U] of c/(b + c) to
    [L/(1-L), U/(1-U)] (Breslow & Day 1980), which is what ``exact2x2::mcnemar.exact`` reports
    as its interval (for b/c). Values above 1 mean more pairs gained "yes" than lost it.

    The difference D = p_post - p_pre = (c - b)/n has Newcombe's (1998) method 10 interval:
    Wilson score intervals [l, u] of both margins (no continuity correction) combined with
    the correlation phi = C/sqrt((a+b)(c+d)(a+c)(b+d)), where C = ad - bc, except that a
    positive ad - bc is replaced by max(ad - bc - n/2, 0) (Newcombe's adjustment, as in
    Newcombe & Altman's chapter of Altman et al. 2000); phi = 0 when a margin is empty.
    lower = D - sqrt((p_post - l_post)^2 - 2 phi (p_post - l_post)(u_pre - p_pre) + (u_pre -
    p_pre)^2), upper = D + sqrt((u_post - p_post)^2 - 2 phi (u_post - p_post)(p_pre - l_pre)
    + (p_pre - l_pre)^2). It keeps its coverage near the nominal level in small samples where
    the Wald interval does not.

    With b + c = 0 nothing changed: the statistic is NaN (as in R), both p-values are 1 and the
    odds ratio is undefined; ``note`` says so.

    References
    ----------
    McNemar, Q. (1947). Note on the sampling error of the difference between correlated
    proportions or percentages. Psychometrika, 12(2), 153-157.
    Edwards, A. L. (1948). Note on the "correction for continuity" in testing the significance
    of the difference between correlated proportions. Psychometrika, 13(3), 185-187.
    Newcombe, R. G. (1998). Improved confidence intervals for the difference between binomial
    proportions based on paired data. Statistics in Medicine, 17(22), 2635-2650.
    Altman, D. G., Machin, D., Bryant, T. N., & Gardner, M. J. (Eds.) (2000). Statistics with
    Confidence (2nd ed.). BMJ Books (chapter 6, Newcombe & Altman).
    Fagerland, M. W., Lydersen, S., & Laake, P. (2013). The McNemar test for binary
    matched-pairs data: mid-p and asymptotic are better than exact conditional. BMC Medical
    Research Methodology, 13, 91.

    Examples
    --------
    >>> r = mcnemar(2, 9, a=5, d=4)
    >>> round(r.statistic, 4), round(r.p_exact, 4), r.method
    (3.2727, 0.0654, 'exact binomial test')
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1; got {level!r}")
    b, c = _count(b, "b"), _count(c, "c")
    statistic, p_asymptotic = _asymptotic(b, c, correct=correct)
    p_exact, ratio, or_low, or_high = _odds_ratio(b, c, level)
    use_exact = b + c < exact_below if exact is None else exact
    note = ""
    if b + c == 0:
        p_asymptotic = 1.0
        note = "no pair changed (b + c = 0): there is no evidence of change, p = 1"
    nan = math.nan
    p_pre = p_post = difference = diff_low = diff_high = nan
    n = None
    if a is not None and d is not None:
        a, d = _count(a, "a"), _count(d, "d")
        n = a + b + c + d
        if n > 0:
            difference, diff_low, diff_high = _newcombe(a, b, c, d, level)
            p_pre, p_post = (a + b) / n, (a + c) / n
        else:  # nothing to test: not "no evidence of change"
            p_asymptotic = p_exact = nan
            note = "no pairs to test (n = 0)"
    return McNemarResult(
        a=a,
        b=b,
        c=c,
        d=d,
        n=n,
        statistic=statistic,
        df=1,
        correct=correct,
        p_asymptotic=p_asymptotic,
        p_exact=p_exact,
        method=EXACT_METHOD if use_exact else ASYMPTOTIC_METHOD,
        p_value=p_exact if use_exact else p_asymptotic,
        odds_ratio=ratio,
        or_ci_low=or_low,
        or_ci_high=or_high,
        p_pre=p_pre,
        p_post=p_post,
        difference=difference,
        diff_ci_low=diff_low,
        diff_ci_high=diff_high,
        level=level,
        note=note,
    )


def mcnemar_table(table: object, **options: object) -> McNemarResult:
    """:func:`mcnemar` of a full 2x2 table ``[[a, b], [c, d]]``: pre in rows, post in columns,
    "yes" first (a pandas crosstab in that order works). ``options`` are those of
    :func:`mcnemar`.

    Raises
    ------
    ValueError
        When the table is not 2x2.
    """
    cells = np.asarray(table, dtype=float)
    if cells.shape != (2, 2):
        raise ValueError(
            f"a paired 2x2 table [[yes/yes, yes/no], [no/yes, no/no]] is needed; got shape "
            f"{cells.shape}"
        )
    (a, b), (c, d) = cells
    return mcnemar(b, c, a=a, d=d, **options)  # type: ignore[arg-type]
