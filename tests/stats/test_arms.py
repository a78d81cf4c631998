"""ANCOVA with k arms and the k x w mixed ANOVA against R (tests/reference/arms.R -> arms.json).

R calls: lm, car::Anova(type = 2), effectsize 0.8.3 eta_squared(partial = TRUE) (one-sided
CI), emmeans 1.8.4 (emmeans at the mean pre; pairs(reverse = TRUE, adjust = "holm"), confint
unadjusted and Bonferroni), afex 1.2 aov_ez (type 3, correction "GG", es "ges" and "pes";
summary() for Mauchly and epsilon). Data: MASS::anorexia (3 arms of 26, 29, 17, and its two-arm
subset), four simulated Likert arms of unequal size with gaps, afex::obk.long averaged over hours
(3 arms x pre/post/fup), four simulated arms x four waves with dropouts, two arms x two waves.

Tolerances: closed forms (SS, F, df, p, eta squared, adjusted means, SE, t, CIs, epsilon,
Mauchly's W and p): 1e-9 relative; the noncentral-F interval of partial eta squared: 1e-6
absolute against effectsize's Nelder-Mead search (as tests/test_models.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.stats import arms, models, repeated
from tests.conftest import load_reference

REF = load_reference("arms.json")
CLOSED = 1e-9
EFFECTSIZE = 1e-6


def _data(name: str) -> pd.DataFrame:
    return pd.DataFrame(REF[name]["data"])


def _close(got, expected, rel=CLOSED):
    """R writes a one-element vector as a scalar; compare as arrays either way."""
    got = np.atleast_1d(np.asarray(got, float))
    np.testing.assert_allclose(got, np.atleast_1d(np.asarray(expected, float)), rtol=rel)


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("name", ["ancova_anorexia", "ancova_anorexia_two", "ancova_likert"])
def test_ancova_arms_matches_car_emmeans_effectsize(name):
    ref = REF[name]["result"]
    got = arms.ancova_arms(_data(name), arms=ref["arms"])
    assert got.n == ref["n"] and got.note == ""
    assert got.means["n"].tolist() == ref["n_per_arm"]
    table = got.anova.set_index("term").loc[ref["anova"]["term"]]
    _close(table["ss"], ref["anova"]["ss"])
    assert table["df1"].tolist() == ref["anova"]["df"]
    assert (table["df2"] == ref["df_resid"]).all()
    _close(table["F"], ref["anova"]["F"])
    _close(table["p_value"], ref["anova"]["p"])
    _close(table["partial_eta_squared"], ref["anova"]["pes"])
    np.testing.assert_allclose(
        table["partial_eta_squared_ci_low"], ref["anova"]["pes_ci_low"], atol=EFFECTSIZE
    )
    assert (table["partial_eta_squared_ci_high"] == 1).all()
    means = got.means
    assert means["arm"].tolist() == ref["means"]["arm"]
    for column, key in [
        ("adjusted_mean", "emmean"),
        ("se", "se"),
        ("df", "df"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ]:
        _close(means[column], ref["means"][key])
    contrasts = got.contrasts
    assert contrasts["contrast"].tolist() == _list(ref["contrasts"]["contrast"])
    for column in (
        "estimate",
        "se",
        "df",
        "t",
        "p_value",
        "p_holm",
        "ci_low",
        "ci_high",
        "ci_low_bonferroni",
        "ci_high_bonferroni",
    ):
        key = {"p_value": "p"}.get(column, column)
        _close(contrasts[column], ref["contrasts"][key])
    for key in ("F", "p_value"):
        _close(got.slopes[key], ref["slopes"]["p" if key == "p_value" else key])
    assert got.slopes["df1"] == ref["slopes"]["df1"] and got.slopes["df2"] == ref["slopes"]["df2"]


def test_two_arms_agree_with_the_two_group_ancova():
    data = _data("ancova_anorexia_two")
    got = arms.ancova_arms(data, arms=["Cont", "CBT"])
    two = models.ancova(data.assign(group=data["arm"].map({"Cont": "control", "CBT": "treatment"})))
    contrast = got.contrasts.iloc[0]
    _close(contrast["estimate"], two["adjusted_difference"])
    _close([contrast["ci_low"], contrast["ci_high"]], [two["ci_low"], two["ci_high"]])
    arm_row = got.anova.set_index("term").loc["arm"]
    _close([arm_row["F"], arm_row["p_value"]], [two["F"], two["p_value"]])


def test_ancova_arms_reports_thin_data_instead_of_raising():
    data = _data("ancova_likert")
    one = arms.ancova_arms(data[data["arm"] == "control"])
    assert "at least 2" in one.note and one.anova["F"].isna().all()
    assert one.contrasts.empty


def test_unknown_arm_in_the_order_is_an_error():
    with pytest.raises(ValueError, match="not in the given order"):
        arms.ancova_arms(_data("ancova_anorexia"), arms=["Cont", "CBT"])


@pytest.mark.parametrize("name", ["mixed_obk", "mixed_sim", "mixed_two_waves"])
def test_mixed_anova_arms_matches_afex(name):
    ref = REF[name]["result"]
    got = repeated.mixed_anova_arms(_data(name), waves=REF[name]["waves"])
    assert got["effect"].tolist() == ["group", "wave", "group:wave"] == ref["effects"]
    assert (got["n"] == ref["n"]).all() and (got["note"] == "").all()
    for column, key in [
        ("ss", "ss"),
        ("ss_error", "ss_error"),
        ("df1", "df1"),
        ("df2", "df2"),
        ("F", "F"),
        ("p_value", "p"),
        ("ges", "ges"),
        ("pes", "pes"),
        ("df1_gg", "df1_gg"),
        ("df2_gg", "df2_gg"),
        ("p_value_gg", "p_gg"),
    ]:
        _close(got[column], ref[key])
    within = got.set_index("effect").loc[["wave", "group:wave"]]
    if len(REF[name]["waves"]) > 2:
        _close(within["epsilon_gg"], ref["gg_eps"])
        _close(within["mauchly_w"], ref["mauchly_w"])
        _close(within["mauchly_p"], ref["mauchly_p"])
    else:
        np.testing.assert_allclose(within["epsilon_gg"], 1.0, rtol=1e-12)
        assert within["mauchly_w"].isna().all()
    assert np.isnan(got.set_index("effect").loc["group", "epsilon_gg"])


def test_mixed_anova_does_not_depend_on_wave_order_or_row_order():
    data = _data("mixed_sim")
    waves = REF["mixed_sim"]["waves"]
    base = repeated.mixed_anova_arms(data, waves=waves)
    shuffled = repeated.mixed_anova_arms(data.sample(frac=1, random_state=3), waves=waves[::-1])
    _close(shuffled["F"], base["F"])
    _close(shuffled["epsilon_gg"].iloc[1:], base["epsilon_gg"].iloc[1:])


def test_mixed_anova_drops_incomplete_participants_and_rejects_duplicates():
    data = _data("mixed_sim")
    assert (
        repeated.long_to_wide(data, waves=REF["mixed_sim"]["waves"]).shape[0]
        == (REF["mixed_sim"]["result"]["n"])
    )
    with pytest.raises(ValueError, match="more than once"):
        repeated.mixed_anova_arms(pd.concat([data, data.iloc[[0]]]))


def test_ancova_arms_f_does_not_depend_on_arm_order_or_row_order():
    data = _data("ancova_likert")
    base = arms.ancova_arms(data, arms=REF["ancova_likert"]["result"]["arms"])
    other = arms.ancova_arms(data.sample(frac=1, random_state=5))  # sorted arm order
    _close(other.anova["F"], base.anova["F"])
    merged = base.means.merge(other.means, on="arm")
    _close(merged["adjusted_mean_x"], merged["adjusted_mean_y"])
