"""Paired comparisons against R (tests/reference/paired.R -> paired.json).

Tolerances: t, p, CIs and d_z 1e-9 relative (closed forms); the d_z interval 1e-6 absolute
(both sides solve the noncentral t numerically).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.stages.compare import describe, paired_comparison
from tests.conftest import load_reference

REF = load_reference("paired.json")


def _check(result: dict, test: dict, effect: dict) -> None:
    assert test["n"] == result["n"]
    assert test["mean_pre"] == pytest.approx(result["mean_pre"], rel=1e-12)
    assert test["mean_post"] == pytest.approx(result["mean_post"], rel=1e-12)
    assert test["statistic"] == pytest.approx(result["t"], rel=1e-9)
    assert test["df"] == result["df"]
    assert test["p_value"] == pytest.approx(result["p"], rel=1e-9)
    assert test["estimate"] == pytest.approx(result["mean_diff"], rel=1e-12)
    assert test["ci_low"] == pytest.approx(result["ci_low"], rel=1e-9)
    assert test["ci_high"] == pytest.approx(result["ci_high"], rel=1e-9)
    assert effect["value"] == pytest.approx(result["dz"], rel=1e-9)
    assert effect["ci_low"] == pytest.approx(result["dz_low"], abs=1e-6)
    assert effect["ci_high"] == pytest.approx(result["dz_high"], abs=1e-6)


def test_paired_t_and_dz_match_r_on_sleep():
    pre, post = np.array(REF["sleep"]["pre"]), np.array(REF["sleep"]["post"])
    test, effect = paired_comparison(pre, post)
    _check(REF["sleep"]["result"], test, effect)
    assert effect["magnitude"] == "large"


def test_paired_t_and_dz_match_r_on_likert_scores():
    likert = REF["likert"]
    pre = np.array(likert["pre_score"], dtype=float)
    post = np.array(likert["post_score"], dtype=float)
    complete = ~np.isnan(pre) & ~np.isnan(post)
    test, effect = paired_comparison(pre[complete], post[complete])
    _check(likert["result"], test, effect)


def test_effects_are_signed_post_minus_pre():
    pre, post = np.array(REF["sleep"]["pre"]), np.array(REF["sleep"]["post"])
    _, up = paired_comparison(pre, post)
    _, down = paired_comparison(post, pre)
    assert up["value"] > 0
    assert down["value"] == pytest.approx(-up["value"])
    assert down["ci_low"] == pytest.approx(-up["ci_high"], abs=1e-9)


@pytest.mark.parametrize("wave", ["pre", "post"])
def test_descriptives_match_r(wave):
    likert = REF["likert"]
    values = np.array(likert[f"{wave}_score"], dtype=float)
    scores = pd.DataFrame(
        {
            "participant_code": range(len(values)),
            "wave": wave,
            "group": "all",
            "scale": "s",
            "mean": values,
        }
    )
    row = describe(scores).iloc[0]
    expected = likert[f"describe_{wave}"]
    for column in ["n", "mean", "sd", "median", "q1", "q3", "min", "max"]:
        assert row[column] == pytest.approx(expected[column], rel=1e-12), column


@pytest.mark.parametrize(
    ("pre", "post", "reason"),
    [
        ([1.0, 2.0], [2.0, 3.0], "only 2 complete pair(s); at least 3 are needed"),
        ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0], "differences have no spread"),
        ([], [], "only 0 complete pair(s)"),
    ],
)
def test_uncomputable_comparisons_say_why(pre, post, reason):
    test, effect = paired_comparison(np.array(pre), np.array(post))
    assert reason in test["note"]
    assert reason in effect["note"]
    assert np.isnan(test["p_value"]) and np.isnan(effect["value"])
