"""d_av, Hedges g_av, Shapiro-Wilk on differences, power and multiplicity against R
(tests/reference/compare.R -> compare.json).

Tolerances: d_av, g_av and their intervals 1e-6 (both sides solve a noncentral t numerically);
Shapiro-Wilk W and p 1e-6 (both implement Royston's algorithm); power 1e-6; the detectable
d_z 1e-5 (R's power.t.test solves it with tolerance 1e-10 on the power scale); adjusted
p-values 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pipeline.stats import effsize, multiplicity, power
from tests.conftest import load_reference

REF = load_reference("compare.json")
SETS = sorted(REF["paired"])


@pytest.mark.parametrize("name", SETS)
def test_dav_and_gav_match_r(name):
    ref = REF["paired"][name]
    pre, post = np.array(ref["pre"]), np.array(ref["post"])
    got = effsize.cohen_dav(pre, post)
    assert got["value"] == pytest.approx(ref["d_av"], abs=1e-9)
    assert got["ci_low"] == pytest.approx(ref["d_av_low"], abs=1e-6)
    assert got["ci_high"] == pytest.approx(ref["d_av_high"], abs=1e-6)
    assert got["g_av"] == pytest.approx(ref["g_av"], abs=1e-9)
    assert got["g_ci_low"] == pytest.approx(ref["g_av_low"], abs=1e-6)
    assert got["g_ci_high"] == pytest.approx(ref["g_av_high"], abs=1e-6)


@pytest.mark.parametrize("name", SETS)
def test_shapiro_on_differences_matches_r(name):
    ref = REF["paired"][name]
    w, p = stats.shapiro(np.array(ref["post"]) - np.array(ref["pre"]))
    assert w == pytest.approx(ref["shapiro_W"], abs=1e-6)
    assert p == pytest.approx(ref["shapiro_p"], abs=1e-6)


@pytest.mark.parametrize("name", SETS)
def test_power_matches_r(name):
    ref = REF["paired"][name]
    assert power.paired_power(abs(ref["dz"]), ref["n"]) == pytest.approx(
        ref["power_observed"], abs=1e-6
    )
    assert power.detectable_dz(ref["n"]) == pytest.approx(ref["dz_detectable"], abs=1e-5)


def test_adjusted_p_values_match_r():
    p = np.array(REF["p_values"])
    np.testing.assert_allclose(multiplicity.adjust(p, method="holm"), REF["holm"], atol=1e-12)
    np.testing.assert_allclose(multiplicity.adjust(p, method="fdr_bh"), REF["bh"], atol=1e-12)
    with_nan = multiplicity.adjust(np.append(p, np.nan), method="holm")
    assert np.isnan(with_nan[-1])
    np.testing.assert_allclose(with_nan[:-1], REF["holm"], atol=1e-12)


def test_hedges_correction_approaches_one():
    assert effsize.hedges_correction(9) == pytest.approx(0.9138, abs=1e-4)
    assert effsize.hedges_correction(10_000) == pytest.approx(1, abs=1e-4)


@pytest.mark.parametrize("name", SETS)
def test_per_group_paired_t_and_dz_match_r(name):
    """MASS::anorexia per treatment group, and sleep (1e-9; d_z interval 1e-6)."""
    from pipeline.stages.compare import paired_comparison

    ref = REF["paired"][name]
    test, effect = paired_comparison(np.array(ref["pre"]), np.array(ref["post"]))
    assert test["statistic"] == pytest.approx(ref["t"], rel=1e-9)
    assert test["df"] == ref["df"]
    assert test["p_value"] == pytest.approx(ref["p"], rel=1e-9)
    assert test["estimate"] == pytest.approx(ref["mean_diff"], rel=1e-9)
    assert (test["ci_low"], test["ci_high"]) == pytest.approx(
        (ref["ci_low"], ref["ci_high"]), rel=1e-9
    )
    assert effect["value"] == pytest.approx(ref["dz"], rel=1e-9)
    assert (effect["ci_low"], effect["ci_high"]) == pytest.approx(
        (ref["dz_low"], ref["dz_high"]), abs=1e-6
    )


@pytest.mark.parametrize("name", SETS)
def test_improved_stayed_declined_match_r(name):
    from pipeline.stages.compare import change_summary

    ref = REF["paired"][name]
    got = change_summary(np.array(ref["pre"]), np.array(ref["post"]))
    assert (got["improved"], got["stayed"], got["declined"]) == (
        ref["improved"],
        ref["stayed"],
        ref["declined"],
    )
    assert got["r_pre_post"] == pytest.approx(ref["r_pre_post"], rel=1e-12)
