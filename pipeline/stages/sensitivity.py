"""Sensitivity variants: the same data analysed again with some analysis options changed,
reported beside the primary analysis (where people disagree: pairwise or listwise
reliability, Holm or Benjamini-Hochberg, the corrected or uncorrected item-total r...).

Each variant declared under ``sensitivity`` in the study file reruns the score and compare
stages on the cleaned data; the headline quantities of both runs are set side by side in one
long table, so a reader sees at once which conclusions depend on the choice.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from pipeline.config import Study
from pipeline.stages.result import CleanResult, CompareResult, ScoreResult

__all__ = ["SENSITIVITY_COLUMNS", "headline_quantities", "sensitivity_table"]

SENSITIVITY_COLUMNS = [
    "variant",
    "changes",
    "quantity",
    "outcome",
    "wave",
    "group",
    "test",
    "primary",
    "value",
    "differs",
]
_KEYS = ["quantity", "outcome", "wave", "group", "test"]


def _long(frame: pd.DataFrame, quantity: str, value: str, **columns: str) -> pd.DataFrame:
    """Rows of one quantity with the key columns named as in :data:`SENSITIVITY_COLUMNS`."""
    if frame is None or frame.empty or value not in frame:
        return pd.DataFrame(columns=[*_KEYS, "value"])
    out = pd.DataFrame({"quantity": quantity, "value": frame[value].astype(float)})
    for key in ("outcome", "wave", "group", "test"):
        out[key] = frame[columns[key]].astype(str) if key in columns else ""
    return out[[*_KEYS, "value"]]


def headline_quantities(scored: ScoreResult, compared: CompareResult) -> pd.DataFrame:
    """The quantities a variant may move, one row each: alpha per scale and wave, the number
    of valid items, p (raw and adjusted) and the primary flag of every paired test, d_z, the
    mean gain, and the adjusted p of follow-up contrasts and one-sided tests."""
    items = scored.items
    valid = (
        items.groupby(["scale", "wave"], sort=False)["valid"].sum().reset_index()
        if len(items)
        else None
    )
    tests = compared.tests.assign(primary=compared.tests["primary"].astype(float))
    effects = compared.effects[compared.effects["effect"] == "d_z"]
    parts = [
        _long(scored.reliability, "alpha", "alpha", outcome="scale", wave="wave"),
        _long(valid, "valid_items", "valid", outcome="scale", wave="wave"),
        _long(tests, "p_value", "p_value", outcome="outcome", group="group", test="test"),
        _long(tests, "p_adjusted", "p_adjusted", outcome="outcome", group="group", test="test"),
        _long(tests, "primary_test", "primary", outcome="outcome", group="group", test="test"),
        _long(effects, "d_z", "value", outcome="outcome", group="group"),
        _long(scored.gain_summary, "gain_mean", "gain_mean", outcome="scale", group="group"),
    ]
    extra = compared.extra
    if "followup_pairs" in extra:
        parts.append(_long(extra["followup_pairs"], "p_adjusted", "p_adjusted",
                           outcome="outcome", group="group", test="contrast"))  # fmt: skip
    if "directional" in extra:
        parts.append(_long(extra["directional"], "p_adjusted_one_sided", "p_adjusted",
                           outcome="outcome", group="group", test="test"))  # fmt: skip
    found = [p for p in parts if len(p)]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=[*_KEYS, "value"])


def sensitivity_table(
    cleaned: CleanResult, scored: ScoreResult, compared: CompareResult, study: Study
) -> pd.DataFrame:
    """Every declared variant's headline quantities beside the primary analysis's.

    Returns
    -------
    pandas.DataFrame
        :data:`SENSITIVITY_COLUMNS`: the variant's name and its changed options (JSON), the
        quantity and its keys, the primary analysis's value, the variant's, and whether they
        differ (beyond 1e-12). Empty without variants.
    """
    from pipeline.stages.compare import compare
    from pipeline.stages.score import score

    if not study.sensitivity:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    primary = headline_quantities(scored, compared).rename(columns={"value": "primary"})
    primary["_order"] = np.arange(len(primary))
    rows = []
    for variant in study.sensitivity:
        changed = study.with_options(variant.changes())
        rescored = score(cleaned, changed)
        found = headline_quantities(rescored, compare(rescored, changed))
        both = primary.merge(found, on=_KEYS, how="outer")
        # The primary analysis's row order (an outer merge sorts its keys); a quantity only
        # the variant has comes last.
        both = both.sort_values("_order", kind="stable", na_position="last")
        both = both.assign(variant=variant.name, changes=json.dumps(variant.changes()))
        rows.append(both)
    table = pd.concat(rows, ignore_index=True)
    gap = (table["primary"] - table["value"]).abs()
    one_missing = table["primary"].isna() != table["value"].isna()
    table["differs"] = np.where(gap.isna(), one_missing, gap > 1e-12)
    return table[SENSITIVITY_COLUMNS]
