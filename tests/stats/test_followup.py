"""Follow-up designs against R (tests/reference/followup.R -> followup.json).

R calls: afex 1.2 aov_ez (within only; correction "GG"; es "ges", "pes"; summary() for
Mauchly and epsilon), friedman.test, effectsize 0.8.3 kendalls_w, pairwise.t.test(paired = TRUE,
p.adjust.method = "holm"), t.test(paired = TRUE), p.adjust. Data: afex::obk.long averaged over
hours (16 x pre/post/fup), 24 simulated participants x four waves on a 1-5 scale with four
dropouts (ties), seven participants x three waves of whole numbers (many ties, one flat), and
the two-wave case (F = t^2).

Tolerance: 1e-9 relative for every number (all closed forms).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.stats import followup, repeated
from tests.conftest import load_reference

REF = load_reference("followup.json")
SETS = ["obk", "sim", "tiny"]
CLOSED = 1e-9


def _data(name: str) -> pd.DataFrame:
    return pd.DataFrame(REF[name]["data"])


def _close(got, expected, rel=CLOSED):
    got = np.atleast_1d(np.asarray(got, float))
    np.testing.assert_allclose(got, np.atleast_1d(np.asarray(expected, float)), rtol=rel)


@pytest.mark.parametrize("name", [*SETS, "two"])
def test_rm_anova_matches_afex(name):
    ref = REF[name]["rm"]
    got = repeated.rm_anova(_data(name), waves=REF[name]["waves"]).iloc[0]
    assert got["effect"] == "wave" and got["n"] == ref["n"] and got["note"] == ""
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
    if "gg_eps" in ref:
        _close(
            [got["epsilon_gg"], got["mauchly_w"], got["mauchly_p"]],
            [ref["gg_eps"], ref["mauchly_w"], ref["mauchly_p"]],
        )
    else:
        _close(got["epsilon_gg"], 1.0)
        assert np.isnan(got["mauchly_w"]) and np.isnan(got["mauchly_p"])


def test_two_wave_rm_anova_is_the_paired_t_squared():
    anova = repeated.rm_anova(_data("two"), waves=REF["two"]["waves"]).iloc[0]
    t = REF["two"]["paired_t"][0]
    _close([anova["F"], anova["p_value"]], [t["t"] ** 2, t["p"]], rel=1e-8)


def test_rm_anova_reports_flat_data_instead_of_raising():
    flat = _data("tiny").assign(score=3.0)
    got = repeated.rm_anova(flat).iloc[0]
    assert np.isnan(got["F"]) and "no participant" in got["note"]


@pytest.mark.parametrize("name", SETS)
def test_friedman_and_kendall_w_match_r(name):
    ref = REF[name]["friedman"]
    got = followup.friedman_test(_data(name), waves=REF[name]["waves"])
    assert (got["n"], got["k"], got["note"]) == (ref["n"], ref["k"], "")
    _close([got["statistic"], got["df"], got["p_value"]], [ref["statistic"], ref["df"], ref["p"]])
    _close(got["kendall_w"], ref["kendall_w_effectsize"])


@pytest.mark.parametrize("use", ["listwise", "pairwise"])
@pytest.mark.parametrize("name", SETS)
def test_pairwise_paired_t_matches_t_test_and_pairwise_t_test(name, use):
    ref = REF[name]["pairwise"][use]
    got = followup.pairwise_paired_t(_data(name), waves=REF[name]["waves"], use=use)
    rows = pd.DataFrame(ref["rows"])
    assert got["contrast"].tolist() == rows["contrast"].tolist()
    assert got["n"].tolist() == rows["n"].tolist()
    for column, key in [
        ("mean_difference", "estimate"),
        ("se", "se"),
        ("t", "t"),
        ("df", "df"),
        ("p_value", "p"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ]:
        _close(got[column], rows[key])
    _close(got["p_adjusted"], ref["p_holm_pairwise_t_test"])
    _close(got["p_adjusted"], ref["p_holm"])


@pytest.mark.parametrize("use", ["listwise", "pairwise"])
@pytest.mark.parametrize("name", SETS)
def test_retained_gain_matches_t_test(name, use):
    rows = pd.DataFrame(REF[name]["retained"][use])
    got = followup.retained_gain(_data(name), waves=REF[name]["waves"], use=use)
    assert got["contrast"].tolist() == rows["contrast"].tolist()
    assert got["n"].tolist() == rows["n"].tolist()
    for column, key in [
        ("mean_difference", "estimate"),
        ("se", "se"),
        ("t", "t"),
        ("p_value", "p"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ]:
        _close(got[column], rows[key])


def test_retained_gain_names_unknown_waves():
    with pytest.raises(ValueError, match="not in the data"):
        followup.retained_gain(_data("obk"), followup="fu9")


def test_constant_differences_give_a_note_not_a_number():
    data = _data("tiny")
    shifted = data.assign(score=np.where(data["wave"] == "post", 1.0, 0.0))
    got = followup.pairwise_paired_t(shifted, waves=REF["tiny"]["waves"])
    assert got["t"].isna().all() and (got["note"] == "the differences have no spread").all()
    assert got["mean_difference"].notna().all()
