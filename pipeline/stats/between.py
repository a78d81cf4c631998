"""Between-arm analyses of a pre/post design with a control group, and subgroup interactions.

All differences are treatment minus control. Each function takes one row per participant with
complete pre and post scores and returns plain numbers, NaN with a ``note`` when the data
cannot carry the analysis.
"""

from __future__ import annotations

import math
import warnings

import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.anova import anova_lm

from pipeline.stats.effsize import hedges_correction, noncentral_t_ci

__all__ = ["ancova", "gain_comparison", "mixed_anova", "subgroup_interaction"]


def _arms_note(frame: pd.DataFrame) -> str:
    counts = frame["group"].value_counts()
    small = [g for g in ("treatment", "control") if counts.get(g, 0) < 2]
    return f"fewer than 2 participants in: {', '.join(small)}" if small else ""


def ancova(frame: pd.DataFrame, *, level: float = 0.95) -> dict[str, object]:
    """ANCOVA post ~ pre + group, control as reference (Huitema 2011).

    Returns n per arm, the adjusted difference (treatment - control at equal pre scores) with
    its CI, F and p of group (type II; 1 df, so F = t^2), the partial eta squared
    SS_group / (SS_group + SS_residual), the adjusted means at the grand mean of pre, and the
    homogeneity-of-slopes check (F and p of pre x group in the model with the interaction).
    """
    data = frame[["pre", "post", "group"]].dropna()
    counts = data["group"].value_counts()
    base = {
        "n": len(data),
        "n_treatment": int(counts.get("treatment", 0)),
        "n_control": int(counts.get("control", 0)),
    }
    note = _arms_note(data)
    if note or len(data) < 5:
        keys = [
            "adjusted_difference",
            "ci_low",
            "ci_high",
            "se",
            "t",
            "df_resid",
            "F",
            "p_value",
            "partial_eta_squared",
            "adjusted_mean_treatment",
            "adjusted_mean_control",
            "slopes_F",
            "slopes_p_value",
        ]
        return {**base, **dict.fromkeys(keys, math.nan), "note": note or "too few participants"}
    data = data.assign(treated=(data["group"] == "treatment").astype(float))
    model = smf.ols("post ~ pre + treated", data=data).fit()
    low, high = model.conf_int(alpha=1 - level).loc["treated"]
    ss = anova_lm(model, typ=2)
    ss_group, ss_resid = ss.loc["treated", "sum_sq"], ss.loc["Residual", "sum_sq"]
    with warnings.catch_warnings():  # a rank-deficient slope model only leaves NaN behind
        warnings.simplefilter("ignore")
        slopes = smf.ols("post ~ pre * treated", data=data).fit()
    grand = data["pre"].mean()
    predict = model.predict(pd.DataFrame({"pre": [grand, grand], "treated": [1.0, 0.0]}))
    return {
        **base,
        "adjusted_difference": float(model.params["treated"]),
        "ci_low": float(low),
        "ci_high": float(high),
        "se": float(model.bse["treated"]),
        "t": float(model.tvalues["treated"]),
        "df_resid": float(model.df_resid),
        "F": float(ss.loc["treated", "F"]),
        "p_value": float(ss.loc["treated", "PR(>F)"]),
        "partial_eta_squared": float(ss_group / (ss_group + ss_resid)),
        "adjusted_mean_treatment": float(predict.iloc[0]),
        "adjusted_mean_control": float(predict.iloc[1]),
        "slopes_F": float(slopes.tvalues["pre:treated"] ** 2),
        "slopes_p_value": float(slopes.pvalues["pre:treated"]),
        "note": "",
    }


def mixed_anova(long: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Mixed ANOVA with group between and time (pre, post) within participants.

    With two waves the strata have closed forms: between participants, a one-way ANOVA of the
    participant means (x2); within, the differences D = post - pre give SS_time = N mean(D)^2
    / 2, SS_group:time = sum n_g (mean_g(D) - mean(D))^2 / 2 and SS_error = sum (D - mean_g(D))^2
    / 2, as R's ``aov(score ~ group * wave + Error(id / wave))`` partitions them.
    """
    del level
    wide = long.pivot(index="participant_code", columns="wave", values="score").dropna()
    groups = long.drop_duplicates("participant_code").set_index("participant_code")["group"]
    wide = wide.assign(group=groups.reindex(wide.index))
    columns = ["effect", "F", "df1", "df2", "p_value", "partial_eta_squared"]
    if _arms_note(wide) or len(wide) < 4:
        return pd.DataFrame(
            [
                {"effect": e, **dict.fromkeys(columns[1:], math.nan)}
                for e in ("group", "time", "group x time")
            ],
            columns=columns,
        )
    n = len(wide)
    mean = (wide["pre"] + wide["post"]) / 2
    diff = wide["post"] - wide["pre"]
    by_group = wide["group"]
    df_error = n - 2
    ss_between = 2 * sum(len(m) * (m.mean() - mean.mean()) ** 2 for _, m in mean.groupby(by_group))
    ss_subjects = 2 * sum(((m - m.mean()) ** 2).sum() for _, m in mean.groupby(by_group))
    ss_time = n * diff.mean() ** 2 / 2
    ss_inter = sum(len(d) * (d.mean() - diff.mean()) ** 2 for _, d in diff.groupby(by_group)) / 2
    ss_within = sum(((d - d.mean()) ** 2).sum() for _, d in diff.groupby(by_group)) / 2
    rows = []
    for effect, ss, error in (
        ("group", ss_between, ss_subjects),
        ("time", ss_time, ss_within),
        ("group x time", ss_inter, ss_within),
    ):
        f = ss / (error / df_error)
        rows.append(
            {
                "effect": effect,
                "F": f,
                "df1": 1.0,
                "df2": float(df_error),
                "p_value": float(stats.f.sf(f, 1, df_error)),
                "partial_eta_squared": ss / (ss + error),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def gain_comparison(frame: pd.DataFrame, *, level: float = 0.95) -> dict[str, object]:
    """Gain scores (post - pre) of the arms: Welch's t test and Hedges' g.

    g uses the pooled SD and the exact correction J(n1 + n2 - 2); its interval is the
    noncentral-t interval of the pooled t statistic, rescaled and multiplied by J, as R's
    effectsize::hedges_g(pooled_sd = TRUE) computes it.
    """
    data = frame.dropna(subset=["gain", "group"])
    keys = [
        "t",
        "df",
        "p_value",
        "difference",
        "ci_low",
        "ci_high",
        "hedges_g",
        "g_ci_low",
        "g_ci_high",
    ]
    note = _arms_note(data)
    if note:
        return {**dict.fromkeys(keys, math.nan), "note": note}
    a = data.loc[data["group"] == "treatment", "gain"].to_numpy()
    b = data.loc[data["group"] == "control", "gain"].to_numpy()
    va, vb, na, nb = a.var(ddof=1), b.var(ddof=1), len(a), len(b)
    se = math.sqrt(va / na + vb / nb)
    if se == 0:
        return {**dict.fromkeys(keys, math.nan), "note": "the gains have no spread"}
    df = (va / na + vb / nb) ** 2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    diff = a.mean() - b.mean()
    t = diff / se
    crit = stats.t.ppf(1 - (1 - level) / 2, df)
    pooled = math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    d = diff / pooled
    scale = math.sqrt(1 / na + 1 / nb)
    low, high = noncentral_t_ci(d / scale, na + nb - 2, level)
    j = hedges_correction(na + nb - 2)
    return {
        "t": float(t),
        "df": float(df),
        "p_value": float(2 * stats.t.sf(abs(t), df)),
        "difference": float(diff),
        "ci_low": float(diff - crit * se),
        "ci_high": float(diff + crit * se),
        "hedges_g": float(d * j),
        "g_ci_low": float(low * scale * j),
        "g_ci_high": float(high * scale * j),
        "note": "",
    }


def subgroup_interaction(
    frame: pd.DataFrame, *, subgroup: str, level: float = 0.95
) -> dict[str, object]:
    """Does the change differ between the levels of a subgroup? One interaction test.

    With both arms: the group x subgroup term of post ~ pre + group * subgroup (type II, as
    car::Anova). With one arm: the subgroup term of gain ~ subgroup (one-way ANOVA).
    """
    del level
    data = frame.dropna(subset=["pre", "post", subgroup]).copy()
    data["level"] = data[subgroup].astype(str)
    sizes = data["level"].value_counts()
    base = {"n": len(data), "levels": ", ".join(f"{k} ({v})" for k, v in sizes.items())}
    both = {"treatment", "control"} <= set(data["group"])
    term = "group x subgroup" if both else "subgroup"
    if len(sizes) < 2 or sizes.min() < 2 or (both and _arms_note(data)):
        return {
            **base,
            "term": term,
            "F": math.nan,
            "df1": math.nan,
            "df2": math.nan,
            "p_value": math.nan,
            "note": "needs at least two levels with two people each",
        }
    if both:
        data["treated"] = (data["group"] == "treatment").astype(float)
        fit = smf.ols("post ~ pre + treated * C(level)", data=data).fit()
        table = anova_lm(fit, typ=2)
        row = table.loc["treated:C(level)"]
    else:
        data["gain"] = data["post"] - data["pre"]
        fit = smf.ols("gain ~ C(level)", data=data).fit()
        table = anova_lm(fit, typ=2)
        row = table.loc["C(level)"]
    return {
        **base,
        "term": term,
        "F": float(row["F"]),
        "df1": float(row["df"]),
        "df2": float(fit.df_resid),
        "p_value": float(row["PR(>F)"]),
        "note": "",
    }
