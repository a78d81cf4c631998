"""Reliability and item statistics of a scale, from its (keyed) item responses.

Everything is computed from the item covariance matrix, estimated either from complete cases
(``listwise``) or from each pair of items' complete cases (``pairwise``, as R's psych::alpha
does by default), so the missing-data rule is one choice stated once.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.stats.threads import single_threaded_blas

__all__ = [
    "critical_r",
    "cronbach_alpha",
    "feldt_ci",
    "item_correlation",
    "item_covariance",
    "item_moments",
    "item_statistics",
    "omega_total",
    "one_factor_minres",
    "pairwise_moments",
    "standardized_alpha",
]

Missing = Literal["pairwise", "listwise"]


@single_threaded_blas  # k x k results: more threads only wait for each other
def pairwise_moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Covariances (ddof = 1) and variances of every pair of columns over the rows where both
    are answered, by matrix products instead of a loop over pairs.

    Returns ``cov``, ``var_given`` (``var_given[i, j]`` is the variance of column i over the
    rows where j is answered too) and the pair counts. Columns are centred first, which keeps
    the sums small; pairs with fewer than 2 rows get NaN, as in pandas.
    """
    present = ~np.isnan(values)
    mask = present.astype(float)
    # One working copy of the answers (blanks as 0), centred and then squared in place: each
    # step's own copy held four tables the size of the answers at once (1.3 GB for a
    # 40-item scale of 1,000,000 participants). A column's mean is nanmean's: the sum of
    # its answers over their count (a column without answers is centred on 0).
    x = np.where(present, values, 0.0)
    answered = present.sum(axis=0)
    with np.errstate(invalid="ignore"):  # no rows at all: NaN, as nanmean gives
        centre = x.sum(axis=0) / np.where(answered > 0, answered, len(x))
    np.subtract(x, centre, out=x)
    x[~present] = 0.0
    n = mask.T @ mask
    sums = x.T @ mask  # sums[i, j]: column i summed over rows where j is answered
    cross = x.T @ x
    squares = np.multiply(x, x, out=x).T @ mask
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (cross - sums * sums.T / n) / (n - 1)
        var_given = (squares - sums * sums / n) / (n - 1)
    cov[n < 2] = np.nan
    var_given[n < 2] = np.nan
    return cov, var_given, n


def item_moments(items: pd.DataFrame, *, use: Missing) -> tuple[np.ndarray, np.ndarray, int]:
    """Covariance matrix (ddof = 1), Pearson correlations and the n they rest on, from one
    pass over the answers (:func:`item_covariance` and :func:`item_correlation` in one).

    ``listwise`` keeps complete cases only (n = their number); ``pairwise`` uses each pair's
    complete cases (n = respondents with at least one answer, as psych::alpha counts them),
    and each pair's own means and SDs for the correlations (as pandas and R's
    ``use = "pairwise"`` compute them).
    """
    values = items.to_numpy(dtype=float)
    if use == "listwise":
        values = values[~np.isnan(values).any(axis=1)]
        n = len(values)
    else:
        n = int((~np.isnan(values).all(axis=1)).sum())
    cov, var_given, _ = pairwise_moments(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.sqrt(var_given * var_given.T)
    return cov, corr, n


def item_covariance(items: pd.DataFrame, *, use: Missing) -> tuple[np.ndarray, int]:
    """Covariance matrix (ddof = 1) of the items and the n it rests on (see
    :func:`item_moments`)."""
    cov, _, n = item_moments(items, use=use)
    return cov, n


def item_correlation(items: pd.DataFrame, *, use: Missing) -> np.ndarray:
    """Pearson correlations of the items, from complete cases or from each pair's (see
    :func:`item_moments`)."""
    return item_moments(items, use=use)[1]


def cronbach_alpha(cov: np.ndarray) -> float:
    """Cronbach's (1951) alpha: k/(k-1) (1 - trace(C) / sum(C))."""
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def standardized_alpha(cov: np.ndarray) -> float:
    """Alpha of the standardized items: k/(k-1) (1 - k / sum(R))."""
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    k = cov.shape[0]
    return k / (k - 1) * (1 - k / corr.sum())


def feldt_ci(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt (1965) confidence interval of alpha from the F distribution.

    Lower = 1 - (1 - alpha) F(1 - a/2; n-1, (n-1)(k-1)); upper uses F(a/2), with a = 1 - level,
    as psych::alpha.ci computes it.
    """
    tail = (1 - level) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return float(low), float(high)


@single_threaded_blas  # item-total r: dot products of two columns, threads only wait
def item_statistics(items: pd.DataFrame, cov: np.ndarray) -> pd.DataFrame:
    """Per item: item-total r, corrected item-total (item-rest) r, and alpha if deleted.

    The item-total r is the Pearson r of the item with each respondent's mean of answered items
    (the "r hitung" of Indonesian practice; psych's ``raw.r``), over the respondents who
    answered the item. The item-rest r and alpha if deleted come from the covariance matrix:
    the rest's covariance is sum(C) - 2 sum_j C_ij + C_ii (psych's ``r.drop``).
    """
    total = cov.sum()
    row = cov.sum(axis=1)
    var = np.diag(cov)
    rest_var = total - 2 * row + var
    keep = ~np.eye(len(var), dtype=bool)
    drop = [
        cronbach_alpha(cov[np.ix_(keep[i], keep[i])]) if len(var) > 2 else np.nan
        for i in range(len(var))
    ]
    person_mean = items.mean(axis=1)
    return pd.DataFrame(
        {
            "r_item_total": items.corrwith(person_mean).to_numpy(),
            "r_item_rest": (row - var) / np.sqrt(var * rest_var),
            "alpha_if_deleted": drop,
        }
    )


def one_factor_minres(corr: np.ndarray, *, tol: float = 1e-12, max_iter: int = 10_000):
    """Loadings of one factor fitted by minimum residuals (unweighted least squares).

    Iterated principal axes until the communalities stop changing: at convergence the
    off-diagonal residuals are least squares, the solution psych::fa(fm = "minres") reaches by
    optimization. Communalities start at the squared multiple correlations.

    Returns the loadings (sign chosen so that they sum positive) and whether it converged.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            communality = 1 - 1 / np.diag(np.linalg.inv(corr))
        except np.linalg.LinAlgError:  # exactly singular
            communality = np.full(len(corr), np.nan)
    # Collinear items make the matrix (nearly) singular: the squared multiple correlations are
    # then infinite or outside [0, 1], and a neutral start serves better.
    if not (np.isfinite(communality).all() and (communality >= 0).all()):
        communality = np.full(len(corr), 0.5)
    communality = np.minimum(communality, 1.0)
    reduced = corr.copy()
    for _ in range(max_iter):
        np.fill_diagonal(reduced, communality)
        values, vectors = np.linalg.eigh(reduced)
        loadings = vectors[:, -1] * math.sqrt(max(values[-1], 0.0))
        new = np.minimum(loadings**2, 1.0)
        if np.max(np.abs(new - communality)) < tol:
            return loadings * np.sign(loadings.sum() or 1), True
        communality = new
    return loadings * np.sign(loadings.sum() or 1), False


def omega_total(corr: np.ndarray) -> tuple[float, bool]:
    """McDonald's (1999) omega total of a one-factor model of the correlation matrix.

    omega = (sum lambda)^2 / ((sum lambda)^2 + sum(1 - lambda^2)), loadings from
    :func:`one_factor_minres`. Returns omega and whether the factor solution converged (NaN
    and False when a correlation is undefined, e.g. an item without variance in a pair).
    """
    if not np.isfinite(corr).all():
        return float("nan"), False
    loadings, converged = one_factor_minres(corr)
    common = loadings.sum() ** 2
    return float(common / (common + np.sum(1 - loadings**2))), converged


def critical_r(n: int, *, alpha: float = 0.05, df: int | None = None) -> float:
    """Critical Pearson r of a two-tailed test: r = t / sqrt(df + t^2), df = n - 2 by default.

    This is what Indonesian "r tabel" tables list (for example N = 30 gives 0.361).
    """
    df = n - 2 if df is None else df
    t = stats.t.ppf(1 - alpha / 2, df)
    return float(t / math.sqrt(df + t * t))
