"""What a researcher moving from JASP or jamovi expects beside the paired tests (compare
stage): the Bayesian paired t test, one-sided tests of a hypothesis declared in advance, and
the normal Q-Q points of the paired differences.

- Bayes factor BF10 of post - pre with a Cauchy prior on the standardized effect, scale
  ``analysis.bayes_prior`` (0.707, JASP's default); two-sided always, and for the declared
  direction too (:mod:`pipeline.stats.bayes`). ``analysis.bayes_method: exact`` (the default)
  integrates every Bayes factor; ``bayesfactor`` copies BayesFactor's (and so JASP's) shortcut
  for one-sided tests with |t| > 5, which can be far off against the data's direction.
- One-sided paired t and Wilcoxon tests when ``analysis.hypothesis.direction`` is
  ``increase`` or ``decrease``, adjusted across the outcomes like the two-sided ones.
- The Q-Q points and line of the differences of the primary scale, per group
  (:mod:`pipeline.stats.normality`), for the report's plot (at most :data:`QQ_MAX_POINTS`
  of them; ``position`` keeps each point's rank).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.config import Study
from pipeline.stages.pairs import MIN_PAIRS, WideScores
from pipeline.stats import bayes, multiplicity, normality
from pipeline.stats.nonparametric import wilcoxon_one_sided
from pipeline.stats.parametric import paired_t_test

__all__ = ["BAYES_COLUMNS", "DIRECTIONAL_COLUMNS", "QQ_COLUMNS", "parity_tables"]

BAYES_COLUMNS = [
    "outcome",
    "group",
    "comparison",
    "alternative",
    "n",
    "t",
    "df",
    "r_scale",
    "bf10",
    "bf01",
    "log_bf10",
    "method",
    "error",
    "note",
]
DIRECTIONAL_COLUMNS = [
    "outcome",
    "group",
    "comparison",
    "test",
    "alternative",
    "declared",
    "n",
    "estimate",
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p_value",
    "p_adjusted",
    "adjustment",
    "method",
    "note",
]
QQ_COLUMNS = ["outcome", "group", "position", "theoretical", "sample", "intercept", "slope"]
_T_METHOD = "Student's paired t test, one-sided ({}); one-sided CI of the mean difference"
_W_METHOD = "Wilcoxon signed-rank test, one-sided ({}), {}"


def bayes_factor_rows(pre, post, study: Study, where: dict) -> list[dict]:
    """The JZS Bayes factor rows of one paired outcome: two-sided, and the declared direction
    when the study states one; ``where`` labels the rows (outcome, group)."""
    options = study.analysis
    alternatives = ["two-sided"]
    if options.hypothesis.alternative != "two-sided":
        alternatives.append(options.hypothesis.alternative)
    rows = []
    for alternative in alternatives:
        if len(pre) < MIN_PAIRS:
            note = f"only {len(pre)} complete pair(s); at least {MIN_PAIRS} are needed"
            found = {"n": len(pre), "r_scale": options.prior_scale(), "method": "not computed",
                     "note": note}  # fmt: skip
        else:
            found = bayes.bayes_factor_paired(
                post, pre, r_scale=options.prior_scale(), alternative=alternative,
                method=options.bayes_method,
            )  # fmt: skip
        rows.append({**where, "comparison": "post - pre", **found, "alternative": alternative})
    return rows


def _directional_rows(pre, post, study: Study, where: dict) -> list[dict]:
    hypothesis = study.analysis.hypothesis
    alternative = hypothesis.alternative
    base = {**where, "comparison": "post - pre", "alternative": alternative,
            "declared": str(hypothesis.declared), "n": len(pre)}  # fmt: skip
    level = study.analysis.ci_level
    if len(pre) < MIN_PAIRS:
        note = f"only {len(pre)} complete pair(s); at least {MIN_PAIRS} are needed"
        return [{**base, "test": t, "note": note} for t in ("paired t", "Wilcoxon signed-rank")]
    t = paired_t_test(post, pre, alternative=alternative, level=level)
    w = wilcoxon_one_sided(post, pre, alternative=alternative)
    return [
        {**base, "test": "paired t", "estimate": t["mean_difference"], "ci_low": t["ci_low"],
         "ci_high": t["ci_high"], "statistic": t["t"], "df": t["df"], "p_value": t["p_value"],
         "method": _T_METHOD.format(alternative), "note": t["note"]},
        {**base, "test": "Wilcoxon signed-rank", "statistic": w["statistic"],
         "p_value": w["p_value"], "method": _W_METHOD.format(alternative, w["method"]),
         "note": w["note"]},
    ]  # fmt: skip


#: A Q-Q plot of more pairs keeps this many of its points (evenly spaced ranks, the extremes
#: included): a plot cannot show more, and the bundle of a national survey stays small.
QQ_MAX_POINTS = 2000


def qq_rows(pre, post, where: dict) -> pd.DataFrame | None:
    """Normal Q-Q points of the paired differences, labelled by ``where``; None when there are
    too few pairs or every difference is the same."""
    diff = np.asarray(post, dtype=float) - np.asarray(pre, dtype=float)
    if len(diff) < MIN_PAIRS or np.ptp(diff) == 0:
        return None
    points = normality.qq_points(diff)
    line = normality.qq_line(diff)
    points = points.assign(position=np.arange(1, len(points) + 1), **where, **line)
    if len(points) > QQ_MAX_POINTS:
        keep = np.unique(np.linspace(0, len(points) - 1, QQ_MAX_POINTS).round().astype(int))
        points = points.iloc[keep].reset_index(drop=True)
    return points


def parity_tables(wide: WideScores, study: Study, groups: Sequence[str]) -> dict[str, pd.DataFrame]:
    """``bayes`` (every outcome and group), ``directional`` (when a direction is declared)
    and ``qq`` (the primary scale) of a pre/post study."""
    bayes_rows, directional_rows, qq = [], [], []
    primary = study.primary_scale()
    declared = study.analysis.hypothesis.alternative != "two-sided"
    for scale in [s.id for s in study.instrument_spec.all_scales]:
        for group in groups:
            pairs = wide.pairs(scale, group)
            pre, post = pairs["pre"].to_numpy(float), pairs["post"].to_numpy(float)
            where = {"outcome": scale, "group": group}
            bayes_rows += bayes_factor_rows(pre, post, study, where)
            if declared:
                directional_rows += _directional_rows(pre, post, study, where)
            if scale == primary:
                found = qq_rows(pre, post, where)
                qq += [found] if found is not None else []
    out = {"bayes": pd.DataFrame(bayes_rows).reindex(columns=BAYES_COLUMNS)}
    if declared:
        out["directional"] = _adjust(pd.DataFrame(directional_rows), study)
    out["qq"] = (
        pd.concat(qq, ignore_index=True)[QQ_COLUMNS] if qq else pd.DataFrame(columns=QQ_COLUMNS)
    )
    return out


def _adjust(table: pd.DataFrame, study: Study) -> pd.DataFrame:
    """One-sided p adjusted across the outcomes of each (group, test) family."""
    method = study.analysis.multiplicity
    table = table.reindex(columns=DIRECTIONAL_COLUMNS)
    for _, rows in table.groupby(["group", "test"], sort=False):
        table.loc[rows.index, "p_adjusted"] = multiplicity.adjust(
            rows["p_value"].to_numpy(dtype=float), method=method
        )
    table["adjustment"] = method
    return table
