"""Score: reverse keying and scale scores with a declared missing-item rule.

Scale scores are computed from the items of each scale after reverse keying. A participant's
scale score is the mean of the answered items when at least ``analysis.min_answered_share`` of
the items are answered, and missing otherwise. The sum score is that mean times the number of
items (a prorated sum, so it stays on the full scale's range), and POMP is the percent of the
maximum possible (Cohen, Cohen, Aiken & West 1999).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.clean import CleanResult
from pipeline.config import Instrument, Study

__all__ = ["SCORE_COLUMNS", "ScoreResult", "reverse_key", "scale_scores", "score"]

SCORE_COLUMNS = [
    "participant_code",
    "wave",
    "group",
    "scale",
    "n_items",
    "n_answered",
    "mean",
    "sum",
    "pomp",
]


@dataclass(frozen=True)
class ScoreResult:
    """Keyed item responses and scale scores.

    Attributes
    ----------
    items
        The cleaned responses with reverse-keyed items recoded.
    scores
        Long table, one row per participant, wave and scale: ``SCORE_COLUMNS``. ``mean`` is on
        the response scale, ``sum`` is the prorated sum, ``pomp`` is 0-100; all NaN when too few
        items were answered.
    rule
        The missing-item rule in words, for the report.
    """

    items: pd.DataFrame
    scores: pd.DataFrame
    rule: dict[str, object]


def reverse_key(items: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Recode reverse-keyed items as ``(min + max) - x``; other columns are left as they are.

    Applying it twice gives back the original data.
    """
    scale = instrument.response_scale
    reverse = [i.id for i in instrument.items if i.reverse and i.id in items]
    keyed = items.copy()
    keyed[reverse] = (scale.min + scale.max) - keyed[reverse]
    return keyed


def scale_scores(
    keyed: pd.DataFrame, instrument: Instrument, *, min_answered_share: float
) -> pd.DataFrame:
    """Scale scores of already keyed responses.

    Parameters
    ----------
    keyed
        Responses with ``participant_code``, ``wave``, ``group`` and item columns, reverse-keyed.
    instrument
        The codebook.
    min_answered_share
        Smallest share of a scale's items that must be answered for a score.

    Returns
    -------
    DataFrame
        ``SCORE_COLUMNS``, one row per participant, wave and scale.
    """
    low, high = instrument.response_scale.min, instrument.response_scale.max
    parts = []
    for scale in instrument.all_scales:
        values = keyed[scale.items].to_numpy(dtype=float)
        n_items = values.shape[1]
        answered = np.sum(~np.isnan(values), axis=1)
        enough = answered >= np.ceil(min_answered_share * n_items - 1e-9)
        total = np.nansum(values, axis=1)
        mean = np.where(enough & (answered > 0), total / np.maximum(answered, 1), np.nan)
        part = keyed[["participant_code", "wave", "group"]].copy()
        part["scale"] = scale.id
        part["n_items"] = n_items
        part["n_answered"] = answered
        part["mean"] = mean
        part["sum"] = mean * n_items
        part["pomp"] = (mean - low) / (high - low) * 100
        parts.append(part)
    return pd.concat(parts, ignore_index=True)[SCORE_COLUMNS]


def score(cleaned: CleanResult, study: Study) -> ScoreResult:
    """Reverse-key the items and compute every scale's scores for every participant and wave."""
    instrument = study.instrument_spec
    keyed = reverse_key(cleaned.responses, instrument)
    share = study.analysis.min_answered_share
    scores = scale_scores(keyed, instrument, min_answered_share=share)
    rule = {
        "min_answered_share": share,
        "reverse_keying": f"({instrument.response_scale.min} + {instrument.response_scale.max})"
        " - x",
        "score": "mean of answered items; prorated sum = mean x number of items; "
        "POMP = (mean - min) / (max - min) x 100",
    }
    return ScoreResult(keyed, scores, rule)
