"""Between-arm analyses against R (tests/reference/between.R -> between.json: lm, car::Anova
type 2, aov with an Error stratum, Welch t.test, effectsize::hedges_g) on MASS::anorexia
(CBT and FT against the control group) and a Likert set with a control group and a subgroup.

Tolerances: coefficients, F, p, t, df and partial eta squared 1e-9; Hedges' g 1e-9 and its
noncentral-t interval 1e-6.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.stats import between
from tests.conftest import load_reference

REF = load_reference("between.json")
SETS = ["anorexia_CBT", "anorexia_FT", "likert"]


def _frame(name: str) -> pd.DataFrame:
    data = pd.DataFrame(REF[name]["data"])
    data["participant_code"] = data["id"].astype(str)
    data["gain"] = data["post"] - data["pre"]
    return data


@pytest.mark.parametrize("name", SETS)
def test_ancova_matches_r(name):
    ref = REF[name]["result"]["ancova"]
    got = between.ancova(_frame(name))
    assert got["adjusted_difference"] == pytest.approx(ref["adjusted_difference"], rel=1e-9)
    assert got["ci_low"] == pytest.approx(ref["ci_low"], rel=1e-9)
    assert got["ci_high"] == pytest.approx(ref["ci_high"], rel=1e-9)
    assert got["F"] == pytest.approx(ref["F"], rel=1e-9)
    assert got["p_value"] == pytest.approx(ref["p"], rel=1e-9)
    assert got["df_resid"] == ref["df_resid"]
    assert got["partial_eta_squared"] == pytest.approx(ref["pes"], rel=1e-9)
    assert got["adjusted_mean_treatment"] == pytest.approx(ref["adjusted_mean_treatment"], rel=1e-9)
    assert got["adjusted_mean_control"] == pytest.approx(ref["adjusted_mean_control"], rel=1e-9)
    assert got["slopes_F"] == pytest.approx(ref["slopes_F"], rel=1e-9)
    assert got["slopes_p_value"] == pytest.approx(ref["slopes_p"], rel=1e-9)


@pytest.mark.parametrize("name", SETS)
def test_mixed_anova_matches_r(name):
    ref = REF[name]["result"]["mixed"]
    data = _frame(name)
    long = data.melt(
        id_vars=["participant_code", "group"],
        value_vars=["pre", "post"],
        var_name="wave",
        value_name="score",
    )
    got = between.mixed_anova(long).set_index("effect")
    for effect, key in (("group", "group"), ("time", "time"), ("group x time", "inter")):
        assert got.loc[effect, "F"] == pytest.approx(ref[f"{key}_F"], rel=1e-9)
        assert got.loc[effect, "p_value"] == pytest.approx(ref[f"{key}_p"], rel=1e-9)
        assert got.loc[effect, "partial_eta_squared"] == pytest.approx(ref[f"{key}_pes"], rel=1e-9)
        assert got.loc[effect, "df2"] == ref["df2"]


@pytest.mark.parametrize("name", SETS)
def test_gain_comparison_matches_r(name):
    ref = REF[name]["result"]["gain"]
    got = between.gain_comparison(_frame(name))
    for key, ref_key in (
        ("t", "t"),
        ("df", "df"),
        ("p_value", "p"),
        ("difference", "difference"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
        ("hedges_g", "g"),
    ):
        assert got[key] == pytest.approx(ref[ref_key], rel=1e-9), key
    assert got["g_ci_low"] == pytest.approx(ref["g_low"], abs=1e-6)
    assert got["g_ci_high"] == pytest.approx(ref["g_high"], abs=1e-6)


def test_subgroup_interactions_match_r():
    data = _frame("likert")
    ref = REF["likert"]["result"]
    both = between.subgroup_interaction(data, subgroup="sex")
    assert both["term"] == "group x subgroup"
    for key in ("F", "df1", "df2"):
        assert both[key] == pytest.approx(ref["subgroup_both"][key], rel=1e-9)
    assert both["p_value"] == pytest.approx(ref["subgroup_both"]["p"], rel=1e-9)
    one = between.subgroup_interaction(data[data["group"] == "treatment"], subgroup="sex")
    assert one["term"] == "subgroup"
    for key in ("F", "df1", "df2"):
        assert one[key] == pytest.approx(ref["subgroup_treatment"][key], rel=1e-9)
    assert one["p_value"] == pytest.approx(ref["subgroup_treatment"]["p"], rel=1e-9)


def test_small_or_missing_arms_give_a_note():
    data = _frame("likert")
    lonely = pd.concat(
        [data[data["group"] == "treatment"], data[data["group"] == "control"].head(1)]
    )
    for result in (between.ancova(lonely), between.gain_comparison(lonely)):
        assert "fewer than 2 participants in: control" in result["note"]
        assert math.isnan(result["p_value"])
    one_level = data.assign(sex="L")
    result = between.subgroup_interaction(one_level, subgroup="sex")
    assert "two levels" in result["note"]
