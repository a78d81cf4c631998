"""Each program's contribution to the portfolio: its design, counts and standardized mean change
on its primary scale (SMCR, Becker 1988; formulas in :mod:`pipeline.stats.meta`).

- a one-group program (or one without a usable control arm): yi = SMCR of its participants;
- a program with a control group: yi = SMCR(treatment) - SMCR(control), vi the sum;
- a program without a usable treated arm (too few pairs, no spread, or groups but no
  treatment group) is analysed but not pooled, and the report says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.bundle.read import load_bundle
from pipeline.stages.pairs import MIN_PAIRS, wide_scores
from pipeline.stats.change_effects import Effect, smcr

__all__ = ["program_effect"]


def _arm_problem(pairs: pd.DataFrame) -> str | None:
    """Why an arm has no standardized change (a code the report words), or None."""
    if len(pairs) < MIN_PAIRS:
        return "too_few_pairs"
    if pairs["pre"].std() == 0 or pairs["post"].std() == 0:
        return "no_spread"
    return None


def _arm_effect(pairs: pd.DataFrame) -> Effect | None:
    if _arm_problem(pairs) is not None:
        return None
    r = float(np.corrcoef(pairs["pre"], pairs["post"])[0, 1])
    return smcr(
        pairs["pre"].mean(), pairs["post"].mean(), pairs["pre"].std(), min(r, 1.0), len(pairs)
    )


def program_effect(bundle_dir: Path) -> dict[str, Any]:
    """Design, counts and the standardized change of one finished bundle."""
    bundle = load_bundle(bundle_dir, tables=("scores",))
    results, scores = bundle.results, bundle["scores"]
    outcome = results["primary_scale"]
    groups = set(pd.unique(scores["group"]))
    wide = wide_scores(scores)
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
    t_effect = _arm_effect(treated)
    c_effect = _arm_effect(control) if len(control) else None
    if c_effect is not None:
        out.update(design="controlled", yi=t_effect.yi - c_effect.yi, vi=t_effect.vi + c_effect.vi)
    else:  # one group, or a control arm too small to use
        out.update(design="one_group", yi=t_effect.yi, vi=t_effect.vi)
    return out
