"""Dose-response (pipeline/program/dose.py), checked against R 4.2 (tests/reference/process.R ->
process.json): ``cor.test(sessions, gain, method = "pearson", conf.level = level)``,
``cor.test(..., method = "spearman", exact = FALSE)``, ``lm(gain ~ sessions)`` with ``confint``;
tolerance 1e-6 absolute (agreement observed: about 1e-15)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.program.dose import DOSE_CAVEAT, dose_response
from tests.program.log_fixtures import (
    REF,
    TOL,
)


def _dose_cases():
    return [
        pytest.param(data, result, id=f"{name}-{result['level']}")
        for name, data in REF["dose_response"].items()
        for result in data["results"]
    ]


@pytest.mark.parametrize(("data", "expected"), _dose_cases())
def test_dose_response_matches_r(data, expected):
    dose = pd.Series(data["sessions"], index=data["participant"])
    gain = pd.Series(data["gain"], index=data["participant"])
    result = dose_response(dose, gain, ci_level=expected["level"])
    assert result.n == expected["n"]
    for name, value in expected.items():
        if name not in {"level", "n"}:
            assert getattr(result, name) == pytest.approx(value, abs=TOL), name
    assert result.caveat == DOSE_CAVEAT
    assert "self-selected" in result.caveat["en"] and "not causal" in result.caveat["en"]
    assert "bukan hubungan sebab-akibat" in result.caveat["id"]


def test_dose_response_aligns_by_participant_and_drops_missing():
    data = REF["dose_response"]["neg12"]
    dose = pd.Series(data["sessions"], index=data["participant"])
    gain = pd.Series(data["gain"], index=data["participant"])
    shuffled = gain.sample(frac=1, random_state=1)
    extra = pd.concat([shuffled, pd.Series({"X99": 0.9})])  # no dose: left out
    dose_nan = pd.concat([dose, pd.Series({"Y01": np.nan})])
    a, b = dose_response(dose, gain), dose_response(dose_nan, extra)
    assert (a.n, a.pearson_r, a.slope) == (b.n, b.pearson_r, b.slope)
    table = a.table()
    assert table["statistic"].tolist() == ["pearson_r", "spearman_rho", "slope"]
    assert table["n"].unique().tolist() == [12]


@pytest.mark.parametrize(
    ("dose", "gain", "note"),
    [
        ([1, 2], [0.1, 0.2], "fewer than 3"),
        ([3, 3, 3, 3], [0.1, 0.2, 0.3, 0.0], "does not vary"),
    ],
)
def test_dose_response_degenerate(dose, gain, note):
    result = dose_response(pd.Series(dose, dtype=float), pd.Series(gain))
    assert note in result.note
    assert math.isnan(result.pearson_r) and math.isnan(result.slope)
    assert result.caveat == DOSE_CAVEAT
