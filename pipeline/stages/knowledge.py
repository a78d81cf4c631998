"""Knowledge tests: item analysis, distractors and Kuder-Richardson reliability per test scale
and wave (score stage), and mastery before and after with McNemar's test (compare stage).

The statistics are :mod:`pipeline.stats.testitems` and :mod:`pipeline.stats.mcnemar`; this
module feeds them a study's test scales. Respondents enter sorted by participant code, so the
upper and lower groups of the discrimination index do not depend on the order of the export.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.config import WAVE_ORDER, Instrument, Study
from pipeline.stages.outcomes import option_labels
from pipeline.stats import mcnemar as mc
from pipeline.stats import testitems as ti
from pipeline.stats.mastery import mastery_shares, mastery_table

__all__ = [
    "DISTRACTOR_COLUMNS",
    "MASTERY_COLUMNS",
    "MASTERY_TEST_COLUMNS",
    "SUMMARY_COLUMNS",
    "TEST_ITEM_COLUMNS",
    "mastery_tables",
    "test_tables",
]

TEST_ITEM_COLUMNS = [
    "scale",
    "wave",
    "item",
    "n",
    "group_size",
    "max_points",
    "difficulty",
    "difficulty_label",
    "p_upper",
    "p_lower",
    "discrimination",
    "discrimination_label",
    "r_item_total",
    "r_item_rest",
    "note",
]
DISTRACTOR_COLUMNS = [
    "scale",
    "wave",
    "item",
    "option",
    "points",
    "is_key",
    "count",
    "share",
    "share_answered",
    "share_upper",
    "share_lower",
    "functioning",
]
SUMMARY_COLUMNS = [
    "scale",
    "wave",
    "n",
    "k",
    "max_points",
    "mean_points",
    "sd_points",
    "mean_percent",
    "sd_percent",
    "kr20",
    "kr21",
    "note",
]
MASTERY_COLUMNS = ["scale", "group", "wave", "n", "mastered", "share", "passing"]
MASTERY_TEST_COLUMNS = [
    "scale",
    "group",
    "n",
    "a",
    "b",
    "c",
    "d",
    "p_pre",
    "p_post",
    "difference",
    "diff_ci_low",
    "diff_ci_high",
    "statistic",
    "p_asymptotic",
    "p_exact",
    "method",
    "p_value",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "level",
    "note",
]


def _test_scales(instrument: Instrument):
    return [s for s in instrument.all_scales if instrument.scale_kind(s) == "test"]


def _waves(frame: pd.DataFrame) -> list[str]:
    present = set(pd.unique(frame["wave"]))
    return [w for w in WAVE_ORDER if w in present]


def test_tables(
    keyed: pd.DataFrame, coded: pd.DataFrame, study: Study
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Item analysis, distractor table and test summary of every test scale and wave.

    Parameters
    ----------
    keyed
        Responses with test items as points earned (one row per participant and wave,
        sorted by participant code).
    coded
        The same responses with keyed test items as option numbers (for the distractors).
    study
        The loaded study.

    Returns
    -------
    tuple of DataFrame
        ``TEST_ITEM_COLUMNS``, ``DISTRACTOR_COLUMNS`` and ``SUMMARY_COLUMNS``; empty (with
        their columns) when the instrument has no test scale.
    """
    instrument = study.instrument_spec
    share = study.analysis.item_group_share
    items, distractors, summaries = [], [], []
    for scale in _test_scales(instrument):
        maxima = {i: instrument.max_points(instrument.item(i)) for i in scale.items}
        for wave in _waves(keyed):
            rows = (keyed["wave"] == wave).to_numpy()
            points = keyed.loc[rows, scale.items].reset_index(drop=True)
            analysed = ti.item_analysis(points, max_points=maxima, fraction=share)
            items.append(analysed.assign(scale=scale.id, wave=wave))
            summaries.append({"scale": scale.id, "wave": wave, **_summary(points, maxima)})
            chosen = coded.loc[rows, scale.items].reset_index(drop=True)
            table = _distractors(chosen, scale.items, instrument, share)
            if table is not None:
                distractors.append(table.assign(scale=scale.id, wave=wave))
    return (
        _frame(items, TEST_ITEM_COLUMNS),
        _frame(distractors, DISTRACTOR_COLUMNS),
        pd.DataFrame(summaries, columns=SUMMARY_COLUMNS),
    )


def _frame(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _summary(points: pd.DataFrame, maxima: dict[str, float]) -> dict[str, object]:
    """Totals, percentages, KR-20 and KR-21 of one test scale at one wave (complete rows)."""
    complete = points.dropna()
    total = complete.sum(axis=1)
    top = float(sum(maxima.values()))
    out: dict[str, object] = {
        "n": len(complete),
        "k": points.shape[1],
        "max_points": top,
        "mean_points": float(total.mean()) if len(total) else math.nan,
        "sd_points": float(total.std()) if len(total) > 1 else math.nan,
        "mean_percent": float(total.mean() / top * 100) if len(total) else math.nan,
        "sd_percent": float(total.std() / top * 100) if len(total) > 1 else math.nan,
        "kr20": math.nan,
        "kr21": math.nan,
        "note": "",
    }
    if set(maxima.values()) != {1.0}:
        return {**out, "note": "weighted or partial-credit items: KR-20 and KR-21 need 0/1 "
                "items; Cronbach's alpha (reliability table) applies"}  # fmt: skip
    if len(complete) < 3 or total.std() == 0:
        return {**out, "note": "fewer than 3 respondents, or every total is equal"}
    try:
        return {**out, "kr20": ti.kr20(complete), "kr21": ti.kr21(complete)}
    except ValueError:  # a rater gave part of a point: not a right/wrong test
        return {**out, "note": "points other than 0 and 1: KR-20 and KR-21 need 0/1 items"}


def _distractors(
    chosen: pd.DataFrame, items: Sequence[str], instrument: Instrument, share: float
) -> pd.DataFrame | None:
    """The distractor table of the keyed items of one scale, or None when none is keyed."""
    keyed = [i for i in items if instrument.item(i).key is not None]
    if not keyed:
        return None
    answers = pd.DataFrame(index=chosen.index)
    key, options = {}, set()
    for item_id in keyed:
        item = instrument.item(item_id)
        labels = np.array(option_labels(item, instrument), dtype=object)
        codes = chosen[item_id].to_numpy(dtype=float)
        known = ~np.isnan(codes)
        text = np.full(len(codes), None, dtype=object)
        text[known] = labels[codes[known].astype(int) - 1]
        answers[item_id] = text
        key[item_id] = {str(o): p for o, p in item.key_points(instrument.test.points).items()}
        options |= set(labels)
    table = ti.distractor_table(
        answers, key, omitted=instrument.test.omitted, fraction=share,
        options=[o for o in sorted(options, key=str)],
    )  # fmt: skip
    return _own_options(table, keyed, instrument)


def _own_options(table: pd.DataFrame, items: list[str], instrument: Instrument) -> pd.DataFrame:
    """Keep each item's own options (and the omitted row): the option list passed above is the
    union over items, so that every option an item offers is listed even if nobody chose it."""
    rank = {}
    for i, item in enumerate(items):
        labels = option_labels(instrument.item(item), instrument)
        rank |= {(item, str(o).strip().casefold()): (i, k) for k, o in enumerate(labels)}
        rank[(item, ti.OMITTED.casefold())] = (i, len(labels))
    order = [
        rank.get((item, str(option).strip().casefold()))
        for item, option in zip(table["item"], table["option"], strict=True)
    ]
    table = table.assign(_order=order)[[o is not None for o in order]]
    return table.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def mastery_tables(
    scores: pd.DataFrame, study: Study, groups: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mastery (ketuntasan) of each test and score outcome before and after, per group, and
    McNemar's test of its change.

    A participant has mastered an outcome when its percentage of the maximum (POMP) reaches
    ``analysis.passing_score``; complete pre/post pairs only. Empty tables (with their
    columns) when the study declares no passing score or has no test or score outcome.
    """
    instrument, passing = study.instrument_spec, study.analysis.passing_score
    shares, tests = [], []
    outcomes = [s for s in instrument.all_scales if instrument.scale_kind(s) != "likert"]
    if passing is None or not outcomes:
        return pd.DataFrame(columns=MASTERY_COLUMNS), pd.DataFrame(columns=MASTERY_TEST_COLUMNS)
    waves = scores[scores["wave"].isin(["pre", "post"])]
    wide = waves.pivot_table(index=["participant_code", "group"], columns=["scale", "wave"],
                             values="pomp", observed=True, aggfunc="first")  # fmt: skip
    level = study.analysis.ci_level
    for scale in outcomes:
        if (scale.id, "pre") not in wide or (scale.id, "post") not in wide:
            continue
        for group in groups:
            part = wide if group == "all" else wide.xs(group, level="group", drop_level=False)
            pre, post = part[(scale.id, "pre")], part[(scale.id, "post")]
            found = mastery_shares(pre, post, passing=passing)
            shares.append(found.assign(scale=scale.id, group=group))
            table = mastery_table(pre, post, passing=passing)
            result = mc.mcnemar_table(table.to_numpy(), level=level).as_dict()
            tests.append({"scale": scale.id, "group": group, **result})
    mastery = _frame(shares, MASTERY_COLUMNS)
    return mastery, pd.DataFrame(tests).reindex(columns=MASTERY_TEST_COLUMNS)
