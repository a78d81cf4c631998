"""Random-effects meta-analysis: pooling the programs of a portfolio, each one standardized
effect ``yi`` with its sampling variance ``vi`` (:mod:`pipeline.stats.change_effects`).

Every number matches R's metafor 3.8 (``rma``, ``predict``), computed by
``tests/reference/meta.R``.

Pooling (metafor ``rma`` 3.8)
-----------------------------
With weights w_i = 1 / (v_i + tau^2) and design matrix X (a column of ones, or the dummy coding
of a subgroup factor), b = (X'WX)^-1 X'Wy and Var(b) = (X'WX)^-1. tau^2 is estimated by REML
(Fisher scoring to |change| < 1e-10, truncated at 0; Harville 1977; Viechtbauer 2005),
started as metafor does at Hedges' (1983) estimate, since the restricted likelihood can have
two maxima; or by the DerSimonian-Laird moment estimator tau^2 = max(0, (Q - (k - p)) / tr(P))
with P = W - WX(X'WX)^-1X'W at W = diag(1/v) (DerSimonian & Laird 1986; Raudenbush 2009 for
p > 1). Q is Cochran's statistic
from the fixed-effect fit; I^2 = 100 tau^2 / (tau^2 + s^2) and H^2 = (tau^2 + s^2) / s^2 use the
typical within-study variance s^2 = (k - p) / tr(P) (Higgins & Thompson 2002). The Hartung-Knapp
adjustment (``test="knha"``) multiplies Var(b) by y'Py/(k - p) at the estimated tau^2, WITHOUT
truncating that factor at 1 (metafor's default), and uses t with k - p df (Hartung & Knapp 2001).
The prediction interval is b ± crit sqrt(SE^2 + tau^2), crit from t(k - p) with Hartung-Knapp
and from the normal otherwise (metafor ``predict``; Riley et al. 2011).

References
----------
Becker, B. J. (1988). Synthesizing standardized mean-change measures. British Journal of
Mathematical and Statistical Psychology, 41(2), 257-278.
DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials. Controlled Clinical
Trials, 7(3), 177-188.
Gibbons, R. D., Hedeker, D. R., & Davis, J. M. (1993). Estimation of effect size from a series of
experiments involving paired comparisons. Journal of Educational Statistics, 18(3), 271-279.
Harville, D. A. (1977). Maximum likelihood approaches to variance component estimation and to
related problems. Journal of the American Statistical Association, 72(358), 320-338.
Hartung, J., & Knapp, G. (2001). On tests of the overall treatment effect in meta-analysis with
normally distributed responses. Statistics in Medicine, 20(12), 1771-1782.
Hedges, L. V. (1983). A random effects model for effect sizes. Psychological Bulletin, 93(2),
388-395.
Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a meta-analysis.
Statistics in Medicine, 21(11), 1539-1558.
Morris, S. B. (2000). Distribution of the standardized mean change effect size for meta-analysis
on repeated measures. British Journal of Mathematical and Statistical Psychology, 53, 17-29.
Morris, S. B. (2008). Estimating effect sizes from pretest-posttest-control group designs.
Organizational Research Methods, 11(2), 364-386.
Raudenbush, S. W. (2009). Analyzing effect sizes: Random-effects models. In H. Cooper et al.
(Eds.), The Handbook of Research Synthesis and Meta-Analysis (2nd ed., pp. 295-315).
Riley, R. D., Higgins, J. P. T., & Deeks, J. J. (2011). Interpretation of random effects
meta-analyses. BMJ, 342, d549.
Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the
random-effects model. Journal of Educational and Behavioral Statistics, 30(3), 261-293.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. Journal of
Statistical Software, 36(3), 1-48.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, stats

from pipeline.stats.change_effects import positions_text

__all__ = ["METHODS", "RandomEffectsResult", "SubgroupResult", "random_effects", "subgroups"]

Method = Literal["REML", "DL"]
METHODS = ("REML", "DL")
#: REML stops when tau^2 changes by less than this (metafor's default is 1e-5).
TOLERANCE = 1e-10
MAX_ITER = 1000


# --- pooling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RandomEffectsResult:
    """One random-effects fit (see the module docstring for the formulas).

    ``test`` is "z" or "t"; ``df`` is k - 1 for "t" and NaN for "z". ``tau2_se`` is the
    REML Fisher-information SE sqrt(2 / tr(PP)) and NaN for DL. ``I2`` is in percent.
    """

    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    test: str
    statistic: float
    df: float
    p_value: float
    pi_low: float
    pi_high: float
    tau2: float
    tau2_se: float
    I2: float
    H2: float
    Q: float
    Q_df: int
    Q_p: float
    method: str
    hk: bool
    level: float
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        """The fields as one tidy row (``subgroups`` stacks these)."""
        return asdict(self)


@dataclass(frozen=True)
class SubgroupResult:
    """Per-level random-effects fits and metafor's test of subgroup differences.

    ``levels`` holds one row per level (the fields of :class:`RandomEffectsResult` plus
    ``group``). The test comes from the mixed-effects model ``rma(yi, vi, mods = ~ factor(g))``:
    ``QM`` is the omnibus Wald chi-square on ``QM_df`` = levels - 1 df, or, with Hartung-Knapp,
    an F statistic on (``QM_df``, ``QM_df2`` = k - levels) df. ``tau2_resid`` and ``I2_resid``
    are the residual heterogeneity, ``QE`` the residual Cochran Q on k - levels df, and ``R2``
    (percent) = max(0, 100 (tau2_RE - tau2_resid) / tau2_RE), 0 when tau2_RE = 0, with tau2_RE
    from the model without the factor.
    """

    levels: pd.DataFrame
    QM: float
    QM_df: int
    QM_df2: float
    QM_p: float
    test: str
    tau2_resid: float
    I2_resid: float
    QE: float
    QE_df: int
    QE_p: float
    R2: float
    method: str
    hk: bool
    note: str = ""


@dataclass(frozen=True)
class _Fit:
    """The internal weighted least squares fit shared by both public functions."""

    b: np.ndarray
    vb: np.ndarray
    tau2: float
    tau2_se: float
    s2: float
    Q: float
    df_resid: int


def _as_effects(yi: ArrayLike, vi: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    if y.size != v.size:
        raise ValueError(f"yi has {y.size} value(s) but vi has {v.size}; expected one per program")
    if y.size == 0:
        raise ValueError("no programs to pool: yi and vi are empty; expected at least one")
    for name, values in (("yi", y), ("vi", v)):
        if not np.all(np.isfinite(values)):
            bad = ~np.isfinite(values)
            raise ValueError(f"{name} is missing or infinite at position(s) {positions_text(bad)}")
    if np.any(v <= 0):
        raise ValueError(
            f"vi is {v[v <= 0][:5].tolist()} at position(s) {positions_text(v <= 0)}; "
            "expected sampling variances above 0"
        )
    return y, v


def _projection(v: np.ndarray, X: np.ndarray, tau2: float) -> tuple[np.ndarray, np.ndarray]:
    """P = W - WX(X'WX)^-1X'W at W = diag(1/(v + tau2)), and (X'WX)^-1."""
    w = 1 / (v + tau2)
    wx = X * w[:, None]
    vb = np.linalg.inv(X.T @ wx)
    return np.diag(w) - wx @ vb @ wx.T, vb


def _restricted_loglik(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float) -> float:
    P, vb = _projection(v, X, tau2)
    return -0.5 * (np.sum(np.log(v + tau2)) - np.linalg.slogdet(vb)[1] + y @ P @ y)


def _hedges(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    """Hedges' (1983) moment estimator from the unweighted fit, REML's starting value as in
    metafor (the restricted likelihood can have two maxima; the start decides which is found):
    tau^2 = max(0, (e'e - tr((I - H)V)) / (k - p)), H = X(X'X)^-1X', e = (I - H)y."""
    k, p = X.shape
    residual_maker = np.eye(k) - X @ np.linalg.pinv(X)
    e = residual_maker @ y
    return max(0.0, float(e @ e - residual_maker.diagonal() @ v) / (k - p))


def _reml_score(y: np.ndarray, v: np.ndarray, X: np.ndarray, tau2: float) -> float:
    """The derivative of the restricted log-likelihood in tau^2: (y'PPy - tr(P)) / 2."""
    P, _ = _projection(v, X, tau2)
    Py = P @ y
    return 0.5 * float(Py @ Py - np.trace(P))


def _reml(y: np.ndarray, v: np.ndarray, X: np.ndarray, start: float) -> float:
    """Fisher scoring on the restricted likelihood, step-halving if a step lowers it and
    truncating at 0 (Viechtbauer 2005; Harville 1977).

    Where the expected information differs much from the observed one, Fisher scoring can
    swing around the maximum with growing steps (metafor 3.8 stops there with "Fisher
    scoring algorithm did not converge"). When a step reverses the previous one without
    being smaller, the maximum lies between the two points, where the score changes sign;
    it is then found by Brent's method on the score.
    """
    tau2, before, previous = start, start, 0.0
    for _ in range(MAX_ITER):
        P, _ = _projection(v, X, tau2)
        Py = P @ y
        step = (Py @ Py - np.trace(P)) / np.sum(P * P)
        current = _restricted_loglik(y, v, X, tau2)
        new = max(0.0, float(tau2 + step))
        for _ in range(60):  # a Fisher step can overshoot on a flat likelihood
            if _restricted_loglik(y, v, X, new) >= current - 1e-12 * abs(current):
                break
            new = max(0.0, tau2 + (new - tau2) / 2)
        if abs(new - tau2) < TOLERANCE:
            return float(new)
        move = new - tau2
        if previous * move < 0 and min(before, tau2) > 0:
            # the score changed sign between the last two points (the moves follow its sign):
            # swinging around the maximum, with steps growing or shrinking too slowly to
            # converge, so the root of the score is found between them
            low, high = sorted((before, tau2))
            return float(optimize.brentq(lambda t: _reml_score(y, v, X, t), low, high, xtol=1e-15))
        before, tau2, previous = tau2, new, move
    raise RuntimeError(f"REML did not converge to {TOLERANCE} within {MAX_ITER} iterations")


def _weighted_rss(
    y: np.ndarray, v: np.ndarray, X: np.ndarray, vb: np.ndarray, tau2: float
) -> float:
    """sum w_i (y_i - x_i'b)^2 = y'Py, from residuals (the quadratic form loses digits)."""
    w = 1 / (v + tau2)
    b = vb @ (X.T @ (w * y))
    return float(np.sum(w * (y - X @ b) ** 2))


def _fit(y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str, hk: bool) -> _Fit:
    """Cochran's Q, tau^2 by ``method`` and the (Hartung-Knapp scaled) coefficients."""
    k, p = X.shape
    df_resid = k - p
    P0, vb0 = _projection(v, X, 0.0)
    Q = _weighted_rss(y, v, X, vb0, 0.0)
    trace0 = float(np.trace(P0))
    s2 = df_resid / trace0 if df_resid > 0 else math.nan
    if df_resid == 0:
        tau2 = 0.0
    else:
        tau2 = max(0.0, float(Q - df_resid) / trace0)  # DerSimonian-Laird
        if method == "REML":
            tau2 = _reml(y, v, X, _hedges(y, v, X))
    P, vb = _projection(v, X, tau2)
    b = vb @ (X.T @ (y / (v + tau2)))
    tau2_se = math.sqrt(2 / np.sum(P * P)) if method == "REML" and df_resid > 0 else math.nan
    if hk and df_resid > 0:
        vb = vb * _weighted_rss(y, v, X, vb, tau2) / df_resid  # not truncated at 1 (metafor 3.8)
    return _Fit(b, vb, tau2, tau2_se, s2, Q, df_resid)


def _check_options(method: str, level: float) -> None:
    if method not in METHODS:
        raise ValueError(f"method is {method!r}; expected one of {METHODS}")
    if not 0 < level < 1:
        raise ValueError(f"level is {level!r}; expected a confidence level strictly in (0, 1)")


def random_effects(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: Method = "REML",
    hk: bool = False,
    level: float = 0.95,
) -> RandomEffectsResult:
    """Pool program effects with a random-effects model, as metafor's ``rma`` and ``predict``.

    Parameters
    ----------
    yi, vi
        Effects and their sampling variances (all finite, every ``vi`` above 0).
    method
        "REML" (restricted maximum likelihood) or "DL" (DerSimonian-Laird).
    hk
        Hartung-Knapp adjustment (metafor ``test="knha"``): SE scaled by the untruncated
        factor, t tests and intervals on k - 1 df.
    level
        Confidence level of the CI and the prediction interval.

    Returns
    -------
    RandomEffectsResult
        With one program, tau2 = 0, I2 = 0, H2 = 1, Q = 0 on 0 df (Q_p = 1), normal-based
        CI even with ``hk`` (as metafor), no prediction interval, and a note saying so.

    Notes
    -----
    See the module docstring; R: ``rma(yi, vi, method=, test=, level=,
    control=list(threshold=1e-12))`` and ``predict()`` for the prediction interval.

    References
    ----------
    Viechtbauer, W. (2010). Journal of Statistical Software, 36(3), 1-48.
    Hartung, J., & Knapp, G. (2001). Statistics in Medicine, 20(12), 1771-1782.
    """
    _check_options(method, level)
    y, v = _as_effects(yi, vi)
    k = y.size
    fit = _fit(y, v, np.ones((k, 1)), method, hk)
    use_t = hk and k > 1
    df = float(k - 1) if use_t else math.nan
    dist = stats.t(df) if use_t else stats.norm()
    crit = float(dist.ppf(1 - (1 - level) / 2))
    estimate, se = float(fit.b[0]), math.sqrt(fit.vb[0, 0])
    statistic = _ratio(estimate, se)
    spread = crit * math.sqrt(se**2 + fit.tau2) if k > 1 else math.nan
    I2, H2 = _heterogeneity(fit.tau2, fit.s2)
    return RandomEffectsResult(
        k=k,
        estimate=estimate,
        se=se,
        ci_low=estimate - crit * se,
        ci_high=estimate + crit * se,
        test="t" if use_t else "z",
        statistic=statistic,
        df=df,
        p_value=float(2 * dist.sf(abs(statistic))),
        pi_low=estimate - spread,
        pi_high=estimate + spread,
        tau2=fit.tau2,
        tau2_se=fit.tau2_se,
        I2=I2,
        H2=H2,
        Q=fit.Q,
        Q_df=fit.df_resid,
        Q_p=float(stats.chi2.sf(fit.Q, fit.df_resid)) if fit.df_resid > 0 else 1.0,
        method=method,
        hk=hk,
        level=level,
        note=_fit_note(k, hk, se),
    )


def _ratio(estimate: float, se: float) -> float:
    """estimate / se, with R's inf or NaN where the Hartung-Knapp SE is 0."""
    if se > 0:
        return estimate / se
    return math.copysign(math.inf, estimate) if estimate != 0 else math.nan


def _fit_note(k: int, hk: bool, se: float) -> str:
    if k == 1:
        note = "one program: no heterogeneity to estimate and no prediction interval"
        return note + ("; Hartung-Knapp needs two or more, the normal was used" if hk else "")
    if se == 0:
        return "identical effects: the Hartung-Knapp factor and the SE are 0"
    return ""


def _heterogeneity(tau2: float, s2: float) -> tuple[float, float]:
    """I^2 (percent) and H^2 from tau^2 and the typical within-study variance; 0 and 1 when
    nothing is left to estimate them from (metafor's values for k = p)."""
    if math.isnan(s2):
        return 0.0, 1.0
    return 100 * tau2 / (tau2 + s2), (tau2 + s2) / s2


def _group_codes(groups: ArrayLike, k: int) -> pd.Categorical:
    labels = pd.Series(np.asarray(groups, dtype=object).ravel())
    if labels.size != k:
        raise ValueError(f"groups has {labels.size} value(s) but yi has {k}; expected one each")
    if labels.isna().any():
        missing = positions_text(labels.isna().to_numpy())
        raise ValueError(f"groups is missing at position(s) {missing}")
    original = groups if isinstance(groups, pd.Categorical | pd.Series) else None
    if original is not None and isinstance(original.dtype, pd.CategoricalDtype):
        codes = pd.Categorical(labels, categories=original.dtype.categories)
        return codes.remove_unused_categories()
    return pd.Categorical(labels)


def subgroups(
    yi: ArrayLike,
    vi: ArrayLike,
    groups: ArrayLike,
    *,
    method: Method = "REML",
    hk: bool = False,
    level: float = 0.95,
) -> SubgroupResult:
    """Random-effects fits per subgroup and the test of subgroup differences.

    Parameters
    ----------
    yi, vi
        Effects and their sampling variances.
    groups
        The subgroup of each program (levels in sorted order, or a categorical's order).
        Levels with one program are allowed; their row says so in ``note``.
    method, hk, level
        As in :func:`random_effects`, for every fit.

    Returns
    -------
    SubgroupResult
        ``levels`` (one row per level) and the omnibus test; when the model has no residual df
        (every level holds one program) or one level, the test fields are NaN and ``note``
        says why.

    Notes
    -----
    The test is metafor's mixed-effects meta-regression on a categorical moderator, R:
    ``rma(yi, vi, mods = ~ factor(g), method=, test=)``: one common residual tau^2 (estimated
    by ``method`` with p = number of levels), QM = b_-1' Var(b_-1)^-1 b_-1 over the non-
    reference coefficients (chi-square, or QM / (levels - 1) on F(levels - 1, k - levels) with
    Hartung-Knapp). The per-level fits each estimate their own tau^2, so their spread need not
    agree with QM.

    References
    ----------
    Raudenbush, S. W. (2009). In The Handbook of Research Synthesis and Meta-Analysis, 295-315.
    Viechtbauer, W. (2010). Journal of Statistical Software, 36(3), 1-48.
    """
    _check_options(method, level)
    y, v = _as_effects(yi, vi)
    codes = _group_codes(groups, y.size)
    rows = []
    for position, name in enumerate(codes.categories):
        inside = codes.codes == position
        fit = random_effects(y[inside], v[inside], method=method, hk=hk, level=level)
        rows.append({"group": name, **fit.as_dict()})
    levels = pd.DataFrame(rows)
    return _omnibus(y, v, codes, levels, method=method, hk=hk)


def _omnibus(
    y: np.ndarray, v: np.ndarray, codes: pd.Categorical, levels: pd.DataFrame, *, method, hk
) -> SubgroupResult:
    k, m = y.size, len(codes.categories)
    X = np.column_stack([np.ones(k)] + [codes.codes == j for j in range(1, m)]).astype(float)
    if m < 2 or k - m < 1:
        why = "one subgroup only" if m < 2 else "every subgroup holds one program"
        nan = math.nan
        return SubgroupResult(
            levels=levels, QM=nan, QM_df=m - 1, QM_df2=nan, QM_p=nan, test="",
            tau2_resid=nan, I2_resid=nan, QE=nan, QE_df=k - m, QE_p=nan, R2=nan,
            method=method, hk=hk, note=f"{why}: no test of subgroup differences",
        )  # fmt: skip
    fit = _fit(y, v, X, method, hk)
    b, vb = fit.b[1:], fit.vb[1:, 1:]
    try:
        QM = float(b @ np.linalg.solve(vb, b))
    except np.linalg.LinAlgError:  # a Hartung-Knapp factor of 0 (identical fitted effects)
        QM = math.nan
    if hk:
        QM, QM_df2 = QM / (m - 1), float(k - m)
        QM_p = float(stats.f.sf(QM, m - 1, k - m))
    else:
        QM_df2, QM_p = math.nan, float(stats.chi2.sf(QM, m - 1))
    pooled = _fit(y, v, np.ones((k, 1)), method, False).tau2
    R2 = max(0.0, 100 * (pooled - fit.tau2) / pooled) if pooled > 0 else 0.0
    return SubgroupResult(
        levels=levels,
        QM=QM,
        QM_df=m - 1,
        QM_df2=QM_df2,
        QM_p=QM_p,
        test="F" if hk else "chi2",
        tau2_resid=fit.tau2,
        I2_resid=_heterogeneity(fit.tau2, fit.s2)[0],
        QE=fit.Q,
        QE_df=fit.df_resid,
        QE_p=float(stats.chi2.sf(fit.Q, fit.df_resid)),
        R2=R2,
        method=method,
        hk=hk,
    )
