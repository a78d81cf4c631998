"""Careless responding (pipeline/stages/careless.py): reasons stay with their rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.stages.careless import careless_flags
from tests.small_study import INSTRUMENT


def test_careless_reasons_follow_their_rows_on_a_gapped_index():
    items = [i.id for i in INSTRUMENT.items]
    frame = pd.DataFrame(
        np.tile(np.arange(1, 6), 5)[:24][None, :].repeat(3, axis=0),
        columns=items,
        dtype=float,
        index=[4, 9, 17],
    )
    frame.loc[17, items] = 2.0
    frame["ac1"] = [4.0, 1.0, 4.0]
    flags = careless_flags(frame, INSTRUMENT, longstring_share=0.8)
    assert flags.loc[4, "reason"] == ""
    assert flags.loc[9, "reason"] == "1 attention check(s) failed"
    assert flags.loc[17, "reason"] == "same answer on 24 of 24 items"


def test_reasons_spelled_once_per_pair_read_as_spelled_per_row():
    """Each row's reason is the text the plain row-by-row spelling gives it."""
    rng = np.random.default_rng(3)
    items = [i.id for i in INSTRUMENT.items]
    codes = rng.integers(1, 4, size=(400, len(items))).astype(float)
    codes[rng.random(codes.shape) < 0.1] = np.nan
    codes[:80, :22] = 2.0
    frame = pd.DataFrame(codes, columns=items, index=np.arange(400) * 3 + 1)
    frame["ac1"] = rng.choice([np.nan, 1.0, 4.0], size=400)
    flags = careless_flags(frame, INSTRUMENT, longstring_share=0.8)
    for row in flags.itertuples():
        parts = [f"same answer on {row.longstring} of {len(items)} items"] * row.longstring_flag
        parts += [f"{row.attention_failed} attention check(s) failed"] * (row.attention_failed > 0)
        assert row.reason == "; ".join(parts)
    assert flags["longstring_flag"].any() and (flags["attention_failed"] > 0).any()
    assert flags["reason"].dtype == pd.Series(["x"]).dtype
