"""Linear models of a pre/post design: ANCOVA, mixed ANOVA, gain scores, subgroup interactions.

Every function takes a tidy DataFrame and returns plain numbers. Differences are signed
treatment minus control, so a positive number favours the program. When the data cannot carry
an analysis (an arm with fewer than 2 participants, a subgroup with one level, scores without
spread) the numbers are NaN and ``note`` says why; nothing raises for thin data.

Each function matches one R call, named in its docstring and computed by
``tests/reference/models.R``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from pipeline.stats.effsize import hedges_correction, noncentral_t_ci
from pipeline.stats.threads import single_threaded_blas

__all__ = [
    "ancova",
    "gain_comparison",
    "mixed_anova",
    "partial_eta_squared_ci",
    "subgroup_interaction",
]

TREATMENT, CONTROL = "treatment", "control"
#: Residual sums of squares below this share of the total are treated as an exact fit.
_EXACT_FIT = 1e-12
#: Rounding floor of a residual SS relative to the raw (uncentred) SS of the response.
_ROUNDING = 1e-20
EPS = float(np.finfo(float).eps)

ANCOVA_KEYS = (
    "adjusted_difference",
    "ci_low",
    "ci_high",
    "se",
    "t",
    "df_resid",
    "F",
    "p_value",
    "partial_eta_squared",
    "partial_eta_squared_ci_low",
    "partial_eta_squared_ci_high",
    "adjusted_mean_treatment",
    "adjusted_mean_control",
    "slopes_F",
    "slopes_df1",
    "slopes_df2",
    "slopes_p_value",
)
GAIN_KEYS = (
    "t",
    "df",
    "p_value",
    "difference",
    "ci_low",
    "ci_high",
    "hedges_g",
    "g_ci_low",
    "g_ci_high",
)
MIXED_COLUMNS = (
    "effect",
    "n",
    "F",
    "df1",
    "df2",
    "p_value",
    "partial_eta_squared",
    "partial_eta_squared_ci_low",
    "partial_eta_squared_ci_high",
    "note",
)
F_KEYS = (
    "F",
    "df1",
    "df2",
    "p_value",
    "partial_eta_squared",
    "partial_eta_squared_ci_low",
    "partial_eta_squared_ci_high",
)


def partial_eta_squared_ci(
    f: float, df1: float, df2: float, *, level: float = 0.95, alternative: str = "greater"
) -> tuple[float, float]:
    """Noncentral-F confidence interval of partial eta squared, as effectsize 0.8.3 computes it.

    Parameters
    ----------
    f
        Observed F statistic of the term.
    df1, df2
        Its numerator (term) and denominator (residual) degrees of freedom.
    level
        Confidence level.
    alternative
        ``"greater"`` (effectsize's default: one-sided, the upper limit is 1) or
        ``"two.sided"``.

    Returns
    -------
    tuple of float
        Lower and upper limit.

    Notes
    -----
    The noncentrality parameters :math:`\\lambda` whose F distributions put the observed F at
    their upper and lower tail quantiles are found by root finding, and each is mapped to
    :math:`\\lambda / (\\lambda + df_2)` (Steiger 2004). A limit whose quantile the central F
    distribution already exceeds is 0. One-sided at ``level`` means the lower limit of the
    two-sided interval at ``2 level - 1`` with the upper limit 1: effectsize 0.8.3's
    ``F_to_eta2`` (and ``eta_squared``) default ``alternative = "greater"`` does this, so
    ``level = 0.95`` gives the lower limit of a two-sided 90% interval. effectsize locates the
    parameters with Nelder-Mead (``optim``, ``abstol = 1e-9``); here Brent's method does.

    References
    ----------
    Steiger, J. H. (2004). Beyond the F test: Effect size confidence intervals and tests of
    close fit in the analysis of variance and contrast analysis. Psychological Methods, 9(2),
    164-182.
    """
    if alternative not in ("greater", "two.sided"):
        raise ValueError(f"alternative must be 'greater' or 'two.sided', got {alternative!r}")
    if not all(map(math.isfinite, (f, df1, df2))) or df1 <= 0 or df2 <= 0:
        return math.nan, math.nan
    two_sided_level = level if alternative == "two.sided" else 2 * level - 1
    tail = (1 - two_sided_level) / 2
    low = _ncp_where_cdf_is(f, df1, df2, 1 - tail)
    high = _ncp_where_cdf_is(f, df1, df2, tail)
    low, high = low / (low + df2), high / (high + df2)
    return (low, 1.0) if alternative == "greater" else (low, high)


def _ncp_where_cdf_is(f: float, df1: float, df2: float, target: float) -> float:
    """The noncentrality at which P(F <= f) equals ``target``; 0 when no positive one does."""
    if stats.f.cdf(f, df1, df2) <= target:
        return 0.0

    def gap(ncp: float) -> float:
        return float(stats.ncf.cdf(f, df1, df2, ncp)) - target

    high = max(1.0, 2 * f * df1)
    while gap(high) > 0:  # the cdf falls as the noncentrality grows
        high *= 2
    return optimize.brentq(gap, 0.0, high, xtol=1e-12, rtol=1e-14)


def _term_test(ss: float, df1: float, error, level: float) -> dict:
    """F, p and partial eta squared of a term with sum of squares ``ss`` and ``df1`` degrees
    of freedom, tested against the residuals of the fitted model ``error``.

    NaN with a ``note`` when the term has no degrees of freedom or the residuals vanish (an
    exact fit, where F would be infinite or 0/0).
    """
    if df1 < 1 or error.df_resid < 1:
        return {**dict.fromkeys(F_KEYS, math.nan), "note": "not estimable"}
    if _fits_exactly(error):
        return {**dict.fromkeys(F_KEYS, math.nan), "note": "no residual variance"}
    ss, ss_resid, df2 = max(ss, 0.0), error.ssr, error.df_resid
    f = (ss / df1) / (ss_resid / df2)
    low, high = partial_eta_squared_ci(f, df1, df2, level=level)
    return {
        "F": f,
        "df1": float(df1),
        "df2": float(df2),
        "p_value": float(stats.f.sf(f, df1, df2)),
        "partial_eta_squared": ss / (ss + ss_resid),
        "partial_eta_squared_ci_low": low,
        "partial_eta_squared_ci_high": high,
        "note": "",
    }


def _fits_exactly(fit) -> bool:
    """Residual SS at rounding level: below 1e-12 of the centred SS (R² above 1 - 1e-12), or
    at the floating-point floor of the raw SS when the response itself has no spread."""
    return fit.ssr <= _EXACT_FIT * fit.centered_tss + _ROUNDING * fit.uncentered_tss


def _nested_test(full, reduced, level: float) -> dict:
    """The columns ``full`` adds to the nested ``reduced`` model: SS is the drop in residual
    SS, df the gain in rank (for the last term of a model, type II as car::Anova)."""
    return _term_test(reduced.ssr - full.ssr, full.df_model - reduced.df_model, full, level)


@single_threaded_blas  # a few columns: the decomposition gains nothing from more threads
def _ols(y: np.ndarray, columns: Iterable[np.ndarray]):
    """Least squares of ``y`` on an intercept and ``columns``.

    A rank-deficient design is allowed: the fit's ``df_model`` is then its rank, which the F
    tests use, so a term that adds nothing gets 0 df and no test.
    """
    design = np.column_stack([np.ones(len(y)), *columns])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingularMatrixWarning)
        fit = sm.OLS(y, design).fit()
    # statsmodels sums the residuals on first use: here, on one thread, rather than in the
    # caller on every thread (at 100,000 participants 2.5 of the 4 CPU ms of a threaded dot
    # product went to waiting threads, and the threaded sum's last bit depends on the count)
    for cached in ("ssr", "centered_tss", "uncentered_tss"):
        getattr(fit, cached)
    return fit


def _arm_counts(groups: pd.Series) -> dict[str, int]:
    counts = groups.value_counts()
    return {f"n_{arm}": int(counts.get(arm, 0)) for arm in (TREATMENT, CONTROL)}


def _arms_note(counts: dict[str, int]) -> str:
    small = [
        f"{arm} ({counts[f'n_{arm}']})" for arm in (TREATMENT, CONTROL) if counts[f"n_{arm}"] < 2
    ]
    return f"fewer than 2 participants in: {', '.join(small)}" if small else ""


def _spread_note(values: np.ndarray, what: str) -> str:
    return f"the {what} have no spread" if np.ptp(values) == 0 else ""


def ancova(frame: pd.DataFrame, *, level: float = 0.95) -> dict[str, object]:
    """ANCOVA of post ~ pre + group, the control group as the reference.

    Parameters
    ----------
    frame
        One row per participant with ``pre``, ``post`` and ``group`` ("treatment" or
        "control"). Rows with a missing value are left out.
    level
        Confidence level of the intervals.

    Returns
    -------
    dict
        ``n``, ``n_treatment``, ``n_control``; ``adjusted_difference`` (the group coefficient:
        treatment minus control at equal pre scores) with ``ci_low``, ``ci_high``, ``se``,
        ``t`` and ``df_resid``; ``F`` and ``p_value`` of group (type II, 1 df, F = t²);
        ``partial_eta_squared`` with ``partial_eta_squared_ci_low``/``_ci_high`` (one-sided,
        see :func:`partial_eta_squared_ci`); ``adjusted_mean_treatment`` and
        ``adjusted_mean_control`` (predicted post at the grand mean of pre, as emmeans);
        the homogeneity-of-slopes check ``slopes_F``, ``slopes_df1``, ``slopes_df2``,
        ``slopes_p_value`` (pre x group in post ~ pre * group); ``note``.

    Notes
    -----
    Partial :math:`\\eta^2 = SS_{group} / (SS_{group} + SS_{resid})`. Type II and type III sums
    of squares coincide without the interaction. Matches R's ``lm``, ``confint``,
    ``car::Anova(m, type = 2)`` and ``effectsize::eta_squared(partial = TRUE)`` 0.8.3.

    References
    ----------
    Huitema, B. E. (2011). The Analysis of Covariance and Alternatives (2nd ed.). Wiley.
    """
    data = frame[["pre", "post", "group"]].dropna()
    counts = _arm_counts(data["group"])
    empty = {"n": len(data), **counts, **dict.fromkeys(ANCOVA_KEYS, math.nan)}
    pre, post = data["pre"].to_numpy(float), data["post"].to_numpy(float)
    note = (
        _arms_note(counts) or _spread_note(pre, "pre scores") or _spread_note(post, "post scores")
    )
    if note:
        return {**empty, "note": note}
    treated = (data["group"] == TREATMENT).to_numpy(float)
    parallel = _ols(post, [pre, treated])
    test = _nested_test(parallel, _ols(post, [pre]), level)
    if test["note"]:
        return {**empty, "note": f"group effect: {test['note']}"}
    low, high = parallel.conf_int(alpha=1 - level)[2]
    intercept, slope, shift = parallel.params
    at_mean = intercept + slope * pre.mean()
    slopes = _nested_test(_ols(post, [pre, treated, pre * treated]), parallel, level)
    return {
        **empty,
        "adjusted_difference": float(shift),
        "ci_low": float(low),
        "ci_high": float(high),
        "se": float(parallel.bse[2]),
        "t": float(parallel.tvalues[2]),
        "df_resid": float(parallel.df_resid),
        **{key: test[key] for key in ANCOVA_KEYS if key in F_KEYS},  # F, p, partial eta²
        "adjusted_mean_treatment": float(at_mean + shift),
        "adjusted_mean_control": float(at_mean),
        **{f"slopes_{key}": slopes[key] for key in ("F", "df1", "df2", "p_value")},
        "note": f"homogeneity of slopes: {slopes['note']}" if slopes["note"] else "",
    }


def _pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per participant with both waves: ``group``, ``pre``, ``post``."""
    keys = frame[["participant_code", "wave"]]
    if keys.duplicated().any():
        twice = keys[keys.duplicated()].iloc[0].tolist()
        raise ValueError(f"participant and wave occur more than once, e.g. {twice}")
    arms = frame.groupby("participant_code")["group"].nunique()
    if (arms > 1).any():
        raise ValueError(f"participants in two groups: {list(arms[arms > 1].index[:3])}")
    wide = frame.pivot(index="participant_code", columns="wave", values="score")
    wide = wide.reindex(columns=["pre", "post"]).dropna()
    group = frame.dropna(subset=["group"]).groupby("participant_code")["group"].first()
    return wide.assign(group=group.reindex(wide.index)).dropna(subset=["group"])


def mixed_anova(frame: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Mixed ANOVA: group between participants, time (pre, post) within.

    Parameters
    ----------
    frame
        Long data, one row per participant and wave: ``participant_code``, ``group``
        ("treatment"/"control"), ``wave`` ("pre"/"post"), ``score``. Participants without
        both waves are left out. A frame already holding one row per participant with
        ``pre``, ``post`` and ``group`` columns is taken as it is.
    level
        Confidence level of the partial eta squared intervals.

    Returns
    -------
    pandas.DataFrame
        Rows ``group``, ``time``, ``group x time`` with columns ``effect``, ``n`` (complete
        pairs), ``F``, ``df1``, ``df2``, ``p_value``, ``partial_eta_squared``,
        ``partial_eta_squared_ci_low``, ``partial_eta_squared_ci_high`` (one-sided, see
        :func:`partial_eta_squared_ci`) and ``note``.

    Notes
    -----
    With two waves each participant's scores split into their mean :math:`M_i` and their
    change :math:`D_i`. The between-participants stratum is the one-way ANOVA of :math:`M` on
    group; the within stratum is the regression of :math:`D` on an intercept (time) and group
    (group x time), fitted sequentially as R's ``aov`` does, so that with unequal arms
    :math:`SS_{time} = N \\bar D^2` (times 1/2, like every within SS; the scale cancels in F
    and partial eta squared). This is ``aov(score ~ group * wave + Error(participant_code /
    wave))`` with ``effectsize::eta_squared(partial = TRUE)`` per stratum (effectsize 0.8.3).

    References
    ----------
    Maxwell, S. E., Delaney, H. D., & Kelley, K. (2018). Designing Experiments and Analyzing
    Data (3rd ed., ch. 12). Routledge.
    """
    # Already one row per participant (``pre``, ``post``, ``group``): no need to pivot again.
    wide = frame[["pre", "post", "group"]].dropna() if "pre" in frame else _pairs(frame)
    counts = _arm_counts(wide["group"])
    effects = ("group", "time", "group x time")
    note = _arms_note(counts)
    if note:
        rows = [{"effect": e, **dict.fromkeys(F_KEYS, math.nan), "note": note} for e in effects]
        return pd.DataFrame(rows, columns=MIXED_COLUMNS).assign(n=len(wide))
    treated = (wide["group"] == TREATMENT).to_numpy(float)
    means = _ols(wide[["pre", "post"]].mean(axis=1).to_numpy(), [treated])
    diff = (wide["post"] - wide["pre"]).to_numpy()
    change = _ols(diff, [treated])
    n = len(wide)
    tests = (
        _term_test(means.ess, 1, means, level),
        _term_test(n * diff.mean() ** 2, 1, change, level),
        _term_test(change.ess, 1, change, level),
    )
    rows = [{"effect": e, "n": n, **test} for e, test in zip(effects, tests, strict=True)]
    return pd.DataFrame(rows, columns=MIXED_COLUMNS)


def gain_comparison(frame: pd.DataFrame, *, level: float = 0.95) -> dict[str, object]:
    """Gain scores (post - pre) of the arms: Welch's t test and Hedges' g, treatment - control.

    Parameters
    ----------
    frame
        One row per participant with ``gain`` and ``group``; rows with a missing value are
        left out.
    level
        Confidence level of both intervals.

    Returns
    -------
    dict
        ``n``, ``n_treatment``, ``n_control``; Welch's ``t``, ``df``, ``p_value`` (two-sided),
        ``difference`` of the mean gains with ``ci_low``, ``ci_high``; ``hedges_g`` with
        ``g_ci_low``, ``g_ci_high``; ``note``.

    Notes
    -----
    The test is R's ``t.test(var.equal = FALSE)``. Hedges' g follows effectsize 0.8.3's
    ``hedges_g(pooled_sd = TRUE)``: :math:`g = J \\, (\\bar x_T - \\bar x_C) / s_p` with the
    exact correction :math:`J(n_T + n_C - 2)` (Hedges 1981); its interval is the noncentral-t
    interval of the pooled-variance t, times :math:`\\sqrt{1/n_T + 1/n_C}`, times J.

    References
    ----------
    Welch, B. L. (1947). The generalization of 'Student's' problem when several different
    population variances are involved. Biometrika, 34, 28-35.
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and related
    estimators. Journal of Educational Statistics, 6(2), 107-128.
    """
    data = frame[["gain", "group"]].dropna()
    counts = _arm_counts(data["group"])
    empty = {"n": len(data), **counts, **dict.fromkeys(GAIN_KEYS, math.nan)}
    arm = {a: data.loc[data["group"] == a, "gain"].to_numpy(float) for a in (TREATMENT, CONTROL)}
    note = _arms_note(counts) or _constant_note(arm[TREATMENT], arm[CONTROL])
    if note:
        return {**empty, "note": note}
    with warnings.catch_warnings():  # one arm without spread is fine for Welch; scipy warns
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        welch = stats.ttest_ind(arm[TREATMENT], arm[CONTROL], equal_var=False)
    low, high = welch.confidence_interval(confidence_level=level)
    return {
        **empty,
        "t": float(welch.statistic),
        "df": float(welch.df),
        "p_value": float(welch.pvalue),
        "difference": float(arm[TREATMENT].mean() - arm[CONTROL].mean()),
        "ci_low": float(low),
        "ci_high": float(high),
        **_hedges_g(arm[TREATMENT], arm[CONTROL], level),
        "note": "",
    }


def _constant_note(treatment: np.ndarray, control: np.ndarray) -> str:
    """R's t.test refuses data whose standard error is below 10 machine epsilons of the means;
    gains computed in floating point (pre + 0.5 - pre) can miss exact equality."""
    se = math.sqrt(treatment.var(ddof=1) / len(treatment) + control.var(ddof=1) / len(control))
    scale = max(abs(treatment.mean()), abs(control.mean()))
    return "the gains have no spread within either arm" if se <= 10 * EPS * scale else ""


def _hedges_g(treatment: np.ndarray, control: np.ndarray, level: float) -> dict[str, float]:
    n_t, n_c = len(treatment), len(control)
    df = n_t + n_c - 2
    pooled = math.sqrt(((n_t - 1) * treatment.var(ddof=1) + (n_c - 1) * control.var(ddof=1)) / df)
    d = (treatment.mean() - control.mean()) / pooled
    scale = math.sqrt(1 / n_t + 1 / n_c)
    low, high = noncentral_t_ci(d / scale, df, level)
    j = hedges_correction(df)
    return {"hedges_g": d * j, "g_ci_low": low * scale * j, "g_ci_high": high * scale * j}


def subgroup_interaction(
    frame: pd.DataFrame, *, subgroup: str, level: float = 0.95
) -> dict[str, object]:
    """Does the change differ between the levels of a subgroup? One interaction test.

    Parameters
    ----------
    frame
        One row per participant with ``pre``, ``post``, the ``subgroup`` column and, for a
        controlled design, ``group``. Rows with a missing value are left out.
    subgroup
        Column naming each participant's level (e.g. gender).
    level
        Confidence level of the partial eta squared interval.

    Returns
    -------
    dict
        ``design`` ("two arms" or "one arm"), ``term`` ("group x subgroup" or "subgroup"),
        ``n``, ``n_per_level`` (level to count), ``F``, ``df1``, ``df2``, ``p_value``,
        ``partial_eta_squared`` with ``partial_eta_squared_ci_low``/``_ci_high`` (one-sided,
        see :func:`partial_eta_squared_ci`), ``note``.

    Notes
    -----
    With both arms the term is group x subgroup in post ~ pre + group * subgroup: its type II
    SS is the drop in residual SS from post ~ pre + group + subgroup (R's ``car::Anova(type =
    2)``), so it asks whether the program's adjusted effect differs between levels. With one
    arm it is the one-way ANOVA of gain ~ subgroup (R's ``anova(lm(I(post - pre) ~ s))``).
    Testing the interaction, rather than the change within each level separately, avoids
    reading a difference into one significant and one non-significant p-value
    (Gelman & Stern 2006).

    References
    ----------
    Gelman, A., & Stern, H. (2006). The difference between "significant" and "not
    significant" is not itself statistically significant. The American Statistician, 60(4),
    328-331.
    """
    columns = ["pre", "post", subgroup] + (["group"] if "group" in frame else [])
    data = frame[columns].dropna()
    levels = data[subgroup].astype(str)
    arms = sorted(data["group"].unique()) if "group" in data else []
    two_arms = len(arms) > 1
    sizes = levels.value_counts().sort_index()
    base = {
        "design": "two arms" if two_arms else "one arm",
        "term": "group x subgroup" if two_arms else "subgroup",
        "n": len(data),
        "n_per_level": {str(k): int(v) for k, v in sizes.items()},
        **dict.fromkeys(F_KEYS, math.nan),
    }
    note = _levels_note(sizes, subgroup)
    if not note and two_arms:
        note = _arms_note(_arm_counts(data["group"])) or _cells_note(data["group"], levels)
    if note:
        return {**base, "note": note}
    dummies = pd.get_dummies(levels, drop_first=True, dtype=float).to_numpy().T
    pre, post = data["pre"].to_numpy(float), data["post"].to_numpy(float)
    if two_arms:
        treated = (data["group"] == TREATMENT).to_numpy(float)
        main = _ols(post, [pre, treated, *dummies])
        test = _nested_test(_ols(post, [pre, treated, *dummies, *(treated * dummies)]), main, level)
    else:
        fit = _ols(post - pre, dummies)
        test = _term_test(fit.ess, fit.df_model, fit, level)
    return {**base, **test}


def _levels_note(sizes: pd.Series, subgroup: str) -> str:
    if len(sizes) < 2:
        return f"{subgroup} has {len(sizes)} level(s) here; at least 2 are needed"
    small = [f"{level} ({count})" for level, count in sizes.items() if count < 2]
    return f"fewer than 2 participants in {subgroup}: {', '.join(small)}" if small else ""


def _cells_note(groups: pd.Series, levels: pd.Series) -> str:
    """The arm x level cells without anyone, in the order a crosstab lists them (both
    sorted): counted on integer codes, since a crosstab of a million rows took a tenth of
    a second per test."""
    group_codes, group_names = pd.factorize(groups, sort=True)
    level_codes, level_names = pd.factorize(levels, sort=True)
    found = np.bincount(
        group_codes * len(level_names) + level_codes, minlength=len(group_names) * len(level_names)
    ).reshape(len(group_names), len(level_names))
    empty = [
        f"{g} x {lv}"
        for i, g in enumerate(group_names)
        for j, lv in enumerate(level_names)
        if found[i, j] == 0
    ]
    return (
        f"no participants in: {', '.join(empty)}; the interaction is not estimable" if empty else ""
    )
