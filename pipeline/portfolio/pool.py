"""Pooling the programs' effects: per design, a random-effects model (REML by default,
DerSimonian-Laird on request, Hartung-Knapp optional) with a prediction interval, tau², I², Q,
and subgroup tests by the program facts method, level and region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.stats import meta

__all__ = ["DESIGNS", "MODERATORS", "PROGRAM_COLUMNS", "PortfolioResult", "pool"]


#: Program facts the portfolio groups by, as ``program:`` keys in study.yaml.
MODERATORS = ("method", "level", "region")


PROGRAM_COLUMNS = [
    "study_file",
    "program_id",
    "title",
    "method",
    "level",
    "region",
    "status",
    "reused",
    "design",
    "arm",
    "not_pooled_reason",
    "enrolled",
    "completed",
    "n_treatment",
    "n_control",
    "yi",
    "vi",
    "ci_low",
    "ci_high",
    "problems",
    "problems_id",
    "seconds",
]


@dataclass(frozen=True)
class PortfolioResult:
    """The portfolio's tables: one row per program, the pooled effects, the subgroups."""

    programs: pd.DataFrame
    pooled: pd.DataFrame
    subgroups: pd.DataFrame
    settings: dict[str, Any]


def _interval(row: pd.Series, z: float) -> tuple[float, float]:
    half = z * np.sqrt(row["vi"])
    return row["yi"] - half, row["yi"] + half


DESIGNS = ("one_group", "controlled")


def pool(
    programs: pd.DataFrame, *, method: str = "REML", hk: bool = False, level: float = 0.95
) -> PortfolioResult:
    """Pool the programs' effects per design, overall and by each moderator."""
    from scipy import stats

    programs = programs.copy()
    z = stats.norm.isf((1 - level) / 2)
    usable = programs["status"].eq("ok") & programs["yi"].notna()
    limits = programs[usable].apply(_interval, axis=1, z=z, result_type="expand")
    if len(limits):
        programs.loc[usable, ["ci_low", "ci_high"]] = limits.to_numpy()
    pooled, subgroups = [], []
    for design in DESIGNS:
        part = programs[usable & programs["design"].eq(design)]
        if part.empty:
            continue
        fit = meta.random_effects(part["yi"], part["vi"], method=method, hk=hk, level=level)
        pooled.append({"design": design, **fit.as_dict()})
        for moderator in MODERATORS:
            labels = part[moderator].replace("", "(not stated)")
            if labels.nunique() < 2:
                continue
            found = meta.subgroups(
                part["yi"], part["vi"], labels, method=method, hk=hk, level=level
            )
            test = {  # with Hartung-Knapp QM is an F on (QM_df, QM_df2) df, else a chi-square
                "QM": found.QM,
                "QM_df": found.QM_df,
                "QM_df2": found.QM_df2,
                "QM_p": found.QM_p,
                "QM_test": found.test,
                "tau2_resid": found.tau2_resid,
            }
            for record in found.levels.to_dict("records"):
                subgroups.append({"design": design, "moderator": moderator, **record, **test})
    settings = {"method": method, "hk": hk, "level": level, "measure": "SMCR (pre-test SD)"}
    return PortfolioResult(
        programs.reindex(columns=PROGRAM_COLUMNS),
        pd.DataFrame(pooled),
        pd.DataFrame(subgroups),
        settings,
    )
