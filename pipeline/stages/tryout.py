"""The instrument try-out (uji coba instrumen): item validity and reliability from one wave.

Indonesian practice tries a questionnaire or test on one group before the program and reports,
per item, r hitung against r tabel and the decision (valid / gugur), alpha if the item is
dropped, and for tests the difficulty and discrimination; per scale Cronbach's alpha (KR-20
for right/wrong items) with its Feldt (1965) interval. The conventions are the study's:
``analysis.item_r`` (corrected or uncorrected r), ``analysis.r_table_df`` (df = n - 2 or n),
``analysis.alpha`` and ``analysis.reliability_missing``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.config import Study
from pipeline.stats import reliability as rel
from pipeline.stats import testitems as ti
from pipeline.stats.validity import item_validity

__all__ = ["TRYOUT_ITEM_COLUMNS", "TRYOUT_SCALE_COLUMNS", "tryout_tables"]

TRYOUT_ITEM_COLUMNS = [
    "scale",
    "kind",
    "item",
    "n",
    "df",
    "r",
    "r_critical",
    "valid",
    "decision",
    "alpha_if_deleted",
    "difficulty",
    "difficulty_label",
    "discrimination",
    "discrimination_label",
    "method",
    "note",
]
TRYOUT_SCALE_COLUMNS = [
    "scale",
    "kind",
    "n",
    "k",
    "k_valid",
    "coefficient",
    "value",
    "ci_low",
    "ci_high",
    "kr21",
    "alpha_valid_items",
    "rule",
    "note",
]


def _validity(items: pd.DataFrame, study: Study) -> pd.DataFrame:
    """:func:`item_validity` with the study's conventions (df = n - 2, or n as tables
    indexed by N do)."""
    options = study.analysis
    settings = {
        "corrected": options.item_r == "corrected",
        "use": options.reliability_missing,
        "alpha": options.alpha,
    }
    with np.errstate(invalid="ignore", divide="ignore"):
        found = item_validity(items, **settings)
        if options.r_table_df == "n":
            found = item_validity(items, **settings, df=int(found["n"].iat[0]))
    return found


def _coefficient(items: pd.DataFrame, kind: str, dichotomous: bool, study: Study) -> dict:
    """Alpha (KR-20 for right/wrong items) with its Feldt interval, and KR-21."""
    level = study.analysis.ci_level
    if kind == "test" and dichotomous:
        complete = items.dropna()
        n, k = len(complete), items.shape[1]
        value = ti.kr20(complete) if n >= 3 else math.nan
        kr21 = ti.kr21(complete) if n >= 3 else math.nan
        name = "KR-20"
    else:
        cov, n = rel.item_covariance(items, use=study.analysis.reliability_missing)
        k = items.shape[1]
        value = rel.cronbach_alpha(cov) if n >= 3 and np.all(np.diag(cov) > 0) else math.nan
        kr21, name = math.nan, "alpha"
    low, high = rel.feldt_ci(value, n, k, level) if not math.isnan(value) else (math.nan,) * 2
    return {"n": n, "k": k, "coefficient": name, "value": value, "ci_low": low,
            "ci_high": high, "kr21": kr21}  # fmt: skip


def _kept_alpha(items: pd.DataFrame, valid: list[str], study: Study) -> float:
    """Alpha of the valid items alone (the "second round" most reports run)."""
    if len(valid) < 2:
        return math.nan
    cov, n = rel.item_covariance(items[valid], use=study.analysis.reliability_missing)
    return rel.cronbach_alpha(cov) if n >= 3 and np.all(np.diag(cov) > 0) else math.nan


def tryout_tables(keyed: pd.DataFrame, study: Study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per item and per scale results of a try-out wave.

    Parameters
    ----------
    keyed
        The try-out's responses, keyed (reverse items recoded, test items as points), sorted
        by participant code.
    study
        The loaded study (its analysis options set the conventions).

    Returns
    -------
    tuple of DataFrame
        ``TRYOUT_ITEM_COLUMNS`` (one row per scale and item) and ``TRYOUT_SCALE_COLUMNS``
        (one row per scale). Score outcomes have no items and are left out.
    """
    instrument = study.instrument_spec
    item_rows, scale_rows = [], []
    for scale in instrument.all_scales:
        if instrument.scale_kind(scale) != "score":
            items, facts = _scale_tables(keyed[scale.items].reset_index(drop=True), scale, study)
            item_rows.append(items)
            scale_rows.append(facts)
    items_table = (
        pd.concat(item_rows, ignore_index=True)
        if item_rows
        else pd.DataFrame(columns=TRYOUT_ITEM_COLUMNS)
    )
    return items_table, pd.DataFrame(scale_rows, columns=TRYOUT_SCALE_COLUMNS)


def _scale_tables(items: pd.DataFrame, scale, study: Study) -> tuple[pd.DataFrame, dict]:
    """One scale's item rows (validity, and difficulty and discrimination of test items) and
    its row of the scale table."""
    instrument = study.instrument_spec
    kind = instrument.scale_kind(scale)
    validity = _validity(items, study)
    table = validity.assign(scale=scale.id, kind=kind)
    maxima = {i: instrument.max_points(instrument.item(i)) for i in scale.items}
    if kind == "test":
        analysed = ti.item_analysis(items, max_points=maxima,
                                    fraction=study.analysis.item_group_share)  # fmt: skip
        columns = ["item", "difficulty", "difficulty_label", "discrimination",
                   "discrimination_label"]  # fmt: skip
        table = table.merge(analysed[columns], on="item", how="left")
    valid = list(validity.loc[validity["valid"], "item"])
    dichotomous = kind == "test" and set(maxima.values()) == {1.0}
    dichotomous = dichotomous and bool(items.isin([0, 1]).all().all())
    facts = {
        "scale": scale.id,
        "kind": kind,
        **_coefficient(items, kind, dichotomous, study),
        "k_valid": len(valid),
        "alpha_valid_items": _kept_alpha(items, valid, study),
        "rule": _rule(study),
        "note": "" if len(items.dropna(how="all")) >= 3 else "fewer than 3 respondents",
    }
    return table.reindex(columns=TRYOUT_ITEM_COLUMNS), facts


def _rule(study: Study) -> str:
    options = study.analysis
    which = "corrected item-total r" if options.item_r == "corrected" else "item-total r"
    return (
        f"valid when {which} > critical r (two-tailed alpha {options.alpha:g}, df = "
        f"{options.r_table_df}); missing data {options.reliability_missing}"
    )
