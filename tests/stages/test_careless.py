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
