"""Compare: descriptives, paired tests with a written choice, effect sizes, controlled designs.

Pairs are formed by participant code (never by row order), per scale and group, on complete
pairs only. For every pair set the paired t test and the Wilcoxon signed-rank test are both
computed; ``analysis.test_choice`` names the primary one and the reason is written into the
table. With a control group the arms are compared by ANCOVA, a mixed ANOVA and the gain scores;
declared demographics are tested as interactions. p-values of a family of outcomes are adjusted
(Holm by default). Every row says which method produced it and, when a number could not be
computed, why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.config import WAVE_ORDER, Study
from pipeline.stages.designs import arm_tables, followup_tables, study_waves
from pipeline.stages.knowledge import mastery_tables
from pipeline.stages.pairs import (
    MIN_PAIRS,
    Participants,
    WideScores,
    comparison_values,
    value_columns,
    wide_scores,
)
from pipeline.stages.parity import parity_tables
from pipeline.stages.result import CompareResult, ScoreResult
from pipeline.stages.score import GROUP_ORDER, analysis_groups
from pipeline.stats import effsize, models, multiplicity, nonparametric, power
from pipeline.stats.pingouin_adapter import paired_ttest

__all__ = [
    "DESCRIPTIVE_COLUMNS",
    "EFFECT_COLUMNS",
    "TEST_COLUMNS",
    "CompareResult",
    "change_summary",
    "choose_test",
    "compare",
    "describe",
    "paired_comparison",
    "paired_results",
    "shapiro_row",
]

DESCRIPTIVE_COLUMNS = [
    "outcome",
    "wave",
    "group",
    "n",
    "mean",
    "sd",
    "median",
    "q1",
    "q3",
    "min",
    "max",
]
TEST_COLUMNS = [
    "outcome",
    "group",
    "comparison",
    "test",
    "n",
    "mean_pre",
    "mean_post",
    "estimate",
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p_value",
    "p_adjusted",
    "adjustment",
    "primary",
    "reason_code",
    "reason",
    "method",
    "note",
]
SUBGROUP_COLUMNS = [
    "outcome",
    "subgroup",
    "design",
    "term",
    "n",
    "n_per_level",
    "F",
    "df1",
    "df2",
    "p_value",
    "partial_eta_squared",
    "partial_eta_squared_ci_low",
    "partial_eta_squared_ci_high",
    "note",
]
EFFECT_COLUMNS = [
    "outcome",
    "group",
    "comparison",
    "effect",
    "value",
    "ci_low",
    "ci_high",
    "magnitude",
    "method",
    "note",
]


def describe(
    scores: pd.DataFrame,
    *,
    values: Mapping[str, str] | None = None,
    groups: Sequence[str] = GROUP_ORDER,
) -> pd.DataFrame:
    """Descriptive statistics of the comparison scores per scale, wave and group, plus the
    pooled groups: scale means, or a test's percentage score and a score's number
    (``values``: scale to score column, see :data:`pipeline.stages.pairs.VALUE_COLUMN`); rows
    by outcome, then group (``groups`` order, the pooled "all" last), then wave in time
    order."""
    data = pd.DataFrame(
        {
            "scale": scores["scale"],
            "wave": scores["wave"],
            "group": scores["group"],
            "mean": comparison_values(scores, values),
        }
    ).dropna(subset=["mean"])
    tables = [_summaries(data, ["scale", "wave", "group"])]
    if scores["group"].ne("all").any():  # the pooled groups, from the same rows, not a copy
        tables.append(_summaries(data, ["scale", "wave"]).assign(group="all"))
    table = pd.concat(tables, ignore_index=True).rename(columns={"scale": "outcome"})
    groups = [*groups, *sorted(set(table["group"]) - set(groups))]
    return _ordered(table, outcomes=list(pd.unique(scores["scale"])), groups=groups)[
        DESCRIPTIVE_COLUMNS
    ]


def _summaries(data: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """n, mean, SD, median, quartiles and range of ``data["mean"]`` per ``by``."""
    grouped = data.groupby(by, sort=False, observed=True)["mean"]
    return grouped.agg(
        n="count",
        mean="mean",
        sd="std",
        median="median",
        q1=lambda s: s.quantile(0.25),
        q3=lambda s: s.quantile(0.75),
        min="min",
        max="max",
    ).reset_index()


def _ordered(
    table: pd.DataFrame, *, outcomes: list[str], groups: Sequence[str] = GROUP_ORDER
) -> pd.DataFrame:
    """Rows in reading order: outcomes as the instrument lists them, then group (the arms as
    declared, then the pooled "all"), then wave."""
    order = [*[g for g in groups if g != "all"], "all"]
    keys = {
        "outcome": {o: i for i, o in enumerate(outcomes)},
        "group": {g: i for i, g in enumerate(order)},
        "wave": WAVE_ORDER,
    }
    columns = [c for c in keys if c in table]
    # As text: a categorical column would sort by its categories (post before pre).
    ordered = table.sort_values(
        columns, key=lambda col: col.astype(str).map(keys[col.name]), kind="stable"
    )
    return ordered.reset_index(drop=True)


# --------------------------------------------------------------------------- paired


def _not_computable(diff: np.ndarray) -> str:
    if len(diff) < MIN_PAIRS:
        return f"only {len(diff)} complete pair(s); at least {MIN_PAIRS} are needed"
    if np.std(diff) == 0:
        return "every participant changed by the same amount, so the differences have no spread"
    return ""


def paired_comparison(
    pre: np.ndarray, post: np.ndarray, *, level: float = 0.95
) -> tuple[dict[str, object], dict[str, object]]:
    """Paired t test and Cohen's d_z of ``post - pre`` on arrays already paired by id.

    Returns the test row and the effect row (without outcome and group). With fewer than
    ``MIN_PAIRS`` pairs or no variation in the differences, the numbers are NaN and ``note``
    says why.
    """
    diff = post - pre
    n = len(diff)
    test = {
        "comparison": "post - pre",
        "test": "paired t",
        "n": n,
        "mean_pre": float(np.mean(pre)) if n else np.nan,
        "mean_post": float(np.mean(post)) if n else np.nan,
        "method": "Student's paired t test, two-sided; CI of the mean difference from t(n-1)",
    }
    effect = {
        "comparison": "post - pre",
        "effect": "d_z",
        "method": "mean difference / SD of differences; noncentral-t CI",
    }
    reason = _not_computable(diff)
    if reason:
        nan = dict.fromkeys(["estimate", "ci_low", "ci_high", "statistic", "df", "p_value"], np.nan)
        return (
            {**test, **nan, "note": reason},
            {
                **effect,
                "value": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "magnitude": "not computed",
                "note": reason,
            },
        )
    result = paired_ttest(post, pre)
    low, high = effsize.mean_difference_ci(diff, level)
    dz = effsize.cohen_dz(diff, level)
    test.update(
        estimate=float(np.mean(diff)),
        ci_low=low,
        ci_high=high,
        statistic=result["t"],
        df=result["df"],
        p_value=result["p"],
        note="",
    )
    effect.update(dz, magnitude=effsize.magnitude_label(dz["value"]), note="")
    return test, effect


def _wilcoxon_rows(pre: np.ndarray, post: np.ndarray, level: float, reason: str):
    test = {
        "comparison": "post - pre",
        "test": "Wilcoxon signed-rank",
        "n": len(pre),
        "mean_pre": float(np.mean(pre)) if len(pre) else np.nan,
        "mean_post": float(np.mean(post)) if len(post) else np.nan,
        "df": np.nan,
    }
    effect = {
        "comparison": "post - pre",
        "effect": "rank-biserial r",
        "method": "matched-pairs rank-biserial correlation; Fisher-z CI",
    }
    if reason:
        nan = dict.fromkeys(["estimate", "ci_low", "ci_high", "statistic", "p_value"], np.nan)
        return (
            {**test, **nan, "method": "Wilcoxon signed-rank test", "note": reason},
            {
                **effect,
                "value": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "magnitude": "not computed",
                "note": reason,
            },
        )
    w = nonparametric.wilcoxon_signed_rank(post, pre, level=level)
    rb = nonparametric.matched_rank_biserial(post, pre, level=level)
    test.update(
        estimate=w["estimate"],
        ci_low=w["ci_low"],
        ci_high=w["ci_high"],
        statistic=w["statistic"],
        p_value=w["p_value"],
        note=w.get("note", ""),
        method=f"Wilcoxon signed-rank test, two-sided, {w['method']}; V = sum of "
        "positive ranks; estimate = Hodges-Lehmann shift with its CI",
    )
    effect.update(
        value=rb["value"],
        ci_low=rb["ci_low"],
        ci_high=rb["ci_high"],
        magnitude=effsize.magnitude_label(rb["value"], "r"),
        note="",
    )
    return test, effect


def _dav_rows(pre: np.ndarray, post: np.ndarray, level: float, reason: str):
    base = {"comparison": "post - pre", "note": reason}
    if reason:
        return [
            {
                **base,
                "effect": e,
                "value": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "magnitude": "not computed",
                "method": "",
            }
            for e in ("d_av", "g_av")
        ]
    dav = effsize.cohen_dav(pre, post, level)
    method = "mean difference / mean of the two SDs; noncentral-t CI (Cumming 2012)"
    return [
        {
            **base,
            "effect": "d_av",
            "value": dav["value"],
            "ci_low": dav["ci_low"],
            "ci_high": dav["ci_high"],
            "magnitude": effsize.magnitude_label(dav["value"]),
            "method": method,
        },
        {
            **base,
            "effect": "g_av",
            "value": dav["g_av"],
            "ci_low": dav["g_ci_low"],
            "ci_high": dav["g_ci_high"],
            "magnitude": effsize.magnitude_label(dav["g_av"]),
            "method": method + ", times Hedges' J(n - 1)",
        },
    ]


#: R's shapiro.test accepts 3 to 5000 values; beyond that the test is neither defined there
#: nor useful (it rejects trivial departures), and the mean is near normal anyway.
SHAPIRO_MAX_N = 5000


def shapiro_row(values: np.ndarray, target: str) -> dict[str, object]:
    """One row of the normality table: Shapiro-Wilk of ``values`` (the paired differences),
    or a note instead of a test above ``SHAPIRO_MAX_N`` values."""
    if len(values) > SHAPIRO_MAX_N:
        return {
            "target": target,
            "n": len(values),
            "W": np.nan,
            "p_value": np.nan,
            "note": f"more than {SHAPIRO_MAX_N} values: not tested (R's limit)",
        }
    if len(values) < MIN_PAIRS or np.ptp(values) == 0:
        return {
            "target": target,
            "n": len(values),
            "W": np.nan,
            "p_value": np.nan,
            "note": "too few values, or all equal",
        }
    w, p = stats.shapiro(values)
    return {"target": target, "n": len(values), "W": float(w), "p_value": float(p), "note": ""}


def choose_test(normality: dict[str, object], study: Study) -> tuple[str, str, str]:
    """The primary test, a code for why (the report words it), and the reason in English."""
    choice, alpha = study.analysis.test_choice, study.analysis.alpha
    if choice == "parametric":
        return (
            "paired t",
            "chosen_parametric",
            "the study chose the parametric test (analysis.test_choice)",
        )
    if choice == "nonparametric":
        return (
            "Wilcoxon signed-rank",
            "chosen_nonparametric",
            "the study chose the nonparametric test (analysis.test_choice)",
        )
    p = normality["p_value"]
    if normality["n"] > SHAPIRO_MAX_N:
        return (
            "paired t",
            "large_n",
            f"with more than {SHAPIRO_MAX_N} pairs Shapiro-Wilk is not used (R accepts 3 to "
            f"{SHAPIRO_MAX_N} values) and the mean difference is close to normal by the central "
            "limit theorem, so the paired t test is primary",
        )
    if np.isnan(p):
        return (
            "paired t",
            "untestable",
            "normality could not be tested, so the paired t test is primary",
        )
    stat = f"Shapiro-Wilk on the differences: W = {normality['W']:.3f}, p = {p:.3f}"
    if p < alpha:
        return (
            "Wilcoxon signed-rank",
            "not_normal",
            f"{stat} < {alpha:g}: the differences are not normal, so the Wilcoxon "
            "signed-rank test is primary; the paired t test is reported alongside",
        )
    return (
        "paired t",
        "normal",
        f"{stat} >= {alpha:g}: no evidence against normal differences, so the paired t "
        "test is primary; the Wilcoxon test is reported alongside",
    )


def change_summary(pre: np.ndarray, post: np.ndarray) -> dict[str, object]:
    """How many pairs improved, declined or stayed (counts and shares) and the pre-post
    correlation."""
    diff = post - pre
    n = len(diff)
    counts = {"improved": int(np.sum(diff > 1e-9)), "declined": int(np.sum(diff < -1e-9))}
    counts["stayed"] = n - counts["improved"] - counts["declined"]
    r = float(np.corrcoef(pre, post)[0, 1]) if n >= 3 and np.ptp(pre) and np.ptp(post) else np.nan
    return {
        "n": n,
        **counts,
        **{f"share_{k}": v / n if n else np.nan for k, v in counts.items()},
        "r_pre_post": r,
    }


def _power(n: int, dz: float, study: Study) -> dict[str, object]:
    alpha, target = study.analysis.alpha, study.analysis.power
    if n < MIN_PAIRS:
        return {
            "n": n,
            "alpha": alpha,
            "power_target": target,
            "detectable_dz": np.nan,
            "observed_dz": dz,
            "power_observed": np.nan,
            "note": "too few pairs",
        }
    return {
        "n": n,
        "alpha": alpha,
        "power_target": target,
        "detectable_dz": power.detectable_dz(n, power=target, alpha=alpha),
        "observed_dz": dz,
        "power_observed": power.paired_power(dz, n, alpha=alpha) if not np.isnan(dz) else np.nan,
        "note": "power at the observed effect follows from its p-value and says nothing "
        "new; use the detectable effect to judge what the study could find",
    }


def paired_results(pre: np.ndarray, post: np.ndarray, study: Study) -> dict[str, list]:
    """All paired results of one outcome and group."""
    level = study.analysis.ci_level
    reason = _not_computable(post - pre)
    normality = [shapiro_row(post - pre, "difference")]
    if study.analysis.normality_per_wave:
        normality += [shapiro_row(pre, "pre"), shapiro_row(post, "post")]
    primary, code, why = choose_test(normality[0], study)
    t_test, dz = paired_comparison(pre, post, level=level)
    w_test, rb = _wilcoxon_rows(pre, post, level, reason)
    tests = [
        {**row, "primary": row["test"] == primary, "reason_code": code, "reason": why}
        for row in (t_test, w_test)
    ]
    return {
        "tests": tests,
        "effects": [dz, *_dav_rows(pre, post, level, reason), rb],
        "normality": normality,
        "changes": [change_summary(pre, post)],
        "power": [_power(len(pre), dz["value"], study)],
    }


# --------------------------------------------------------------------------- between arms


def _between(scores: pd.DataFrame, wide: WideScores, study: Study) -> tuple[pd.DataFrame, ...]:
    """ANCOVA, mixed ANOVA and gain comparison per outcome, when both arms of the classic
    treatment and control design answered (several arms: :mod:`pipeline.stages.designs`)."""
    classic = study.groups is not None and study.groups.classic
    if not classic or not {"treatment", "control"} <= set(pd.unique(scores["group"])):
        return pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
    level = study.analysis.ci_level
    ancova, mixed, gains = [], [], []
    for scale in [s.id for s in study.instrument_spec.all_scales]:
        subjects = wide.subjects(scale)
        ancova.append({"outcome": scale, **models.ancova(subjects, level=level)})
        mixed.append(models.mixed_anova(subjects, level=level).assign(outcome=scale))
        gains.append({"outcome": scale, **models.gain_comparison(subjects, level=level)})
    ancova_table = pd.DataFrame(ancova)
    ancova_table["p_adjusted"] = multiplicity.adjust(
        ancova_table["p_value"].to_numpy(), method=study.analysis.multiplicity
    )
    ancova_table["adjustment"] = study.analysis.multiplicity
    mixed_table = pd.concat(mixed, ignore_index=True)
    return (
        ancova_table,
        mixed_table[["outcome", *[c for c in mixed_table if c != "outcome"]]],
        pd.DataFrame(gains),
    )


def _subgroups(scored: ScoreResult, wide: WideScores, study: Study) -> pd.DataFrame:
    """Does the change differ between levels of each declared demographic? One interaction
    test per demographic and outcome."""
    rows = []
    keyed = scored.keyed
    if study.groups is not None and not study.groups.classic:
        # The interaction tests compare one treatment with one control arm.
        return pd.DataFrame(
            [
                {
                    "outcome": s.id,
                    "subgroup": d.name,
                    "note": "not computed: the interaction test needs the design of one "
                    "treatment and one control arm",
                }
                for d in study.demographics
                for s in study.instrument_spec.all_scales
            ],
            columns=SUBGROUP_COLUMNS,
        )
    first, at = _first_wave_rows(keyed, scored.respondents, wide.wide.index)
    for demo in study.demographics:
        if demo.name not in keyed:
            continue
        level_of = keyed[demo.name].iloc[first].set_axis(at).replace("", np.nan)
        levels = level_of.reindex(pd.RangeIndex(len(wide.wide))).to_numpy()  # wide's rows
        for scale in [s.id for s in study.instrument_spec.all_scales]:
            subjects = wide.subjects(scale)
            subjects["subgroup"] = levels[wide.paired(scale)]
            result = models.subgroup_interaction(
                subjects.dropna(subset=["subgroup"]),
                subgroup="subgroup",
                level=study.analysis.ci_level,
            )
            rows.append({"outcome": scale, "subgroup": demo.name, **result})
    return pd.DataFrame(rows)


def _first_wave_rows(
    keyed: pd.DataFrame, respondents: Participants | None, index: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    """Each participant's row of their first wave: its position in ``keyed`` and its
    participant's position in ``index`` (codes), for the participants ``index`` holds.

    From the responses' integer keys (``respondents``, the score stage's) when given:
    sorting, deduplicating and looking up a million text codes cost about a second at a
    national survey. A participant answers each wave once, so the first wave's row is one.
    """
    if respondents is None:
        respondents = Participants.of(keyed["participant_code"])
    keys = respondents.keys
    order = np.lexsort((keyed["wave"].map(WAVE_ORDER).to_numpy(dtype=float), keys))
    order = order[keys[order] >= 0]
    first = order[np.flatnonzero(np.diff(keys[order], prepend=-1))]  # where a key starts
    if respondents.codes.equals(index):
        return first, keys[first]
    at = index.get_indexer(respondents.codes.take(keys[first]))
    return first[at >= 0], at[at >= 0]


# --------------------------------------------------------------------------- stage


def _adjust_family(tests: pd.DataFrame, method: str) -> pd.DataFrame:
    """Adjust p across the outcomes of each (group, test) family."""
    tests = tests.copy()
    tests["p_adjusted"] = np.nan
    for _, rows in tests.groupby(["group", "test"], sort=False):
        tests.loc[rows.index, "p_adjusted"] = multiplicity.adjust(
            rows["p_value"].to_numpy(), method=method
        )
    tests["adjustment"] = method
    return tests


def compare(scored: ScoreResult, study: Study) -> CompareResult:
    """Every comparison of the study (see :class:`CompareResult`).

    A one-group study is tested as group "all"; with arms each arm is tested on its own
    (pooling them would mix arms) and the arms are compared: the classic treatment and
    control pair by ANCOVA, a mixed ANOVA and their gain scores, several arms by the k-arm
    ANCOVA and mixed ANOVA of :mod:`pipeline.stages.designs`. Follow-up waves add the
    repeated-measures analyses. A try-out has no comparison: every table is empty.
    """
    scores = scored.scores
    values = value_columns(study.instrument_spec)
    if study.is_tryout:  # one wave: its descriptives, nothing to compare
        empty = pd.DataFrame()
        return CompareResult(describe(scores, values=values), *(empty,) * 9)
    wide = wide_scores(scores, values=values, waves=study_waves(study), people=scored.participants)
    groups = analysis_groups(scores, study.arm_order())
    collected: dict[str, list] = {
        k: [] for k in ("tests", "effects", "normality", "changes", "power")
    }
    for scale in [s.id for s in study.instrument_spec.all_scales]:
        for group in groups:
            pairs = wide.pairs(scale, group)
            found = paired_results(pairs["pre"].to_numpy(), pairs["post"].to_numpy(), study)
            for key, rows in found.items():
                collected[key] += [{"outcome": scale, "group": group, **row} for row in rows]
    tests = _adjust_family(pd.DataFrame(collected["tests"]), study.analysis.multiplicity)
    ancova, mixed, gains = _between(scores, wide, study)
    mastery, mastery_tests = mastery_tables(scores, study, groups)
    extra = {
        **parity_tables(wide, study, groups),
        **arm_tables(wide, study, groups),
        **followup_tables(wide, study, groups),
        **({"mastery": mastery, "mastery_tests": mastery_tests} if len(mastery) else {}),
    }
    return CompareResult(
        descriptives=describe(scores, values=values, groups=study.arm_order()),
        normality=pd.DataFrame(collected["normality"]),
        tests=tests[TEST_COLUMNS],
        effects=pd.DataFrame(collected["effects"])[EFFECT_COLUMNS],
        changes=pd.DataFrame(collected["changes"]),
        power=pd.DataFrame(collected["power"]),
        ancova=ancova,
        mixed_anova=mixed,
        gain_comparison=gains,
        subgroups=_subgroups(scored, wide, study),
        extra=extra,
    )
