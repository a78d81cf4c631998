"""The participant pivot (pipeline/stages/pairs.py) gives each cell the first non-missing
value of its participant, scale and wave, however the rows repeat or lack a key."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.stages.pairs import participant_matrix


def _long(seed: int, repeats: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    people = [f"P{i:03d}" for i in range(40)]
    rows = [(p, s, w) for p in people for s in ("s1", "s2", "total") for w in ("pre", "post")]
    rows = [rows[i] for i in rng.permutation(len(rows))[: len(rows) - 30]]
    if repeats:
        rows += [rows[i] for i in rng.integers(0, len(rows), 60)]
    long = pd.DataFrame(rows, columns=["participant_code", "scale", "wave"])
    long["mean"] = np.where(rng.random(len(long)) < 0.1, np.nan, rng.normal(size=len(long)))
    long["pomp"] = rng.random(len(long)) * 100
    if repeats:
        long.loc[[3, 11], "participant_code"] = np.nan
    return long.astype({"scale": "category", "wave": "category"})


def _first_by_loop(long: pd.DataFrame, column: str) -> dict[tuple, float]:
    found: dict[tuple, float] = {}
    for row in long.itertuples(index=False):
        value = getattr(row, column)
        key = (row.participant_code, row.scale, row.wave)
        if isinstance(row.participant_code, str) and not np.isnan(value) and key not in found:
            found[key] = value
    return found


@pytest.mark.parametrize("repeats", [False, True])
def test_each_cell_holds_its_first_value_and_each_person_their_first_row(repeats):
    long = _long(7, repeats)
    wide, first = participant_matrix(long, long[["mean", "pomp"]], ["scale", "wave"])
    for column in ("mean", "pomp"):
        expected = _first_by_loop(long, column)
        cells = wide[column].stack([0, 1], future_stack=True)
        for key, value in cells.items():
            if key in expected:
                assert value == expected[key]
            else:
                assert np.isnan(value)
        assert set(expected) <= set(cells.index)
    codes = long["participant_code"]
    assert list(first) == [int(np.flatnonzero(codes.eq(c).to_numpy())[0]) for c in wide.index]
