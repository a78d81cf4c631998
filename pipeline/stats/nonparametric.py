"""Rank-based paired comparisons that reproduce R to many digits.

The Wilcoxon signed-rank test with the Hodges-Lehmann estimate and its confidence interval, as
R's ``stats::wilcox.test(post, pre, paired = TRUE, conf.int = TRUE)`` computes them with its
defaults (R 4.2), and the matched-pairs rank-biserial correlation with the interval of
``effectsize::rank_biserial(post, pre, paired = TRUE)`` (effectsize 0.8.3). On the
normal-approximation path R finds the estimate and the interval limits with ``uniroot`` at a
loose tolerance on a step function, so its numbers depend on the zero finder's exact steps;
this module takes the same steps, so a reader can check every number against R.

Differences are post minus pre: positive estimates and correlations mean scores rose.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from functools import cache

import numpy as np
from scipy import stats

__all__ = [
    "EXACT_METHOD",
    "NORMAL_METHOD",
    "matched_rank_biserial",
    "wilcoxon_one_sided",
    "wilcoxon_signed_rank",
]

EXACT_METHOD = "exact"
NORMAL_METHOD = "normal approximation with continuity correction"
#: R uses the exact null distribution below this many nonzero differences (without ties or zeros).
EXACT_MAX_N = 50
#: Fewer nonzero differences than this leave nothing to test or estimate.
MIN_NONZERO = 2
#: ``wilcox.test(tol.root = 1e-4)`` and ``uniroot(maxiter = 1000)``, R's defaults.
ROOT_TOL = 1e-4
ROOT_MAXITER = 1000
_EPS = sys.float_info.epsilon
_BIG = sys.float_info.max


# --------------------------------------------------------------------------- input checks


def _paired_differences(post: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """``post - pre`` after checking the arrays really are complete pairs."""
    post = np.asarray(post, dtype=float)
    pre = np.asarray(pre, dtype=float)
    if post.ndim != 1 or post.shape != pre.shape:
        raise ValueError(
            f"post and pre must be one-dimensional arrays of equal length, paired by "
            f"participant; got shapes {post.shape} and {pre.shape}"
        )
    incomplete = int(np.sum(~np.isfinite(post) | ~np.isfinite(pre)))
    if incomplete:
        raise ValueError(
            f"{incomplete} pair(s) have a missing or infinite value; pass complete pairs only"
        )
    return post - pre


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1; got {level!r}")


# --------------------------------------------------------------------------- null distribution


@cache
def _signrank_counts(n: int) -> tuple[int, ...]:
    """How many subsets of the ranks 1..n sum to v, for v = 0 .. n(n+1)/2 (exact integers)."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    for rank in range(1, n + 1):
        for v in range(rank * (rank + 1) // 2, rank - 1, -1):
            counts[v] += counts[v - rank]
    return tuple(counts)


def _psignrank(q: float, n: int, *, lower_tail: bool = True) -> float:
    """P(V <= q) (or P(V > q)) under the null, summing the shorter tail as R's psignrank."""
    total = n * (n + 1) // 2
    q = math.floor(q + 1e-7)
    if q < 0:
        return 0.0 if lower_tail else 1.0
    if q >= total:
        return 1.0 if lower_tail else 0.0
    counts = _signrank_counts(n)
    summed_lower = q <= total / 2
    tail = sum(counts[: q + 1]) if summed_lower else sum(counts[q + 1 :])
    p = tail / 2**n
    return p if summed_lower == lower_tail else 0.5 - p + 0.5


def _qsignrank(p: float, n: int) -> int:
    """Smallest q with P(V <= q) >= p, for p <= 0.5, with R's qsignrank fuzz of 10 eps."""
    counts = _signrank_counts(n)
    weight = math.exp(-n * math.log(2))  # R sums in floating point with this weight
    target = p - 10 * _EPS
    cumulative, q = 0.0, 0
    while True:
        cumulative += counts[q] * weight
        if cumulative >= target:
            return q
        q += 1


def _signif(x: float, digits: int) -> float:
    """R's signif() for a positive x: round half to even at ``digits`` significant digits."""
    e10 = digits - 1 - math.floor(math.log10(x))
    if e10 > 0:
        scale = 10.0**e10
        return round(x * scale) / scale
    scale = 10.0 ** (-e10)
    return round(x / scale) * scale


# --------------------------------------------------------------------------- R's zero finder


def _zeroin(
    f: Callable[[float], float], a: float, b: float, fa: float, fb: float, *, tol: float
) -> float:
    """Brent's (1973) zero finder, step for step as R's ``uniroot`` runs it (R_zeroin2).

    Kept instead of scipy's brentq because R's Hodges-Lehmann estimate and interval on the
    normal path are wherever this search stops on a step function, within ``tol`` of the jump.
    """
    if fa == 0:
        return a
    if fb == 0:
        return b
    c, fc = a, fa
    for _ in range(ROOT_MAXITER + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):  # b must be the best approximation so far
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            new_step = _interpolated_step(a, b, c, fa, fb, fc, new_step, prev_step, tol_act)
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if not math.isfinite(fb):  # as R's zero finder does: NaN and Inf become +-DBL_MAX
            fb = -_BIG if fb == -math.inf else _BIG
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b  # R warns "_NOT_ converged"; a step function converges long before


def _interpolated_step(
    a: float,
    b: float,
    c: float,
    fa: float,
    fb: float,
    fc: float,
    bisection: float,
    prev_step: float,
    tol_act: float,
) -> float:
    """Secant or inverse quadratic step of Brent's method, or the bisection step if the
    interpolated point falls outside [b, c] or shrinks too slowly."""
    cb = c - b
    if a == c:  # two distinct points: linear interpolation
        t1 = fb / fa
        p = cb * t1
        q = 1.0 - t1
    else:  # inverse quadratic interpolation
        q, t1, t2 = fa / fc, fb / fc, fb / fa
        p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
        q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
    if p > 0:
        q = -q
    else:
        p = -p
    if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
        return p / q
    return bisection


def _uniroot(
    f: Callable[[float], float], lower: float, upper: float, f_lower: float, f_upper: float
) -> float:
    """R's ``uniroot(f, lower = , upper = , f.lower = , f.upper = , tol = tol.root)$root``."""
    if not (f_lower <= 0 <= f_upper or f_upper <= 0 <= f_lower):
        raise ValueError(
            f"no sign change between f({lower}) = {f_lower} and f({upper}) = {f_upper}"
        )
    return _zeroin(f, lower, upper, f_lower, f_upper, tol=ROOT_TOL)


# --------------------------------------------------------------------------- signed-rank test


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks of |x| with ties averaged (R's ``rank``; ties are exact floating-point equality)."""
    return stats.rankdata(np.abs(x), method="average")


def standardized_signed_rank(
    x: np.ndarray, shift: float, *, correct: bool, counts: np.ndarray | None = None
) -> float:
    """R's standardized signed-rank statistic of ``x - shift``: zeros dropped, tie-corrected
    variance, optional continuity correction toward zero; NaN when nothing is left.

    With ``counts``, ``x`` holds distinct values and ``counts`` how often each occurs: the same
    statistic from a compressed sample. Differences of Likert scale means take few distinct
    values, so a million pairs cost a sort of a few hundred numbers per evaluation.
    """
    counts = np.ones(len(x), dtype=np.int64) if counts is None else counts
    xd = x - shift
    keep = xd != 0
    xd, c = xd[keep], counts[keep]
    n = int(c.sum())
    magnitude = np.abs(xd)
    order = np.argsort(magnitude, kind="stable")
    magnitude, c, positive = magnitude[order], c[order], xd[order] > 0
    if not n:
        return math.nan
    group = np.cumsum(np.r_[True, magnitude[1:] != magnitude[:-1]]) - 1
    ties = np.bincount(group, weights=c).astype(np.int64)
    rank = (np.cumsum(ties) - ties) + (ties + 1) / 2  # ties share their average rank
    z = float(np.sum(c[positive] * rank[group[positive]])) - n * (n + 1) / 4
    variance = n * (n + 1) * (2 * n + 1) / 24 - int(np.sum(ties**3 - ties)) / 48
    if variance <= 0:
        return math.nan
    correction = math.copysign(0.5, z) if correct and z != 0 else 0.0
    return (z - correction) / math.sqrt(variance)


def _exact_path(x: np.ndarray, statistic: float, level: float) -> dict[str, object]:
    """Exact p; interval and estimate from the sorted Walsh averages (R's exact branch)."""
    n = len(x)
    total = n * (n + 1) // 2
    if statistic > total / 2:
        p = _psignrank(statistic - 1, n, lower_tail=False)
    else:
        p = _psignrank(statistic, n)
    walsh = np.sort(np.add.outer(x, x)[np.triu_indices(n)]) / 2
    alpha = 1 - level
    low_rank = max(_qsignrank(alpha / 2, n), 1)
    achieved_alpha = 2 * _psignrank(low_rank - 1, n)
    achieved, note = level, ""
    if achieved_alpha - alpha > alpha / 2:
        achieved = 1 - _signif(achieved_alpha, 2)
        note = _level_note(n, level, achieved)
    return {
        "p_value": min(2 * p, 1.0),
        "method": EXACT_METHOD,
        "estimate": float(np.median(walsh)),
        "ci_low": float(walsh[low_rank - 1]),
        "ci_high": float(walsh[total - low_rank]),
        "achieved_level": achieved,
        "note": note,
    }


def _level_note(n: int, level: float, achieved: float) -> str:
    return (
        f"with {n} nonzero differences the {level:g} level cannot be reached; the interval "
        f"is reported at level {achieved:g}, as R reports it"
    )


def _normal_interval(
    x: np.ndarray, level: float, values: np.ndarray, counts: np.ndarray
) -> tuple[float, float, float]:
    """Limits and achieved level by root-finding on the corrected statistic (R's branch),
    widening alpha as R does when the extremes cannot reach the requested level."""
    lo, hi = float(x.min()), float(x.max())
    w_lo = standardized_signed_rank(values, lo, correct=True, counts=counts)
    w_hi = standardized_signed_rank(values, hi, correct=True, counts=counts)
    alpha = 1 - level
    while w_lo - stats.norm.isf(alpha / 2) < 0 or w_hi - stats.norm.ppf(alpha / 2) > 0:
        alpha *= 2
    achieved = 1 - min(1.0, alpha) if alpha >= 1 or 1 - level < alpha * 0.75 else level
    if alpha >= 1:
        middle = float(np.median(x))
        return middle, middle, achieved

    def limit(zq: float) -> float:
        def gap(d: float) -> float:
            return standardized_signed_rank(values, d, correct=True, counts=counts) - zq

        return _uniroot(gap, lo, hi, w_lo - zq, w_hi - zq)

    return limit(stats.norm.isf(alpha / 2)), limit(stats.norm.ppf(alpha / 2)), achieved


def _normal_path(x: np.ndarray, level: float) -> dict[str, object]:
    """Normal-approximation p, and R's root-found estimate and interval."""
    values, counts = np.unique(x, return_counts=True)  # the same statistic, computed faster
    z = standardized_signed_rank(values, 0.0, correct=True, counts=counts)
    found = {
        "p_value": float(2 * min(stats.norm.cdf(z), stats.norm.sf(z))),
        "method": NORMAL_METHOD,
    }
    lo, hi = float(x.min()), float(x.max())
    if lo == hi:  # R: no interval when every nonzero difference is the same
        note = (
            "every nonzero difference is the same, so no interval can be computed; "
            "the estimate is their midrange, as in R"
        )
        nan = math.nan
        return {
            **found,
            "estimate": (lo + hi) / 2,
            "ci_low": nan,
            "ci_high": nan,
            "achieved_level": 0.0,
            "note": note,
        }
    ci_low, ci_high, achieved = _normal_interval(x, level, values, counts)

    def uncorrected(d: float) -> float:
        return standardized_signed_rank(values, d, correct=False, counts=counts)

    estimate = _uniroot(uncorrected, lo, hi, uncorrected(lo), uncorrected(hi))
    note = _level_note(len(x), level, achieved) if achieved != level else ""
    return {
        **found,
        "estimate": estimate,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "achieved_level": achieved,
        "note": note,
    }


def _too_few(d: np.ndarray, n_nonzero: int) -> str:
    if len(d) == 0:
        return "no pairs"
    if n_nonzero == 0:
        return f"all {len(d)} differences are zero, so there is nothing to rank"
    return (
        f"only {n_nonzero} nonzero difference(s); at least {MIN_NONZERO} are needed for a "
        "test, an estimate and an interval"
    )


def wilcoxon_signed_rank(
    post: np.ndarray, pre: np.ndarray, *, level: float = 0.95
) -> dict[str, object]:
    """Two-sided Wilcoxon signed-rank test of ``post - pre`` with the Hodges-Lehmann estimate.

    Reproduces ``wilcox.test(post, pre, paired = TRUE, conf.int = TRUE, conf.level = level)``
    of R 4.2 with its defaults (``exact = NULL``, ``correct = TRUE``, ``tol.root = 1e-4``).

    Parameters
    ----------
    post, pre
        Scores paired by participant (same length, no missing values).
    level
        Confidence level of the interval, strictly between 0 and 1.

    Returns
    -------
    dict
        ``statistic`` (V, the sum of the ranks of the positive differences), ``p_value``,
        ``method`` (:data:`EXACT_METHOD` or :data:`NORMAL_METHOD`), ``n_nonzero``,
        ``estimate`` (R's "(pseudo)median", the Hodges-Lehmann estimate), ``ci_low``,
        ``ci_high``, ``achieved_level`` (the level R attaches to the interval) and ``note``
        (why a number is missing or the level was lowered; "" otherwise). With fewer than two
        nonzero differences every number is NaN, ``method`` is "not computed" and ``note``
        says why.

    Raises
    ------
    ValueError
        When the arrays differ in length or hold missing values, or ``level`` is outside (0, 1).

    Notes
    -----
    Zero differences are dropped and the remaining n are ranked by absolute value, ties
    averaged. With n < 50, no ties and no zeros, the p-value comes from the exact null
    distribution; the estimate is the median of the n(n+1)/2 Walsh averages and the interval
    runs from the q-th smallest to the q-th largest of them, q = ``qsignrank((1 - level)/2,
    n)`` (at least 1). When that interval's coverage falls short of the level by more than
    half of alpha, R reports ``1 - signif(achieved alpha, 2)`` as its level, as here.

    Otherwise z = (V - n(n+1)/4 - 0.5 sign) / sigma, with sigma^2 = n(n+1)(2n+1)/24 - sum(t^3
    - t)/48 over tie groups t. The interval limits are the shifts d at which z of ``x - d``
    crosses the normal quantiles, and the estimate the shift at which the uncorrected z
    crosses zero, each found as R finds them (Brent's zero finder, tolerance 1e-4), so they
    lie within about 1e-4 of the jump points of the step function and match R's to rounding.
    Where the uncorrected z is exactly zero over a whole range of shifts, the estimate is
    wherever the search first lands in that range (as in R), so swapping post and pre need
    not give exactly the opposite estimate there.
    If the most extreme shifts cannot reach the level, alpha is doubled until they can, and
    the level reported as R does. When all nonzero differences are equal there is no
    interval and the estimate is their midrange (R's behaviour). R would also test a single
    nonzero difference (p = 1, an interval of level 0); here it is reported as not computed.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics Bulletin, 1(6),
    80-83.
    Hodges, J. L., & Lehmann, E. L. (1963). Estimates of location based on rank tests. Annals
    of Mathematical Statistics, 34, 598-611.
    Bauer, D. F. (1972). Constructing confidence sets using rank statistics. Journal of the
    American Statistical Association, 67, 687-690.
    Brent, R. P. (1973). Algorithms for Minimization without Derivatives. Prentice-Hall.
    """
    _check_level(level)
    d = _paired_differences(post, pre)
    x = d[d != 0]
    n = len(x)
    if n < MIN_NONZERO:
        nan = math.nan
        return {
            "statistic": nan,
            "p_value": nan,
            "method": "not computed",
            "n_nonzero": n,
            "estimate": nan,
            "ci_low": nan,
            "ci_high": nan,
            "achieved_level": nan,
            "note": _too_few(d, n),
        }
    ranks = _ranks(x)
    statistic = float(ranks[x > 0].sum())
    exact = n < EXACT_MAX_N and len(np.unique(ranks)) == n and n == len(d)
    found = _exact_path(x, statistic, level) if exact else _normal_path(x, level)
    return {"statistic": statistic, "n_nonzero": n, **found}


# --------------------------------------------------------------------------- effect size


def matched_rank_biserial(
    post: np.ndarray, pre: np.ndarray, *, level: float = 0.95
) -> dict[str, object]:
    """Matched-pairs rank-biserial correlation of ``post - pre`` with its Fisher-z interval.

    Reproduces ``effectsize::rank_biserial(post, pre, paired = TRUE, ci = level)`` of
    effectsize 0.8.3.

    Parameters
    ----------
    post, pre
        Scores paired by participant (same length, no missing values).
    level
        Confidence level of the interval, strictly between 0 and 1.

    Returns
    -------
    dict
        ``value`` (positive when post exceeds pre), ``ci_low``, ``ci_high`` and ``note``
        (why the numbers are missing; "" otherwise). With fewer than two nonzero differences
        the numbers are NaN.

    Raises
    ------
    ValueError
        When the arrays differ in length or hold missing values, or ``level`` is outside (0, 1).

    Notes
    -----
    Over the n nonzero differences ranked by absolute value (ties averaged),
    r = W+/S - W-/S with S = n(n+1)/2, the simple difference formula (Kerby 2014). The interval
    is tanh(atanh(r) -/+ z SE) with SE = sqrt((2m^3 + 3m^2 + m)/6) / ((m^2 + m)/2). Like
    effectsize 0.8.3, m counts the nonzero *post* values, not the nonzero differences (usually
    all pairs, as scores are rarely zero); so the interval is not symmetric under swapping
    post and pre when one of them holds zeros. When r = +-1 the interval is [r, r].

    One deliberate difference: effectsize ranks a constant vector of differences as all
    positive and so reports r = +1 when every participant declined by the same amount; here
    r is -1 then.

    References
    ----------
    Kerby, D. S. (2014). The simple difference formula: An approach to teaching nonparametric
    correlation. Comprehensive Psychology, 3, 11.IT.3.1.
    Ben-Shachar, M. S., Lüdecke, D., & Makowski, D. (2020). effectsize: Estimation of effect
    size indices and standardized parameters. Journal of Open Source Software, 5(56), 2815.
    """
    _check_level(level)
    d = _paired_differences(post, pre)
    x = d[d != 0]
    n = len(x)
    if n < MIN_NONZERO:
        return {"value": math.nan, "ci_low": math.nan, "ci_high": math.nan, "note": _too_few(d, n)}
    ranks = _ranks(x)
    total = n * (n + 1) / 2
    value = float(ranks[x > 0].sum()) / total - float(ranks[x < 0].sum()) / total
    m = int(np.count_nonzero(np.asarray(post, dtype=float)))  # effectsize 0.8.3's count
    if m == 0:
        return {
            "value": value,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "note": "every post value is zero, so effectsize's standard error is undefined",
        }
    se = math.sqrt((2 * m**3 + 3 * m**2 + m) / 6) / ((m**2 + m) / 2)
    half_width = stats.norm.ppf(1 - (1 - level) / 2) * se
    centre = math.copysign(math.inf, value) if abs(value) == 1 else math.atanh(value)
    return {
        "value": value,
        "ci_low": math.tanh(centre - half_width),
        "ci_high": math.tanh(centre + half_width),
        "note": "",
    }


# --------------------------------------------------------------------------- one-sided test


def wilcoxon_one_sided(
    post: np.ndarray, pre: np.ndarray, *, alternative: str = "greater"
) -> dict[str, object]:
    """One-sided Wilcoxon signed-rank test of ``post - pre`` (p-value only).

    Reproduces the p-value of ``wilcox.test(post, pre, paired = TRUE, alternative =
    alternative)`` of R 4.2 with its defaults, as JASP's one-sided Wilcoxon reports it.

    Parameters
    ----------
    post, pre
        Scores paired by participant (same length, no missing values).
    alternative
        ``"greater"`` (post tends to exceed pre) or ``"less"``.

    Returns
    -------
    dict
        ``statistic`` (V), ``p_value``, ``method`` (:data:`EXACT_METHOD` or
        :data:`NORMAL_METHOD`), ``n_nonzero``, ``alternative`` and ``note``.

    Notes
    -----
    The same path as :func:`wilcoxon_signed_rank`: exact with fewer than 50 nonzero
    differences and no ties or zeros, "greater" p = P(V >= v), "less" p = P(V <= v);
    otherwise z = (V - n(n+1)/4 - c) / sigma with the continuity correction c = +1/2 for
    "greater" and -1/2 for "less" (R's choice) and the upper or lower normal tail.

    References
    ----------
    Wilcoxon, F. (1945). Biometrics Bulletin, 1(6), 80-83.
    """
    if alternative not in ("greater", "less"):
        raise ValueError(f"alternative must be 'greater' or 'less'; got {alternative!r}")
    d = _paired_differences(post, pre)
    x = d[d != 0]
    n = len(x)
    base = {"n_nonzero": n, "alternative": alternative}
    if n < MIN_NONZERO:
        return {
            **base,
            "statistic": math.nan,
            "p_value": math.nan,
            "method": "not computed",
            "note": _too_few(d, n),
        }
    ranks = _ranks(x)
    statistic = float(ranks[x > 0].sum())
    if n < EXACT_MAX_N and len(np.unique(ranks)) == n and n == len(d):
        p = (
            _psignrank(statistic - 1, n, lower_tail=False)
            if alternative == "greater"
            else _psignrank(statistic, n)
        )
        return {**base, "statistic": statistic, "p_value": p, "method": EXACT_METHOD, "note": ""}
    ties = np.unique(ranks, return_counts=True)[1]
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - float(np.sum(ties**3 - ties)) / 48)
    shift = 0.5 if alternative == "greater" else -0.5
    z = (statistic - n * (n + 1) / 4 - shift) / sigma
    p = stats.norm.sf(z) if alternative == "greater" else stats.norm.cdf(z)
    return {
        **base,
        "statistic": statistic,
        "p_value": float(p),
        "method": NORMAL_METHOD,
        "note": "",
    }
