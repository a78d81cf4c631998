"""Designs beyond one pre/post pair of arms: several arms, and follow-up waves (compare stage).

- Several arms (any number, each a treatment or a control; or two treatments without a
  control): ANCOVA post ~ pre + arm with the arm term on k - 1 df and the pre row, adjusted
  means with CIs, all pairwise adjusted contrasts with Holm's p (:mod:`pipeline.stats.arms`);
  a mixed ANOVA arms x waves (:func:`pipeline.stats.repeated.mixed_anova_arms`, type 3 with
  the Greenhouse-Geisser correction). The classic design of one treatment and one control arm
  keeps its two-arm tables (``ancova``, ``mixed_anova``, ``gain_comparison``).
- Follow-up waves (pre, post and later waves, in time order): per group the repeated-measures
  ANOVA with Greenhouse-Geisser, Friedman's test with Kendall's W, paired t tests of every
  pair of waves with adjusted p (the study's ``analysis.multiplicity``, Holm by default), and
  the retained gain: each follow-up minus pre and minus post with its CI
  (:mod:`pipeline.stats.followup`). Participants need every wave (listwise), as the ANOVA does.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pipeline.config import WAVE_ORDER, Study
from pipeline.stages.pairs import WideScores
from pipeline.stats import followup, repeated
from pipeline.stats.arms import ancova_arms

__all__ = [
    "ARMS_ANOVA_COLUMNS",
    "ARMS_CONTRAST_COLUMNS",
    "ARMS_MEANS_COLUMNS",
    "FRIEDMAN_COLUMNS",
    "PAIR_COLUMNS",
    "WAVES_ANOVA_COLUMNS",
    "arm_tables",
    "followup_tables",
    "study_waves",
]

ARMS_ANOVA_COLUMNS = [
    "outcome",
    "term",
    "n",
    "ss",
    "df1",
    "df2",
    "F",
    "p_value",
    "partial_eta_squared",
    "partial_eta_squared_ci_low",
    "partial_eta_squared_ci_high",
    "slopes_F",
    "slopes_df1",
    "slopes_df2",
    "slopes_p_value",
    "note",
]
ARMS_MEANS_COLUMNS = ["outcome", "arm", "role", "n", "adjusted_mean", "se", "df", "ci_low",
                      "ci_high"]  # fmt: skip
ARMS_CONTRAST_COLUMNS = [
    "outcome",
    "contrast",
    "arm",
    "reference",
    "versus_control",
    "estimate",
    "se",
    "df",
    "t",
    "p_value",
    "p_holm",
    "ci_low",
    "ci_high",
    "ci_low_bonferroni",
    "ci_high_bonferroni",
]
WAVES_ANOVA_COLUMNS = ["outcome", "design", "group", *repeated.RM_COLUMNS]
FRIEDMAN_COLUMNS = ["outcome", "group", "n", "k", "statistic", "df", "p_value", "kendall_w",
                    "note"]  # fmt: skip
PAIR_COLUMNS = ["outcome", "group", *followup.PAIR_COLUMNS]


def study_waves(study: Study) -> list[str]:
    """The study's program waves in time order (pre, post, follow-ups)."""
    return [w for w in WAVE_ORDER if w in study.waves.named() and w != "tryout"]


def _arm_order(study: Study, present: Sequence[str]) -> list[str]:
    """Controls first (the reference of every later arm), then treatments, as declared."""
    roles = study.roles()
    declared = [a for a in study.arm_order() if a in present]
    return [a for a in declared if roles[a] == "control"] + [
        a for a in declared if roles[a] != "control"
    ]


def uses_arm_tables(study: Study, present: Sequence[str]) -> bool:
    """Whether the k-arm tables apply: at least two arms answered and the design is not the
    classic treatment and control pair (whose two-arm tables say it already)."""
    arms = [a for a in present if a != "all"]
    return len(arms) >= 2 and not (study.groups is not None and study.groups.classic)


def arm_tables(wide: WideScores, study: Study, present: Sequence[str]) -> dict[str, pd.DataFrame]:
    """ANCOVA with k arms and the mixed ANOVA arms x waves, per outcome; {} unless
    :func:`uses_arm_tables`."""
    if not uses_arm_tables(study, present):
        return {}
    order, roles = _arm_order(study, present), study.roles()
    level = study.analysis.ci_level
    anova, means, contrasts = [], [], []
    for scale in [s.id for s in study.instrument_spec.all_scales]:
        subjects = wide.subjects(scale).rename(columns={"group": "arm"})
        result = ancova_arms(subjects[subjects["arm"].isin(order)], arms=order, level=level)
        slopes = {f"slopes_{k}": v for k, v in result.slopes.items()}
        anova.append(result.anova.assign(outcome=scale, n=result.n, **slopes))
        means.append(result.means.assign(outcome=scale, role=result.means["arm"].map(roles)))
        versus = [
            roles.get(r) == "control" and roles.get(a) != "control"
            for a, r in zip(result.contrasts["arm"], result.contrasts["reference"], strict=True)
        ]
        contrasts.append(result.contrasts.assign(outcome=scale, versus_control=versus))
    return {
        "arms_anova": pd.concat(anova, ignore_index=True)[ARMS_ANOVA_COLUMNS],
        "arms_means": pd.concat(means, ignore_index=True)[ARMS_MEANS_COLUMNS],
        "arms_contrasts": pd.concat(contrasts, ignore_index=True).reindex(
            columns=ARMS_CONTRAST_COLUMNS
        ),
    }


def _mixed(wide: WideScores, study: Study, present: Sequence[str], waves: list[str]):
    rows = []
    arms = [a for a in present if a != "all"]
    for scale in [s.id for s in study.instrument_spec.all_scales]:
        long = wide.long(scale, waves)
        long = long[long["group"].isin(arms)].dropna(subset=["score"])
        table = repeated.mixed_anova_arms(long, waves=waves)
        rows.append(table.assign(outcome=scale, design="mixed", group="arms"))
    return rows


def followup_tables(
    wide: WideScores, study: Study, groups: Sequence[str]
) -> dict[str, pd.DataFrame]:
    """Repeated-measures ANOVA (and the mixed ANOVA over the waves with several arms),
    Friedman, pairwise paired t and retained gain per outcome and group, when the study has
    a follow-up wave; the mixed ANOVA arms x pre/post alone for several arms without one."""
    waves = study_waves(study)
    multi = uses_arm_tables(study, groups) or (
        len(waves) > 2 and len([g for g in groups if g != "all"]) >= 2
    )
    anova = _mixed(wide, study, groups, waves) if multi else []
    if len(waves) < 3:
        return _waves_anova(anova)
    friedman, pairs, retained = [], [], []
    method, level = study.analysis.multiplicity, study.analysis.ci_level
    for scale in [s.id for s in study.instrument_spec.all_scales]:
        for group in groups:
            long = wide.long(scale, waves)
            long = long if group == "all" else long[long["group"] == group]
            long = long.drop(columns="group").dropna(subset=["score"])
            where = {"outcome": scale, "group": group}
            rm = repeated.rm_anova(long, waves=waves)
            anova.append(rm.assign(design="repeated measures", **where))
            friedman.append({**where, **followup.friedman_test(long, waves=waves)})
            found = followup.pairwise_paired_t(long, waves=waves, adjust=method, level=level)
            pairs.append(found.assign(**where))
            for later in waves[2:]:
                kept = followup.retained_gain(long, waves=waves, followup=later, level=level)
                retained.append(kept.assign(**where))
    return {
        **_waves_anova(anova),
        "friedman": pd.DataFrame(friedman)[FRIEDMAN_COLUMNS],
        "followup_pairs": pd.concat(pairs, ignore_index=True)[
            [*PAIR_COLUMNS, "p_adjusted", "adjust"]
        ],
        "retained_gain": pd.concat(retained, ignore_index=True)[PAIR_COLUMNS],
    }


def _waves_anova(rows: list[pd.DataFrame]) -> dict[str, pd.DataFrame]:
    if not rows:
        return {}
    return {"waves_anova": pd.concat(rows, ignore_index=True)[WAVES_ANOVA_COLUMNS]}
