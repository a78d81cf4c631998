"""Each program's contribution to the portfolio: its design, counts and standardized mean change
on its primary scale (SMCR, Becker 1988; formulas in :mod:`pipeline.stats.meta`).

- a one-group program (or one without a usable control arm): yi = SMCR of its participants;
- a program with a control group: yi = SMCR(treatment) - SMCR(control), vi the sum;
- a program with several arms: each treatment arm's SMCR minus the control's (the shared
  control's variance split between the arms), one portfolio row per treatment arm;
- a program without a usable treated arm (too few pairs, no spread, or groups but no
  treatment group) or an instrument try-out is analysed but not pooled, and the report says
  why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.bundle.read import load_bundle
from pipeline.bundle.write import PORTFOLIO_READS
from pipeline.stages.pairs import MIN_PAIRS, wide_scores
from pipeline.stats.change_effects import Effect, smcr

__all__ = ["arm_effect", "arm_effects", "expand_arms", "program_effect"]


def _arm_problem(pairs: pd.DataFrame) -> str | None:
    """Why an arm has no standardized change (a code the report words), or None."""
    if len(pairs) < MIN_PAIRS:
        return "too_few_pairs"
    if pairs["pre"].std() == 0 or pairs["post"].std() == 0:
        return "no_spread"
    return None


def arm_effect(pairs: pd.DataFrame) -> Effect | None:
    """The standardized mean change (SMCR) of one arm's pre/post pairs, or None when the arm
    cannot give one (too few pairs, no spread)."""
    if _arm_problem(pairs) is not None:
        return None
    r = float(np.corrcoef(pairs["pre"], pairs["post"])[0, 1])
    return smcr(
        pairs["pre"].mean(), pairs["post"].mean(), pairs["pre"].std(), min(r, 1.0), len(pairs)
    )


def program_effect(bundle_dir: Path) -> dict[str, Any]:
    """Design, counts and the standardized change of one finished bundle.

    A design with several arms gives one effect per treatment arm under ``arms`` (see
    :func:`arm_effects`); the portfolio lists and pools each (:func:`expand_arms`).
    """
    bundle = load_bundle(bundle_dir, tables=PORTFOLIO_READS)
    results, scores = bundle.results, bundle["scores"]
    outcome = results["primary_scale"]
    design = results.get("design", {})
    if design.get("kind") == "tryout":  # an instrument try-out has no change to pool
        return {"enrolled": results["flow"]["participants"], "completed": 0, "n_treatment": 0,
                "n_control": 0, "outcome": outcome, "design": "none", "yi": np.nan,
                "vi": np.nan, "not_pooled_reason": "tryout"}  # fmt: skip
    columns = {s["id"]: s["column"] for s in results["instrument"]["scales"] if "column" in s}
    wide = wide_scores(scores, values=columns)
    if design.get("arms") and not design.get("classic", True):
        return arm_effects(wide, results, outcome)
    groups = set(pd.unique(scores["group"]))
    # A study without groups scores everyone as "all": only then is everyone the treated arm.
    # With groups, the control arm alone must not stand in for it (its change minus itself is 0).
    grouped = bool(groups & {"treatment", "control"})
    treated = wide.pairs(outcome, "treatment" if grouped else "all")
    control = wide.pairs(outcome, "control") if "control" in groups else pd.DataFrame()
    out: dict[str, Any] = {
        "enrolled": results["flow"]["participants"],
        "completed": len(wide.pairs(outcome)),
        "n_treatment": len(treated),
        "n_control": len(control),
        "outcome": outcome,
        "not_pooled_reason": "",
    }
    if grouped and "treatment" not in groups:
        reason = "no_treatment_group"
    else:
        reason = _arm_problem(treated)
    if reason is not None:
        out.update(design="none", yi=np.nan, vi=np.nan, not_pooled_reason=reason)
        return out
    return out | _contrast(arm_effect(treated), arm_effect(control) if len(control) else None)


def _contrast(treated: Effect, control: Effect | None, shares: int = 1) -> dict[str, Any]:
    """The treated arm's SMCR minus the control's; the control's variance counted ``shares``
    times when it is compared with that many treatment arms."""
    if control is None:  # one group, or a control arm too small to use
        return {"design": "one_group", "yi": treated.yi, "vi": treated.vi}
    return {"design": "controlled", "yi": treated.yi - control.yi,
            "vi": treated.vi + shares * control.vi}  # fmt: skip


def arm_effects(wide, results: dict[str, Any], outcome: str) -> dict[str, Any]:
    """Each treatment arm's standardized change, minus the first control arm's (declared
    order) when it has one.

    Notes
    -----
    The treatment arms share that control group, so their contrasts are correlated. As the
    Cochrane Handbook (Higgins et al. 2023, section 23.3.4) advises for a shared group, the
    control's sample is split between the m comparisons: its sampling variance enters each
    contrast m times (vi of an SMCR is inversely proportional to n), so the pooled
    precision is not overstated.
    """
    arms = results["design"]["arms"]
    present = set(wide.groups)
    controls = [a["name"] for a in arms if a["role"] == "control" and a["name"] in present]
    treated = [a["name"] for a in arms if a["role"] == "treatment" and a["name"] in present]
    control = wide.pairs(outcome, controls[0]) if controls else pd.DataFrame()
    c_effect = arm_effect(control) if len(control) else None
    rows = []
    for arm in treated:
        pairs = wide.pairs(outcome, arm)
        row = {"arm": arm, "n_treatment": len(pairs), "n_control": len(control),
               "not_pooled_reason": ""}  # fmt: skip
        reason = _arm_problem(pairs)
        if reason is not None:
            rows.append(row | {"design": "none", "yi": np.nan, "vi": np.nan,
                               "not_pooled_reason": reason})  # fmt: skip
            continue
        rows.append(row | _contrast(arm_effect(pairs), c_effect, shares=len(treated)))
    out = {"enrolled": results["flow"]["participants"], "completed": len(wide.pairs(outcome)),
           "outcome": outcome, "arms": rows}  # fmt: skip
    if not rows:
        out |= {"design": "none", "yi": np.nan, "vi": np.nan, "n_treatment": 0,
                "n_control": len(control), "not_pooled_reason": "no_treatment_group"}  # fmt: skip
    return out


def expand_arms(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One portfolio row per treatment arm of a program with several arms (its id and title
    name the arm); other rows as they are."""
    out = []
    for row in rows:
        arms = row.pop("arms", None)
        if not arms:
            out.append(row)
            continue
        for arm in arms:
            out.append(row | arm | {"program_id": f"{row.get('program_id', '')}:{arm['arm']}"})
    return out
