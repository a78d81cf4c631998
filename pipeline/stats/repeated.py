"""Repeated-measures ANOVA over w waves: one group, or k arms x w waves (mixed design).

The univariate split-plot ANOVA with type 3 sums of squares, the Greenhouse-Geisser correction
and Mauchly's test, as ``afex::aov_ez`` computes them (afex 1.2, with car::Anova on the
multivariate linear model); checked by ``tests/reference/arms.R`` and
``tests/reference/followup.R``.

Input is long: one row per participant and wave with ``participant_code``, ``wave``,
``score`` (and ``group`` for the mixed design). Participants without a score at every wave are
left out (listwise, as afex does), and ``n`` reports how many remain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import linalg, stats

__all__ = ["RM_COLUMNS", "long_to_wide", "mixed_anova_arms", "rm_anova"]

RM_COLUMNS = (
    "effect",
    "n",
    "ss",
    "ss_error",
    "df1",
    "df2",
    "F",
    "p_value",
    "epsilon_gg",
    "df1_gg",
    "df2_gg",
    "p_value_gg",
    "ges",
    "pes",
    "mauchly_w",
    "mauchly_p",
    "note",
)


def long_to_wide(
    frame: pd.DataFrame, *, waves: Sequence[str] | None = None, group: bool = False
) -> pd.DataFrame:
    """One row per participant with a score at every wave: columns in wave order (and
    ``group`` when asked). Waves default to their order of first appearance (or the
    categories' order of a categorical column).

    Raises
    ------
    ValueError
        When a participant has two rows for one wave or sits in two groups, or ``waves``
        misses a wave of the data.
    """
    keys = frame[["participant_code", "wave"]]
    if keys.duplicated().any():
        twice = keys[keys.duplicated()].iloc[0].tolist()
        raise ValueError(f"participant and wave occur more than once, e.g. {twice}")
    order = list(waves) if waves is not None else _wave_order(frame["wave"])
    unknown = sorted(set(frame["wave"].dropna()) - set(order), key=str)
    if unknown:
        raise ValueError(f"waves {unknown} are in the data but not in {order}")
    wide = frame.pivot(index="participant_code", columns="wave", values="score")
    wide = wide.reindex(columns=order).dropna()
    wide.columns = pd.Index(order, name="wave")
    if not group:
        return wide
    arms = frame.dropna(subset=["group"]).groupby("participant_code")["group"]
    if (arms.nunique() > 1).any():
        raise ValueError(
            f"participants in two groups: {list(arms.nunique()[lambda s: s > 1].index[:3])}"
        )
    return wide.assign(group=arms.first().reindex(wide.index)).dropna(subset=["group"])


def _wave_order(waves: pd.Series) -> list:
    if isinstance(waves.dtype, pd.CategoricalDtype):
        return [w for w in waves.cat.categories if w in set(waves)]
    return list(pd.unique(waves.dropna()))


def _mauchly(sscp: np.ndarray, df_error: int) -> tuple[float, float]:
    """Mauchly's W of the error SSCP of orthonormal contrasts and its p-value, from the
    chi-square approximation with Anderson's second-order term as car 3.1 (and so afex)
    computes it: one coefficient there uses the number of waves w = p + 1 where R's
    ``stats::mauchly.test`` uses p (``3 p`` in ``2p^3 + 6p^2 + 3p + 2``); the two p-values
    differ by a few parts in 10^4."""
    p = sscp.shape[0]
    if p < 2 or df_error < p:
        return math.nan, math.nan
    log_w = float(np.linalg.slogdet(sscp)[1] - p * math.log(np.trace(sscp) / p))
    rho = 1 - (2 * p**2 + p + 2) / (6 * p * df_error)
    w2 = (p + 2) * (p - 1) * (p - 2) * (2 * p**3 + 6 * p**2 + 3 * (p + 1) + 2)
    w2 /= 288 * (df_error * p * rho) ** 2
    z = -df_error * rho * log_w
    f = p * (p + 1) / 2 - 1
    pr1, pr2 = stats.chi2.sf(z, f), stats.chi2.sf(z, f + 4)
    return math.exp(log_w), float(pr1 + w2 * (pr2 - pr1))


def _split_plot(values: np.ndarray, groups: np.ndarray) -> list[dict]:
    """Type 3 split-plot ANOVA rows (between effect first when there are >= 2 groups)."""
    n, w = values.shape
    labels, index = np.unique(groups, return_inverse=True)
    k = len(labels)
    counts = np.bincount(index, minlength=k).astype(float)
    basis = linalg.null_space(np.ones((1, w)))  # orthonormal contrasts of the waves
    z = values @ basis
    group_means = np.vstack([z[index == g].mean(axis=0) for g in range(k)])
    residual = z - group_means[index]
    sscp = residual.T @ residual
    ss_within_error, df_within_error = float(np.trace(sscp)), (n - k) * (w - 1)
    unweighted = group_means.mean(axis=0)  # type 3: the wave effect at the average arm
    ss_wave = float(unweighted @ unweighted) / (np.sum(1 / counts) / k**2)
    person = values.mean(axis=1)
    arm_means = np.array([person[index == g].mean() for g in range(k)])
    ss_between_error = w * float(np.sum((person - arm_means[index]) ** 2))
    rows = []
    if k > 1:
        ss_arm = w * float(np.sum(counts * (arm_means - person.mean()) ** 2))
        rows.append(("group", ss_arm, ss_between_error, k - 1, n - k, False))
    rows.append(("wave", ss_wave, ss_within_error, w - 1, df_within_error, True))
    if k > 1:
        spread = group_means - counts @ group_means / n
        ss_interaction = float(np.sum(counts[:, None] * spread**2))
        rows.append(
            (
                "group:wave",
                ss_interaction,
                ss_within_error,
                (k - 1) * (w - 1),
                df_within_error,
                True,
            )
        )
    errors = ss_between_error + ss_within_error
    epsilon = _gg_epsilon(sscp)
    mauchly = _mauchly(sscp, n - k)
    return [_row(*row, errors, epsilon, mauchly) for row in rows]


def _gg_epsilon(sscp: np.ndarray) -> float:
    """Greenhouse-Geisser epsilon, (tr S)^2 / (p tr S^2), from the error SSCP of orthonormal
    contrasts (1 with two waves)."""
    p = sscp.shape[0]
    square = float(np.trace(sscp @ sscp))
    return float(np.trace(sscp)) ** 2 / (p * square) if square > 0 else math.nan


def _row(effect, ss, ss_error, df1, df2, within, errors, epsilon, mauchly) -> dict:
    f = (ss / df1) / (ss_error / df2) if ss_error > 0 and df2 > 0 else math.nan
    eps = epsilon if within else 1.0
    return {
        "effect": effect,
        "ss": ss,
        "ss_error": ss_error,
        "df1": float(df1),
        "df2": float(df2),
        "F": f,
        "p_value": float(stats.f.sf(f, df1, df2)),
        "epsilon_gg": eps if within else math.nan,
        "df1_gg": df1 * eps,
        "df2_gg": df2 * eps,
        "p_value_gg": float(stats.f.sf(f, df1 * eps, df2 * eps)),
        "ges": ss / (ss + errors),
        "pes": ss / (ss + ss_error),
        "mauchly_w": mauchly[0] if within else math.nan,
        "mauchly_p": mauchly[1] if within else math.nan,
        "note": "" if ss_error > 0 else "no error variance: F is not defined",
    }


def _empty(effects: Sequence[str], n: int, note: str) -> pd.DataFrame:
    rows = [{"effect": effect, "n": n, "note": note} for effect in effects]
    return pd.DataFrame(rows).reindex(columns=RM_COLUMNS).assign(n=n, note=note)


def _table(values: np.ndarray, groups: np.ndarray, effects: Sequence[str]) -> pd.DataFrame:
    n, w = values.shape
    k = len(np.unique(groups))
    note = ""
    if w < 2:
        note = f"{w} wave(s) with data; at least 2 are needed"
    elif n - k < 1:
        note = f"{n} complete participant(s) in {k} group(s) leave no error df"
    elif np.ptp(values - values.mean(axis=1, keepdims=True)) == 0:
        note = "no participant's scores change across waves: no within-participant variance"
    if note:
        return _empty(effects, n, note)
    return pd.DataFrame(_split_plot(values, groups)).assign(n=n)[list(RM_COLUMNS)]


def rm_anova(frame: pd.DataFrame, *, waves: Sequence[str] | None = None) -> pd.DataFrame:
    """One-way repeated-measures ANOVA of one group over w >= 2 waves (e.g. pre, post,
    follow-up), with the Greenhouse-Geisser correction and Mauchly's test.

    Parameters
    ----------
    frame
        Long data: ``participant_code``, ``wave``, ``score``. Participants without a score at
        every wave are left out.
    waves
        Order of the waves; default their order of first appearance.

    Returns
    -------
    pandas.DataFrame
        One row, effect ``wave``, with the columns :data:`RM_COLUMNS`: ``n`` (complete
        participants), ``ss``, ``ss_error``, ``df1``, ``df2``, ``F``, ``p_value``,
        ``epsilon_gg``, ``df1_gg``, ``df2_gg``, ``p_value_gg`` (df times epsilon),
        ``ges`` (generalized eta squared), ``pes`` (partial eta squared), ``mauchly_w``,
        ``mauchly_p`` (NaN with two waves, where sphericity holds trivially and epsilon is 1)
        and ``note``.

    Notes
    -----
    With Z the scores times an orthonormal basis of the w - 1 wave contrasts and S the SSCP
    of Z around its mean: :math:`SS_{wave} = n \\lVert \\bar Z \\rVert^2`,
    :math:`SS_{error} = tr(S)`, :math:`F = (SS_{wave}/(w-1)) / (SS_{error}/((n-1)(w-1)))`.
    Greenhouse-Geisser :math:`\\hat\\varepsilon = tr(S)^2 / ((w-1) tr(S^2))` multiplies both
    df. Generalized :math:`\\eta^2_G = SS_{wave} / (SS_{wave} + SS_{subjects} + SS_{error})`
    (Olejnik & Algina 2003; Bakeman 2005), afex's default ``es = "ges"``; partial
    :math:`\\eta^2_p = SS_{wave} / (SS_{wave} + SS_{error})`. Mauchly's W is
    :math:`|S| / (tr(S)/p)^p` with the chi-square approximation car 3.1 uses (see
    :func:`_mauchly`). Matches
    ``afex::aov_ez(id, dv, data, within = "wave", anova_table = list(correction = "GG",
    es = c("ges", "pes")))`` and ``summary()`` of it.

    References
    ----------
    Greenhouse, S. W., & Geisser, S. (1959). On methods in the analysis of profile data.
    Psychometrika, 24(2), 95-112.
    Mauchly, J. W. (1940). Significance test for sphericity of a normal n-variate
    distribution. Annals of Mathematical Statistics, 11(2), 204-209.
    Olejnik, S., & Algina, J. (2003). Generalized eta and omega squared statistics.
    Psychological Methods, 8(4), 434-447.
    """
    wide = long_to_wide(frame, waves=waves)
    values = wide.to_numpy(dtype=float)
    return _table(values, np.zeros(len(values), dtype=int), ["wave"])


def mixed_anova_arms(frame: pd.DataFrame, *, waves: Sequence[str] | None = None) -> pd.DataFrame:
    """Mixed ANOVA: k >= 2 arms between participants x w >= 2 waves within.

    Parameters
    ----------
    frame
        Long data: ``participant_code``, ``group``, ``wave``, ``score``. Participants without
        a score at every wave are left out.
    waves
        Order of the waves; default their order of first appearance.

    Returns
    -------
    pandas.DataFrame
        Rows ``group``, ``wave``, ``group:wave`` with the columns :data:`RM_COLUMNS` (see
        :func:`rm_anova`). The between effect ``group`` needs no sphericity correction: its
        ``epsilon_gg`` and Mauchly columns are NaN and its ``_gg`` columns repeat the
        uncorrected ones.

    Notes
    -----
    Type 3 sums of squares with sum-to-zero coding of the arms, as afex does: the between
    stratum is the one-way ANOVA of the participants' wave means (times w); the wave effect
    tests the unweighted average of the arms' mean contrast vectors,
    :math:`SS_{wave} = \\lVert \\tfrac1k \\sum_j \\bar Z_j \\rVert^2 / (\\tfrac1{k^2} \\sum_j
    1/n_j)`, which equals :math:`N \\lVert \\bar Z \\rVert^2` only with equal arms (so with
    unequal arms it differs from R's sequential ``aov`` and from
    :func:`pipeline.stats.models.mixed_anova`); the interaction is the between-arms SSCP
    trace :math:`\\sum_j n_j \\lVert \\bar Z_j - \\bar Z \\rVert^2`. Epsilon and Mauchly's
    test come from the pooled within-arm error SSCP (df N - k). :math:`\\eta^2_G` divides by
    the effect plus both error SS. Matches ``afex::aov_ez(id, dv, data, between = "group",
    within = "wave", anova_table = list(correction = "GG", es = c("ges", "pes")))``.

    References
    ----------
    Maxwell, S. E., Delaney, H. D., & Kelley, K. (2018). Designing Experiments and Analyzing
    Data (3rd ed., ch. 12 and 14). Routledge.
    Olejnik, S., & Algina, J. (2003). Psychological Methods, 8(4), 434-447.
    """
    wide = long_to_wide(frame, waves=waves, group=True)
    values = wide.drop(columns="group").to_numpy(dtype=float)
    groups = wide["group"].astype(str).to_numpy()
    effects = ["group", "wave", "group:wave"]
    if len(np.unique(groups)) < 2:
        return _empty(effects, len(values), "fewer than 2 arms with complete participants")
    return _table(values, groups, effects)
