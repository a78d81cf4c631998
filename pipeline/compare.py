"""Compare: descriptives per wave and group, and paired pre-post tests with effect sizes.

Pairs are formed by participant code (never by row order), one test per scale and group, on
complete pairs only. Every row of the output tables says which method produced it and, where a
number could not be computed, why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config import Study
from pipeline.score import GROUP_ORDER, ScoreResult, analysis_groups
from pipeline.stats import effsize
from pipeline.stats.pingouin_adapter import paired_ttest

__all__ = [
    "DESCRIPTIVE_COLUMNS",
    "EFFECT_COLUMNS",
    "TEST_COLUMNS",
    "CompareResult",
    "compare",
    "describe",
    "paired_comparison",
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
    "method",
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
MIN_PAIRS = 3
WAVE_ORDER = ("pre", "post", "follow_up")


@dataclass(frozen=True)
class CompareResult:
    """Descriptive statistics, tests and effect sizes as tidy tables.

    Attributes
    ----------
    descriptives
        ``DESCRIPTIVE_COLUMNS``: one row per outcome (scale), wave and group ("all" pools the
        groups). SD uses ddof = 1; q1 and q3 are linear-interpolation quartiles.
    tests
        ``TEST_COLUMNS``: one row per outcome, group and test. ``estimate`` is the mean
        difference post minus pre with its confidence interval.
    effects
        ``EFFECT_COLUMNS``: one row per outcome, group and effect size, signed post minus pre.
    """

    descriptives: pd.DataFrame
    tests: pd.DataFrame
    effects: pd.DataFrame


def describe(scores: pd.DataFrame) -> pd.DataFrame:
    """Descriptive statistics of scale means per scale, wave and group, plus the pooled groups."""
    pooled = scores.assign(group="all")
    frames = [scores, pooled] if scores["group"].ne("all").any() else [scores]
    data = pd.concat(frames, ignore_index=True).dropna(subset=["mean"])
    grouped = data.groupby(["scale", "wave", "group"], sort=False)["mean"]
    table = (
        grouped.agg(
            n="count",
            mean="mean",
            sd="std",
            median="median",
            q1=lambda s: s.quantile(0.25),
            q3=lambda s: s.quantile(0.75),
            min="min",
            max="max",
        )
        .reset_index()
        .rename(columns={"scale": "outcome"})
    )
    return _ordered(table, outcomes=list(pd.unique(scores["scale"])))[DESCRIPTIVE_COLUMNS]


def _ordered(table: pd.DataFrame, *, outcomes: list[str]) -> pd.DataFrame:
    """Rows in reading order: outcomes as the instrument lists them, then group, then wave."""
    keys = {
        "outcome": {o: i for i, o in enumerate(outcomes)},
        "group": {g: i for i, g in enumerate(GROUP_ORDER)},
        "wave": {w: i for i, w in enumerate(WAVE_ORDER)},
    }
    columns = [c for c in keys if c in table]
    ordered = table.sort_values(columns, key=lambda col: col.map(keys[col.name]), kind="stable")
    return ordered.reset_index(drop=True)


def _pairs(scores: pd.DataFrame, scale: str, group: str) -> pd.DataFrame:
    part = scores[(scores["scale"] == scale) & (scores["wave"].isin(["pre", "post"]))]
    if group != "all":
        part = part[part["group"] == group]
    wide = part.pivot(index="participant_code", columns="wave", values="mean")
    return wide.reindex(columns=["pre", "post"]).dropna()


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


def _not_computable(diff: np.ndarray) -> str:
    if len(diff) < MIN_PAIRS:
        return f"only {len(diff)} complete pair(s); at least {MIN_PAIRS} are needed"
    if np.std(diff) == 0:
        return "every participant changed by the same amount, so the differences have no spread"
    return ""


def compare(scored: ScoreResult, study: Study) -> CompareResult:
    """Descriptives for every scale, wave and group; paired tests and d_z per scale and group.

    A one-group study is tested as group "all"; a study with treatment and control is tested
    within each arm (the between-arm comparison is a separate analysis).
    """
    scores = scored.scores
    groups = analysis_groups(scores)
    tests, effects = [], []
    for scale in [s.id for s in study.instrument_spec.all_scales]:
        for group in groups:
            pairs = _pairs(scores, scale, group)
            test, effect = paired_comparison(
                pairs["pre"].to_numpy(), pairs["post"].to_numpy(), level=study.analysis.ci_level
            )
            tests.append({"outcome": scale, "group": group, **test})
            effects.append({"outcome": scale, "group": group, **effect})
    return CompareResult(
        describe(scores),
        pd.DataFrame(tests, columns=TEST_COLUMNS),
        pd.DataFrame(effects, columns=EFFECT_COLUMNS),
    )
