"""Wilcoxon signed-rank test, Hodges-Lehmann estimate and matched rank-biserial r against R
(tests/reference/nonparametric.R -> nonparametric.json: stats::wilcox.test of R 4.2,
effectsize::rank_biserial 0.8.3), at levels 0.90, 0.95 and 0.99.

Tolerances: V and n_nonzero exact; p-values 1e-9 relative; exact-path estimate and interval
(Walsh averages) 1e-9 absolute; normal-path estimate and interval 1e-6 absolute (R finds them
with uniroot at tolerance 1e-4 on a step function; the module takes the same steps, and the
agreement observed is about 1e-14); achieved level 1e-12; rank-biserial r and its interval
1e-9 absolute.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.stats.nonparametric import (
    EXACT_METHOD,
    ROOT_TOL,
    matched_rank_biserial,
    wilcoxon_signed_rank,
)
from tests.conftest import load_reference

REF = load_reference("nonparametric.json")
NAMED = ["sleep", "exact_12", "anorexia_CBT", "anorexia_Cont", "anorexia_FT", "likert_40"]
NAMED += ["large_60"]


def _cases(block: str) -> list:
    return [
        pytest.param(data, result, id=f"{name}-{result['level']}")
        for name, data in REF[block].items()
        for result in data["results"]
    ]


def _arrays(data: dict) -> tuple[np.ndarray, np.ndarray]:
    return np.array(data["post"], dtype=float), np.array(data["pre"], dtype=float)


def _r(value: float | None) -> float:
    """R's NaN and NA arrive from JSON as null."""
    return math.nan if value is None else value


def _check_wilcoxon(data: dict, expected: dict) -> None:
    post, pre = _arrays(data)
    got = wilcoxon_signed_rank(post, pre, level=expected["level"])
    assert got["method"] == expected["method"]
    assert got["n_nonzero"] == expected["n_nonzero"]
    assert got["statistic"] == expected["statistic"]
    assert got["p_value"] == pytest.approx(expected["p_value"], rel=1e-9)
    assert got["achieved_level"] == pytest.approx(expected["achieved_level"], rel=1e-12)
    tol = 1e-9 if got["method"] == EXACT_METHOD else 1e-6
    for key in ("estimate", "ci_low", "ci_high"):
        assert got[key] == pytest.approx(_r(expected[key]), abs=tol, nan_ok=True), key


def _check_rank_biserial(data: dict, expected: dict) -> None:
    post, pre = _arrays(data)
    got = matched_rank_biserial(post, pre, level=expected["level"])
    assert got["value"] == pytest.approx(expected["rank_biserial"], abs=1e-9)
    assert got["ci_low"] == pytest.approx(expected["rb_ci_low"], abs=1e-9)
    assert got["ci_high"] == pytest.approx(expected["rb_ci_high"], abs=1e-9)
    assert got["note"] == ""


@pytest.mark.parametrize(("data", "expected"), _cases("sets"))
def test_wilcoxon_matches_r(data, expected):
    _check_wilcoxon(data, expected)


@pytest.mark.parametrize(("data", "expected"), _cases("sweep"))
def test_exact_path_matches_r_for_every_n_below_50(data, expected):
    assert expected["method"] == EXACT_METHOD
    _check_wilcoxon(data, expected)


@pytest.mark.parametrize(("data", "expected"), _cases("random"))
def test_normal_path_matches_r_root_finding(data, expected):
    _check_wilcoxon(data, expected)


@pytest.mark.parametrize(("data", "expected"), _cases("sets") + _cases("random"))
def test_rank_biserial_matches_r(data, expected):
    _check_rank_biserial(data, expected)


def test_reference_covers_both_paths_and_rs_corner_cases():
    results = {
        name: next(r for r in data["results"] if r["level"] == 0.95)
        for name, data in REF["sets"].items()
    }
    assert results["sleep"]["method"] != EXACT_METHOD
    assert results["exact_12"]["method"] == EXACT_METHOD
    assert results["large_60"]["method"] != EXACT_METHOD
    assert results["large_60"]["n_nonzero"] >= 50
    assert results["exact_4"]["achieved_level"] == pytest.approx(0.88)
    assert results["all_tied"]["estimate_name"] == "midrange"


def test_all_equal_differences_give_the_midrange_and_no_interval():
    got = wilcoxon_signed_rank(np.array([3, 4.5, 5, 3.5, 4]), np.array([3, 3.5, 4, 2.5, 3]))
    assert got["estimate"] == 1.0
    assert math.isnan(got["ci_low"]) and math.isnan(got["ci_high"])
    assert "no interval" in got["note"]


def test_an_unreachable_level_is_lowered_and_said():
    data = REF["sets"]["exact_4"]
    got = wilcoxon_signed_rank(*_arrays(data), level=0.95)
    assert got["achieved_level"] == pytest.approx(0.88)
    assert "cannot be reached" in got["note"]


@pytest.mark.parametrize("name", NAMED)
def test_swapping_post_and_pre_flips_the_signs(name):
    post, pre = _arrays(REF["sets"][name])
    up, down = wilcoxon_signed_rank(post, pre), wilcoxon_signed_rank(pre, post)
    n = up["n_nonzero"]
    assert down["statistic"] == n * (n + 1) / 2 - up["statistic"]
    assert down["p_value"] == pytest.approx(up["p_value"], rel=1e-12)
    # the interval limits flip exactly; a root-found estimate only within R's root tolerance
    tol = 0.0 if up["method"] == EXACT_METHOD else ROOT_TOL
    assert down["estimate"] == pytest.approx(-up["estimate"], abs=tol)
    assert down["ci_low"] == pytest.approx(-up["ci_high"], abs=1e-12)
    assert down["ci_high"] == pytest.approx(-up["ci_low"], abs=1e-12)
    r_up, r_down = matched_rank_biserial(post, pre), matched_rank_biserial(pre, post)
    assert r_down["value"] == pytest.approx(-r_up["value"], abs=1e-12)
    assert r_down["ci_low"] == pytest.approx(-r_up["ci_high"], abs=1e-12)


@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.integers(1, 5)).filter(lambda p: p[0] != p[1]),
        min_size=2,
        max_size=30,
    )
)
def test_rank_biserial_is_antisymmetric_and_bounded(pairs):
    pre, post = (np.array(v, dtype=float) for v in zip(*pairs, strict=True))
    up, down = matched_rank_biserial(post, pre), matched_rank_biserial(pre, post)
    assert -1 <= up["ci_low"] <= up["value"] <= up["ci_high"] <= 1
    assert down["value"] == pytest.approx(-up["value"], abs=1e-12)
    assert wilcoxon_signed_rank(post, pre)["p_value"] <= 1


def test_constant_decline_is_minus_one_where_effectsize_says_plus_one():
    quirk = REF["effectsize_constant_decline"]
    got = matched_rank_biserial(np.array(quirk["post"]), np.array(quirk["pre"]))
    assert quirk["rank_biserial"] == 1
    assert got["value"] == -1.0
    assert (got["ci_low"], got["ci_high"]) == (-1.0, -1.0)


@pytest.mark.parametrize(
    ("post", "pre", "reason"),
    [
        ([2.0, 3.0, 4.0], [2.0, 3.0, 4.0], "all 3 differences are zero"),
        ([4.0], [3.0], "only 1 nonzero difference(s)"),
        ([4.0, 3.0, 2.0], [3.0, 3.0, 2.0], "only 1 nonzero difference(s)"),
        ([], [], "no pairs"),
    ],
)
def test_too_few_nonzero_differences_give_nan_and_a_note(post, pre, reason):
    test = wilcoxon_signed_rank(np.array(post), np.array(pre))
    effect = matched_rank_biserial(np.array(post), np.array(pre))
    assert reason in test["note"] and reason in effect["note"]
    assert test["method"] == "not computed"
    for key in ("statistic", "p_value", "estimate", "ci_low", "ci_high", "achieved_level"):
        assert math.isnan(test[key]), key
    for key in ("value", "ci_low", "ci_high"):
        assert math.isnan(effect[key]), key


@pytest.mark.parametrize(
    ("post", "pre", "level", "message"),
    [
        ([1.0, 2.0], [1.0], 0.95, "equal length"),
        ([1.0, np.nan], [1.0, 2.0], 0.95, "1 pair(s) have a missing"),
        ([1.0, 2.0], [2.0, 1.0], 1.0, "level must lie strictly between 0 and 1"),
    ],
)
def test_unpaired_input_is_refused(post, pre, level, message):
    for function in (wilcoxon_signed_rank, matched_rank_biserial):
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            function(np.array(post), np.array(pre), level=level)
