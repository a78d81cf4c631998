"""Linear models of the pre/post design against R (tests/reference/models.R -> models.json).

R calls: lm, confint, car::Anova(type = 2), predict (emmeans-style adjusted means), aov with an
Error stratum, t.test(var.equal = FALSE), effectsize 0.8.3's eta_squared(partial = TRUE) and
hedges_g(pooled_sd = TRUE), on MASS::anorexia (CBT and FT against Cont) and a simulated Likert
scale-mean set with a control group of another size, two demographics and three dropouts.

Tolerances:
- closed forms (coefficients, their SE and CI, t, F, df, p, partial eta squared, adjusted
  means, Welch's df and CI, Hedges' g): 1e-9 relative;
- intervals found numerically (the noncentral-F interval of partial eta squared, the
  noncentral-t interval of Hedges' g): 1e-6 absolute against effectsize, whose Nelder-Mead
  search (optim, abstol 1e-9) leaves errors up to about 6e-7; and against the same limits
  found by R's uniroot at tol 1e-12 (``root`` in the JSON): 1e-8 for eta squared (R's
  noncentral pf is accurate to about 1e-9) and 1e-10 for g.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from pipeline.stats import models
from tests.conftest import load_reference

REF = load_reference("models.json")
SETS = ["anorexia_CBT", "anorexia_FT", "likert", "likert_90"]
CLOSED = 1e-9
EFFECTSIZE = 1e-6
ETA_ROOT = 1e-8
T_ROOT = 1e-10


def _wide(name: str) -> pd.DataFrame:
    return pd.DataFrame(REF[name]["data"])


def _long(wide: pd.DataFrame) -> pd.DataFrame:
    return wide.melt(
        id_vars=["participant_code", "group"],
        value_vars=["pre", "post"],
        var_name="wave",
        value_name="score",
    )


def _gains(wide: pd.DataFrame) -> pd.DataFrame:
    return wide.assign(gain=wide["post"] - wide["pre"])


def _close(got: float, expected: float, rel: float = CLOSED) -> None:
    assert got == pytest.approx(expected, rel=rel, abs=1e-300)


@pytest.mark.parametrize("name", SETS)
def test_ancova_matches_r(name):
    ref, level = REF[name]["result"]["ancova"], REF[name]["level"]
    got = models.ancova(_wide(name), level=level)
    assert got["note"] == ""
    for key in ("n", "n_treatment", "n_control", "df_resid", "slopes_df1", "slopes_df2"):
        assert got[key] == ref[key], key
    for key in (
        "adjusted_difference",
        "ci_low",
        "ci_high",
        "se",
        "t",
        "F",
        "p_value",
        "adjusted_mean_treatment",
        "adjusted_mean_control",
        "slopes_F",
        "slopes_p_value",
    ):
        _close(got[key], ref[key])
    _close(got["partial_eta_squared"], ref["pes"]["value"])
    assert got["partial_eta_squared_ci_low"] == pytest.approx(ref["pes"]["ci_low"], abs=EFFECTSIZE)
    assert got["partial_eta_squared_ci_low"] == pytest.approx(
        ref["pes"]["root"]["ci_low"], abs=ETA_ROOT
    )
    assert got["partial_eta_squared_ci_high"] == ref["pes"]["ci_high"] == 1


@pytest.mark.parametrize("name", SETS)
def test_two_sided_eta_squared_interval_matches_r(name):
    ref, level = REF[name]["result"]["ancova"], REF[name]["level"]
    got = models.ancova(_wide(name), level=level)
    low, high = models.partial_eta_squared_ci(
        got["F"], 1, got["df_resid"], level=level, alternative="two.sided"
    )
    expected = ref["pes_two_sided"]
    assert (low, high) == pytest.approx((expected["ci_low"], expected["ci_high"]), abs=EFFECTSIZE)
    root = expected["root"]
    assert (low, high) == pytest.approx((root["ci_low"], root["ci_high"]), abs=ETA_ROOT)
    # effectsize's one-sided default is the lower limit of the two-sided 2 level - 1 interval
    one_sided = models.partial_eta_squared_ci(got["F"], 1, got["df_resid"], level=level)
    wider = models.partial_eta_squared_ci(
        got["F"], 1, got["df_resid"], level=2 * level - 1, alternative="two.sided"
    )
    assert one_sided == (pytest.approx(wider[0], abs=1e-12), 1.0)


@pytest.mark.parametrize("name", SETS)
def test_mixed_anova_matches_r_with_unequal_arms(name):
    ref, level = REF[name]["result"]["mixed_anova"], REF[name]["level"]
    wide = _wide(name)
    counts = wide.dropna()["group"].value_counts()
    assert counts["treatment"] != counts["control"]  # aov's sequential SS matter here
    got = models.mixed_anova(_long(wide), level=level).set_index("effect")
    assert list(got.index) == ["group", "time", "group x time"]
    for effect, key in (("group", "group"), ("time", "time"), ("group x time", "interaction")):
        row, expected = got.loc[effect], ref[key]
        assert row["note"] == ""
        assert row["n"] == len(wide.dropna())
        assert (row["df1"], row["df2"]) == (expected["df1"], expected["df2"])
        for column, ref_key in (("F", "F"), ("p_value", "p_value"), ("partial_eta_squared", "pes")):
            _close(row[column], expected[ref_key])
        low = row["partial_eta_squared_ci_low"]
        assert low == pytest.approx(expected["pes_ci_low"], abs=EFFECTSIZE)
        assert low == pytest.approx(expected["root"]["ci_low"], abs=ETA_ROOT)
        assert row["partial_eta_squared_ci_high"] == expected["pes_ci_high"] == 1


def test_mixed_anova_drops_participants_without_both_waves():
    wide = _wide("likert")
    long = _long(wide)
    without_nan_rows = models.mixed_anova(long.dropna(subset=["score"]))
    with_nan_rows = models.mixed_anova(long)
    pd.testing.assert_frame_equal(without_nan_rows, with_nan_rows)
    assert (with_nan_rows["n"] == len(wide.dropna())).all()


@pytest.mark.parametrize("name", SETS)
def test_gain_comparison_matches_r(name):
    ref, level = REF[name]["result"]["gain_comparison"], REF[name]["level"]
    got = models.gain_comparison(_gains(_wide(name)), level=level)
    assert got["note"] == ""
    for key in ("t", "df", "p_value", "difference", "ci_low", "ci_high", "hedges_g"):
        _close(got[key], ref[key])
    for key in ("g_ci_low", "g_ci_high"):
        assert got[key] == pytest.approx(ref[key], abs=EFFECTSIZE), key
        assert got[key] == pytest.approx(ref["root"][key], abs=T_ROOT), key


SUBGROUP_CASES = [
    (name, subgroup, design)
    for name, subgroups in (("likert", ("gender", "grade")), ("likert_90", ("gender",)))
    for subgroup in subgroups
    for design in ("both", "treatment")
]


@pytest.mark.parametrize(("name", "subgroup", "design"), SUBGROUP_CASES)
def test_subgroup_interaction_matches_r(name, subgroup, design):
    ref = REF[name]["result"][f"subgroup_{subgroup}_{design}"]
    wide = _wide(name)
    frame = wide if design == "both" else wide[wide["group"] == "treatment"]
    got = models.subgroup_interaction(frame, subgroup=subgroup, level=REF[name]["level"])
    assert got["note"] == ""
    assert got["term"] == ("group x subgroup" if design == "both" else "subgroup")
    assert got["n"] == ref["n"]
    assert got["n_per_level"] == ref["n_per_level"]
    assert (got["df1"], got["df2"]) == (ref["df1"], ref["df2"])
    _close(got["F"], ref["F"])
    _close(got["p_value"], ref["p_value"])
    _close(got["partial_eta_squared"], ref["pes"]["value"])
    low = got["partial_eta_squared_ci_low"]
    assert low == pytest.approx(ref["pes"]["ci_low"], abs=EFFECTSIZE)
    assert low == pytest.approx(ref["pes"]["root"]["ci_low"], abs=ETA_ROOT)


def test_subgroup_interaction_without_a_group_column_is_one_arm():
    wide = _wide("likert")
    treated = wide[wide["group"] == "treatment"]
    with_column = models.subgroup_interaction(treated, subgroup="gender")
    without = models.subgroup_interaction(treated.drop(columns="group"), subgroup="gender")
    assert without == with_column
    assert without["design"] == "one arm"


def test_differences_are_signed_treatment_minus_control():
    wide = _wide("anorexia_FT")
    swapped = wide.assign(group=wide["group"].map({"treatment": "control", "control": "treatment"}))
    up, down = models.ancova(wide), models.ancova(swapped)
    assert up["adjusted_difference"] > 0
    assert down["adjusted_difference"] == pytest.approx(-up["adjusted_difference"], rel=1e-12)
    assert down["ci_low"] == pytest.approx(-up["ci_high"], rel=1e-12)
    assert up["adjusted_mean_treatment"] == pytest.approx(down["adjusted_mean_control"])
    assert down["F"] == pytest.approx(up["F"], rel=1e-12)
    gain_up, gain_down = (
        models.gain_comparison(_gains(wide)),
        models.gain_comparison(_gains(swapped)),
    )
    assert gain_up["difference"] > 0 and gain_up["hedges_g"] > 0
    for key in ("t", "difference", "hedges_g"):
        assert gain_down[key] == pytest.approx(-gain_up[key], rel=1e-12)
    assert gain_down["g_ci_low"] == pytest.approx(-gain_up["g_ci_high"], abs=1e-10)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_treatment=st.integers(2, 15),
    n_control=st.integers(2, 15),
)
def test_group_by_time_is_the_pooled_t_test_of_the_gains(seed, n_treatment, n_control):
    """With two waves the interaction F equals the squared Student t of the gains."""
    rng = np.random.default_rng(seed)
    n = n_treatment + n_control
    pre = rng.normal(3, 0.7, n)
    wide = pd.DataFrame(
        {
            "participant_code": [f"P{i}" for i in range(n)],
            "group": ["treatment"] * n_treatment + ["control"] * n_control,
            "pre": pre,
            "post": pre + rng.normal(0.3, 0.5, n),
        }
    )
    row = models.mixed_anova(_long(wide)).set_index("effect").loc["group x time"]
    gain = wide["post"] - wide["pre"]
    student = stats.ttest_ind(gain[:n_treatment], gain[n_treatment:], equal_var=True)
    assert row["F"] == pytest.approx(student.statistic**2, rel=1e-9)
    assert row["p_value"] == pytest.approx(student.pvalue, rel=1e-7)


def _likert_with_arms(n_treatment: int, n_control: int) -> pd.DataFrame:
    wide = _wide("likert").dropna()
    treated = wide[wide["group"] == "treatment"].head(n_treatment)
    return pd.concat([treated, wide[wide["group"] == "control"].head(n_control)])


@pytest.mark.parametrize(("n_control", "shown"), [(0, "control (0)"), (1, "control (1)")])
def test_an_arm_with_fewer_than_two_participants_gives_nan_and_a_note(n_control, shown):
    wide = _likert_with_arms(20, n_control)
    results = [
        models.ancova(wide),
        models.gain_comparison(_gains(wide)),
        *models.mixed_anova(_long(wide)).to_dict("records"),
    ]
    for result in results:
        assert f"fewer than 2 participants in: {shown}" in result["note"]
        assert math.isnan(result["p_value"]) and math.isnan(result["F" if "F" in result else "t"])
    ancova = models.ancova(wide)
    assert (ancova["n"], ancova["n_treatment"], ancova["n_control"]) == (
        20 + n_control,
        20,
        n_control,
    )
    sub = models.subgroup_interaction(wide, subgroup="gender")
    if n_control == 0:  # one group only: the one-arm test of gain ~ subgroup
        assert sub["design"] == "one arm" and sub["note"] == "" and math.isfinite(sub["F"])
    else:
        assert sub["note"] == f"fewer than 2 participants in: {shown}"
        assert math.isnan(sub["F"])


def test_empty_frames_give_nan_and_a_note():
    empty = _wide("likert").iloc[0:0]
    assert models.ancova(empty)["n"] == 0
    assert "treatment (0), control (0)" in models.ancova(empty)["note"]
    assert models.gain_comparison(_gains(empty))["note"]
    mixed = models.mixed_anova(_long(empty))
    assert mixed["F"].isna().all() and (mixed["note"] != "").all()
    result = models.subgroup_interaction(empty, subgroup="gender")
    assert result["n"] == 0 and math.isnan(result["p_value"])
    assert "0 level(s)" in result["note"]


def test_scores_without_spread_give_nan_and_a_note():
    wide = _likert_with_arms(10, 10)
    flat = wide.assign(pre=3.0, post=3.0)
    assert models.ancova(flat)["note"] == "the pre scores have no spread"
    assert models.ancova(wide.assign(post=4.0))["note"] == "the post scores have no spread"
    # post = pre + a shift per arm: pre and group fit post exactly
    exact = wide.assign(post=wide["pre"] + np.where(wide["group"] == "treatment", 0.5, 0.1))
    result = models.ancova(exact)
    assert "no residual variance" in result["note"] and math.isnan(result["F"])
    gains = models.gain_comparison(_gains(exact))
    assert gains["note"] == "the gains have no spread within either arm"
    assert math.isnan(gains["t"]) and math.isnan(gains["hedges_g"])
    mixed = models.mixed_anova(_long(flat)).set_index("effect")
    assert mixed["F"].isna().all()
    assert mixed["note"].str.contains("no residual variance").all()
    within = models.mixed_anova(_long(exact)).set_index("effect")
    assert within.loc["group", "note"] == "" and math.isfinite(within.loc["group", "F"])
    assert math.isnan(within.loc["group x time", "F"])
    one_arm = exact[exact["group"] == "treatment"]
    sub = models.subgroup_interaction(one_arm, subgroup="gender")
    assert math.isnan(sub["F"]) and "no residual variance" in sub["note"]


def test_collinear_designs_are_not_estimable():
    wide = _likert_with_arms(10, 10)
    by_arm = wide.assign(pre=np.where(wide["group"] == "treatment", 4.0, 3.0))
    result = models.ancova(by_arm)  # pre says which arm: no group effect beyond it
    assert result["note"] == "group effect: not estimable" and math.isnan(result["F"])
    flat_in_arm = wide.copy()
    flat_in_arm.loc[flat_in_arm["group"] == "treatment", "pre"] = 3.4
    result = models.ancova(flat_in_arm)  # one slope cannot be estimated, the ANCOVA can
    assert math.isfinite(result["F"]) and math.isnan(result["slopes_F"])
    assert result["note"] == "homogeneity of slopes: not estimable"


def test_one_arm_with_spread_still_gets_welch_and_g():
    gains = _gains(_likert_with_arms(10, 10))
    gains.loc[gains["group"] == "control", "gain"] = 0.2
    result = models.gain_comparison(gains)
    assert result["note"] == "" and math.isfinite(result["t"]) and math.isfinite(result["g_ci_low"])


def test_subgroups_that_cannot_carry_an_interaction_give_a_note():
    wide = _wide("likert").dropna()
    one_level = models.subgroup_interaction(wide.assign(gender="L"), subgroup="gender")
    assert one_level["note"] == "gender has 1 level(s) here; at least 2 are needed"
    assert one_level["n_per_level"] == {"L": len(wide)}
    lonely = wide.assign(gender=["P"] + ["L"] * (len(wide) - 1))
    result = models.subgroup_interaction(lonely, subgroup="gender")
    assert result["note"] == "fewer than 2 participants in gender: P (1)"
    assert math.isnan(result["p_value"])
    confounded = wide.assign(gender=np.where(wide["group"] == "treatment", "P", "L"))
    result = models.subgroup_interaction(confounded, subgroup="gender")
    assert "not estimable" in result["note"] and math.isnan(result["F"])


def test_partial_eta_squared_interval_edges():
    critical = stats.f.ppf(0.95, 1, 40)
    assert models.partial_eta_squared_ci(critical * 0.99, 1, 40) == (0.0, 1.0)
    low, _ = models.partial_eta_squared_ci(critical * 1.01, 1, 40)
    assert 0 < low < 0.01
    assert all(map(math.isnan, models.partial_eta_squared_ci(math.nan, 1, 40)))
    with pytest.raises(ValueError, match="alternative"):
        models.partial_eta_squared_ci(4.0, 1, 40, alternative="less")


def test_duplicate_waves_are_refused_with_their_participant():
    long = _long(_wide("likert"))
    with pytest.raises(ValueError, match="P0001"):
        models.mixed_anova(pd.concat([long, long.head(1)]))
