"""JASP parity of a pre/post comparison against R (tests/reference/jasp.R -> jasp.json).

R calls: BayesFactor 0.9.12 ttestBF(x = post - pre, rscale, nullInterval) (what JASP's default
Bayesian paired t test calls, through ttest.tstat); the same JZS integrals by integrate() at
tight tolerance without the noncentral t ("precise"); t.test(paired = TRUE, alternative);
wilcox.test(paired = TRUE, alternative); qqnorm, qqline, ppoints. Data: datasets::sleep (r =
0.707 and r = 1), a PKM-sized test with t near 13 and zero differences, twelve pairs with t just
above 5, a small decline, and eight pairs without an effect (ppoints' a = 3/8).

Tolerances:
- Bayes factors, ``method="exact"`` against the precise integrals: 1e-10 relative (both sides
  integrate to about 1e-12; largest gap seen 7e-12).
- Bayes factors, ``method="bayesfactor"`` against BayesFactor: 1e-8 relative. BayesFactor
  integrates over delta with R's integrate at its default rel.tol (1.2e-4) and R's noncentral
  t density; its values sit within 3.2e-9 of the precise integrals here, far inside the error
  it reports (up to 8e-4). Its one-sided approximation for |t| > 5 is reproduced exactly (same
  closed form on the same two-sided BF).
- t test, Wilcoxon p, Q-Q points and line: 1e-12 relative (closed forms).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline.stats import bayes, normality, parametric
from pipeline.stats.nonparametric import EXACT_METHOD, NORMAL_METHOD, wilcoxon_one_sided
from tests.conftest import load_reference

REF = load_reference("jasp.json")
SETS = ["sleep", "sleep_wide", "pkm", "near_five", "decline", "null_small"]
ALTERNATIVES = {"two_sided": "two-sided", "greater": "greater", "less": "less"}
CLOSED = 1e-12


def _pair(name: str) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(REF[name]["post"], float), np.asarray(REF[name]["pre"], float)


def _number(value) -> float:
    return float(value) if not isinstance(value, str) else float(value.replace("Inf", "inf"))


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("name", SETS)
def test_bayes_factor_exact_matches_precise_integrals(name, alternative):
    ref = REF[name]["bayes"]
    post, pre = _pair(name)
    got = bayes.bayes_factor_paired(
        post, pre, r_scale=ref["rscale"], alternative=ALTERNATIVES[alternative], method="exact"
    )
    assert got["t"] == pytest.approx(ref["t"], rel=CLOSED) and got["n"] == ref["n"]
    assert got["bf10"] == pytest.approx(ref["precise"][alternative], rel=1e-10)
    assert got["bf01"] == pytest.approx(1 / ref["precise"][alternative], rel=1e-10)
    assert got["method"] == bayes.QUADRATURE and got["error"] < 1e-10


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("name", SETS)
def test_bayes_factor_matches_bayesfactor_and_jasp(name, alternative):
    ref = REF[name]["bayes"]
    post, pre = _pair(name)
    got = bayes.bayes_factor_paired(
        post, pre, r_scale=ref["rscale"], alternative=ALTERNATIVES[alternative]
    )
    assert got["bf10"] == pytest.approx(ref["bayesfactor"][alternative]["bf10"], rel=1e-8)
    approximated = alternative != "two_sided" and abs(ref["t"]) > 5
    assert got["method"] == (bayes.APPROXIMATION if approximated else bayes.QUADRATURE)


def test_bayesfactor_approximation_is_far_off_in_the_contradicted_direction():
    # the documented reason to offer method="exact": with t = 12.8 the "less" BF differs
    # several-fold between BayesFactor's approximation and the integral
    ref = REF["pkm"]["bayes"]
    assert ref["bayesfactor"]["less"]["bf10"] < 0.5 * ref["precise"]["less"]


def test_one_sided_bayes_factors_average_to_the_two_sided_one():
    # BF10 = (BF+0 + BF-0) / 2 when the Cauchy prior is split at zero into equal halves
    ref = REF["decline"]["bayes"]
    post, pre = _pair("decline")
    bf = {
        a: bayes.bayes_factor_paired(post, pre, alternative=a, method="exact")["bf10"]
        for a in ("two-sided", "greater", "less")
    }
    assert (bf["greater"] + bf["less"]) / 2 == pytest.approx(bf["two-sided"], rel=1e-10)
    assert bf["two-sided"] == pytest.approx(ref["precise"]["two_sided"], rel=1e-10)


def test_bayes_factor_of_constant_differences_is_not_computed():
    got = bayes.bayes_factor_paired(np.arange(5.0) + 2, np.arange(5.0))
    assert math.isnan(got["bf10"]) and got["note"] == "the differences have no spread"


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("name", SETS)
def test_paired_t_test_matches_t_test(name, alternative):
    ref = REF[name]["t_test"][alternative]
    post, pre = _pair(name)
    got = parametric.paired_t_test(post, pre, alternative=ALTERNATIVES[alternative])
    for key, r_key in [
        ("t", "t"),
        ("df", "df"),
        ("p_value", "p"),
        ("mean_difference", "estimate"),
        ("se", "se"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ]:
        assert got[key] == pytest.approx(_number(ref[r_key]), rel=CLOSED), key


@pytest.mark.parametrize("alternative", ["greater", "less"])
@pytest.mark.parametrize("name", SETS)
def test_one_sided_wilcoxon_matches_wilcox_test(name, alternative):
    ref = REF[name]["wilcoxon"][alternative]
    post, pre = _pair(name)
    got = wilcoxon_one_sided(post, pre, alternative=alternative)
    assert got["statistic"] == ref["statistic"]
    assert got["p_value"] == pytest.approx(ref["p"], rel=CLOSED)
    assert got["method"] == (EXACT_METHOD if "exact" in ref["method"] else NORMAL_METHOD)


def test_data_sets_cover_both_wilcoxon_paths():
    methods = {REF[name]["wilcoxon"]["greater"]["method"] for name in SETS}
    assert any("exact" in m for m in methods) and any("correction" in m for m in methods)


@pytest.mark.parametrize("name", SETS)
def test_qq_points_and_line_match_qqnorm_qqline(name):
    ref = REF[name]["qq"]
    post, pre = _pair(name)
    diff = post - pre
    np.testing.assert_allclose(normality.ppoints(len(diff)), ref["ppoints"], rtol=CLOSED)
    points = normality.qq_points(diff)
    order = np.argsort(ref["sample"], kind="stable")
    np.testing.assert_allclose(points["sample"], np.asarray(ref["sample"])[order], rtol=CLOSED)
    np.testing.assert_allclose(
        points["theoretical"], np.asarray(ref["theoretical"])[order], rtol=CLOSED, atol=1e-15
    )
    line = normality.qq_line(diff)
    assert line["slope"] == pytest.approx(ref["slope"], rel=CLOSED)
    assert line["intercept"] == pytest.approx(ref["intercept"], rel=CLOSED, abs=1e-12)


def test_qq_points_leave_missing_values_out():
    points = normality.qq_points(np.array([3.0, np.nan, 1.0, 2.0]))
    assert points["sample"].tolist() == [1.0, 2.0, 3.0]


def test_bayes_factor_beyond_the_largest_float_is_infinite_with_its_log_kept():
    """A national survey's t of 60 on 100,000 pairs: log BF10 = 1762.67, as
    ``BayesFactor::ttest.tstat(t = 60, n1 = 100000, rscale = 0.707)`` gives it
    (1762.669476499987, its large-t approximation); BF10 itself overflows a float."""
    found = bayes.jzs_bayes_factor(60.0, 100_000, r_scale=0.707)
    assert math.isclose(found["log_bf10"], 1762.669476499987, rel_tol=1e-9)
    assert found["bf10"] == math.inf and found["bf01"] == 0.0
    against = bayes.jzs_bayes_factor(-60.0, 100_000, r_scale=0.707, alternative="less")
    assert against["bf10"] == math.inf and math.isfinite(against["log_bf10"])
