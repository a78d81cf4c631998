"""Random-effects meta-analysis against R's metafor 3.8 (tests/reference/meta.R -> meta.json).

Tolerances (each "absolute or relative, whichever is larger"): yi and vi 1e-12 relative (closed
forms); every DL number and every number of a fit whose tau2 is 0, 1e-9 (closed forms; largest
difference seen 2e-13); REML numbers 1e-7 (both sides iterate, R's Fisher scoring to 1e-12 and
ours to 1e-10 on tau2; largest difference seen 1.4e-8, on R2 in percent, and 3e-10 elsewhere).
All are far inside the 1e-4 that matters for reporting.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.stats.change_effects import controlled_smcr, smcc, smcr
from pipeline.stats.meta import random_effects, subgroups

# Read here rather than through tests.conftest.load_reference, which needs the repository root
# on sys.path (``python -m pytest``); this file also runs under the bare ``pytest`` script.
REF = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "meta.json").read_text("utf-8")
)
CONFIGS = {"REML": ("REML", False), "DL": ("DL", False), "REML_knha": ("REML", True)}
CONFIGS["DL_knha"] = ("DL", True)
#: The reference's field name for each of ours, where they differ.
FIELDS = {
    "estimate": "estimate",
    "se": "se",
    "ci_low": "ci_low",
    "ci_high": "ci_high",
    "statistic": "statistic",
    "p_value": "p",
    "pi_low": "pi_low",
    "pi_high": "pi_high",
    "tau2": "tau2",
    "I2": "I2",
    "H2": "H2",
    "Q": "Q",
    "Q_p": "Q_p",
}


def _tolerance(method: str, tau2: float) -> float:
    return 1e-9 if method == "DL" or tau2 == 0 else 1e-7


def _check_fit(result, expected: dict, method: str) -> None:
    tol = _tolerance(method, expected["tau2"])
    assert result.k == expected["k"]
    assert result.Q_df == expected["Q_df"]
    for ours, theirs in FIELDS.items():
        value = expected[theirs]
        if value is None:
            assert math.isnan(getattr(result, ours)), ours
        else:
            assert getattr(result, ours) == pytest.approx(value, rel=tol, abs=tol), ours
    assert result.test == ("t" if expected["test"] == "knha" else "z")
    if method == "REML" and expected["tau2_se"] is not None:
        assert result.tau2_se == pytest.approx(expected["tau2_se"], abs=tol)


# --- effect sizes -------------------------------------------------------------------------


def test_smcr_and_smcc_match_escalc():
    p = {key: np.array(value) for key, value in REF["effects"]["portfolio"].items()}
    raw = smcr(p["m_pre"], p["m_post"], p["sd_pre"], p["r"], p["n"])
    change = smcc(p["m_pre"], p["m_post"], p["sd_pre"], p["sd_post"], p["r"], p["n"])
    np.testing.assert_allclose(raw.yi, p["smcr_yi"], rtol=1e-12)
    np.testing.assert_allclose(raw.vi, p["smcr_vi"], rtol=1e-12)
    np.testing.assert_allclose(change.yi, p["smcc_yi"], rtol=1e-12)
    np.testing.assert_allclose(change.vi, p["smcc_vi"], rtol=1e-12)


def test_controlled_smcr_matches_escalc_difference():
    morris = REF["effects"]["morris2008"]
    arms = {}
    for suffix, records in (("t", morris["treatment"]), ("c", morris["control"])):
        arm = pd.DataFrame(records)  # R's data frame arrives as one record per study
        arms |= {f"{key}_{suffix}": arm[key].to_numpy() for key in ("m_pre", "m_post", "sd_pre")}
        arms |= {f"r_{suffix}": arm["r"].to_numpy(), f"n_{suffix}": arm["n"].to_numpy()}
    effect = controlled_smcr(**arms)
    np.testing.assert_allclose(effect.yi, morris["yi"], rtol=1e-12)
    np.testing.assert_allclose(effect.vi, morris["vi"], rtol=1e-12)


def test_scalar_input_gives_floats_signed_post_minus_pre():
    up = smcr(20.0, 24.0, 5.0, 0.6, 30)
    down = smcr(24.0, 20.0, 5.0, 0.6, 30)
    assert isinstance(up.yi, float) and up.yi > 0
    assert down.yi == pytest.approx(-up.yi) and down.vi == pytest.approx(up.vi)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sd_pre": [5.0, 0.0]}, "sd_pre has [0.0] at position(s) 1"),
        ({"r": [0.5, 1.2]}, "r has [1.2] at position(s) 1"),
        ({"n": [2, 30]}, "n has [2.0] at position(s) 0"),
    ],
)
def test_effect_inputs_out_of_range_are_named(kwargs, message):
    args = {"m_pre": [20.0, 21.0], "m_post": [24.0, 25.0], "sd_pre": [5.0, 5.0]}
    args |= {"r": [0.5, 0.5], "n": [30, 30]} | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        smcr(**args)


# --- pooling ------------------------------------------------------------------------------


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("name", list(REF["fits"]))
def test_random_effects_match_rma_and_predict(name, config):
    data = REF["fits"][name]
    method, hk = CONFIGS[config]
    result = random_effects(data["yi"], data["vi"], method=method, hk=hk)
    _check_fit(result, data["fits"][config], method)


def test_one_program_says_why_nothing_is_estimated():
    result = random_effects([0.4], [0.02], hk=True)
    assert (result.tau2, result.Q, result.Q_df, result.I2) == (0.0, 0.0, 0, 0.0)
    assert math.isnan(result.pi_low) and result.test == "z"
    assert "one program" in result.note and "Hartung-Knapp" in result.note


@pytest.mark.parametrize(
    ("yi", "vi", "message"),
    [
        ([], [], "no programs to pool"),
        ([0.1, 0.2, 0.3], [0.01, 0.0, -0.1], r"vi is \[0.0, -0.1\] at position\(s\) 1, 2"),
        ([0.1, np.nan], [0.01, 0.02], r"yi is missing or infinite at position\(s\) 1"),
        ([0.1, 0.2], [0.01], "yi has 2 value"),
    ],
)
def test_unusable_effects_raise_with_position(yi, vi, message):
    with pytest.raises(ValueError, match=message):
        random_effects(yi, vi)


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="method is 'PM'"):
        random_effects([0.1, 0.2], [0.01, 0.02], method="PM")


# --- subgroups ----------------------------------------------------------------------------


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("name", list(REF["subgroups"]))
def test_subgroups_match_rma_with_factor_moderator(name, config):
    data = REF["subgroups"][name]
    expected = data["fits"][config]
    method, hk = CONFIGS[config]
    result = subgroups(data["yi"], data["vi"], data["groups"], method=method, hk=hk)
    tol = _tolerance(method, expected["tau2_resid"])
    for field in ("QM", "QM_p", "tau2_resid", "I2_resid", "QE", "QE_p", "R2"):
        assert getattr(result, field) == pytest.approx(expected[field], rel=tol, abs=tol), field
    assert (result.QM_df, result.QE_df) == (expected["QM_df"], expected["QE_df"])
    assert result.test == ("F" if hk else "chi2")
    if hk:
        assert result.QM_df2 == expected["QM_df2"]
    levels = result.levels.set_index("group")
    for level in expected["levels"]:
        row = levels.loc[level["group"]]
        _check_fit(SimpleNamespace(**row.to_dict()), level, method)


def test_subgroups_without_residual_df_explain_the_missing_test():
    result = subgroups([0.2, 0.5, 0.8], [0.02, 0.03, 0.04], ["a", "b", "c"])
    assert math.isnan(result.QM) and "every subgroup holds one program" in result.note
    assert list(result.levels["k"]) == [1, 1, 1]


def test_subgroups_keep_a_categorical_order_and_name_missing_groups():
    order = pd.Categorical(["z", "a", "z", "a"], categories=["z", "a", "unused"])
    result = subgroups([0.2, 0.5, 0.3, 0.6], [0.02, 0.03, 0.02, 0.03], order)
    assert list(result.levels["group"]) == ["z", "a"]
    with pytest.raises(ValueError, match=r"groups is missing at position\(s\) 1"):
        subgroups([0.2, 0.5], [0.02, 0.03], ["a", None])


# --- invariants ---------------------------------------------------------------------------

effects = st.lists(
    st.tuples(
        st.floats(-2, 2, allow_nan=False),
        st.floats(0.005, 0.5, allow_nan=False),
    ),
    min_size=2,
    max_size=15,
)


@settings(max_examples=60, deadline=None)
@given(effects, st.randoms(use_true_random=False), st.sampled_from(list(CONFIGS)))
def test_pooling_ignores_program_order(pairs, rng, config):
    method, hk = CONFIGS[config]
    yi, vi = map(np.array, zip(*pairs, strict=True))
    order = list(range(len(yi)))
    rng.shuffle(order)
    a = random_effects(yi, vi, method=method, hk=hk)
    b = random_effects(yi[order], vi[order], method=method, hk=hk)
    for field in ("estimate", "se", "tau2", "Q", "I2", "pi_low"):
        assert getattr(b, field) == pytest.approx(getattr(a, field), rel=1e-6, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-2, 2, allow_nan=False),
    st.lists(st.floats(0.005, 0.5, allow_nan=False), min_size=2, max_size=15),
    st.sampled_from(["REML", "DL"]),
)
def test_equal_effects_have_no_heterogeneity(value, vi, method):
    result = random_effects(np.full(len(vi), value), vi, method=method)
    assert result.tau2 == 0.0 and result.I2 == 0.0
    assert result.estimate == pytest.approx(value, abs=1e-12)
    assert abs(result.Q) < 1e-12


@settings(max_examples=60, deadline=None)
@given(effects)
def test_dl_is_the_closed_form(pairs):
    yi, vi = map(np.array, zip(*pairs, strict=True))
    w = 1 / vi
    fixed = np.sum(w * yi) / np.sum(w)
    q = np.sum(w * (yi - fixed) ** 2)
    tau2 = max(0.0, (q - (len(yi) - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    ws = 1 / (vi + tau2)
    result = random_effects(yi, vi, method="DL")
    assert result.tau2 == pytest.approx(tau2, rel=1e-9, abs=1e-12)
    assert result.estimate == pytest.approx(np.sum(ws * yi) / np.sum(ws), rel=1e-9, abs=1e-12)
    assert result.se == pytest.approx(1 / math.sqrt(np.sum(ws)), rel=1e-9)
    i2 = 100 * (q - (len(yi) - 1)) / q if q > len(yi) - 1 else 0.0
    assert abs(result.I2 - i2) < 1e-7


@settings(max_examples=40, deadline=None)
@given(effects)
def test_reml_solves_its_estimating_equation(pairs):
    yi, vi = map(np.array, zip(*pairs, strict=True))
    result = random_effects(yi, vi)
    w = 1 / (vi + result.tau2)
    mu = np.sum(w * yi) / np.sum(w)
    # d/d tau2 of the restricted log-likelihood; zero at an interior maximum, <= 0 at 0
    score = 0.5 * (np.sum(w**2 * (yi - mu) ** 2) - np.sum(w) + np.sum(w**2) / np.sum(w))
    if result.tau2 > 0:
        assert score == pytest.approx(0.0, abs=1e-6 * np.sum(w))
    else:
        assert score <= 1e-9 * np.sum(w)


def test_reml_where_fisher_scoring_swings_matches_metafor():
    # tests/reference/meta_swing.R: metafor converges only with step halving here; pkm-eval
    # brackets the swing and finds the score's root. Tolerance 1e-9 (metafor stops at 1e-12).
    ref = json.loads((Path(__file__).parents[1] / "reference" / "meta_swing.json").read_text())
    fit = random_effects(np.array(ref["yi"]), np.array(ref["vi"]), method="REML", hk=False)
    assert fit.tau2 == pytest.approx(ref["tau2"], abs=1e-9)
    assert fit.estimate == pytest.approx(ref["estimate"], abs=1e-9)
    assert fit.se == pytest.approx(ref["se"], abs=1e-9)
