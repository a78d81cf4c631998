"""Wilcoxon signed-rank test, Hodges-Lehmann shift and matched rank-biserial r against R
(tests/reference/wilcoxon.R -> wilcoxon.json: stats::wilcox.test, effectsize::rank_biserial).

Tolerances: V exact; p 1e-9; exact-path estimate and CI 1e-9; normal-path estimate and CI
2e-4 (R finds them with uniroot at its default tolerance 1e-4 on a step function); r and its
CI 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.stats.wilcoxon import matched_rank_biserial, wilcoxon_signed_rank
from tests.conftest import load_reference

SETS = load_reference("wilcoxon.json")["sets"]


@pytest.mark.parametrize("name", sorted(SETS))
def test_wilcoxon_matches_r(name):
    ref = SETS[name]
    pre, post = np.array(ref["pre"]), np.array(ref["post"])
    got = wilcoxon_signed_rank(post, pre)
    assert got["statistic"] == ref["V"]
    assert got["p_value"] == pytest.approx(ref["p"], abs=1e-9)
    exact = "exact" in ref["method"]
    assert (got["method"] == "exact") == exact
    tol = 1e-9 if exact else 2e-4
    assert got["estimate"] == pytest.approx(ref["estimate"], abs=tol)
    assert got["ci_low"] == pytest.approx(ref["ci_low"], abs=tol)
    assert got["ci_high"] == pytest.approx(ref["ci_high"], abs=tol)


@pytest.mark.parametrize("name", sorted(SETS))
def test_rank_biserial_matches_r(name):
    ref = SETS[name]
    got = matched_rank_biserial(np.array(ref["post"]), np.array(ref["pre"]))
    assert got["value"] == pytest.approx(ref["rb"], abs=1e-9)
    assert got["ci_low"] == pytest.approx(ref["rb_low"], abs=1e-9)
    assert got["ci_high"] == pytest.approx(ref["rb_high"], abs=1e-9)


def test_swapping_waves_flips_the_signs():
    ref = SETS["sleep"]
    pre, post = np.array(ref["pre"]), np.array(ref["post"])
    a, b = wilcoxon_signed_rank(post, pre), wilcoxon_signed_rank(pre, post)
    assert b["estimate"] == pytest.approx(-a["estimate"], abs=2e-4)
    assert matched_rank_biserial(pre, post)["value"] == pytest.approx(
        -matched_rank_biserial(post, pre)["value"]
    )


@pytest.mark.parametrize("diff", [[0.0, 0.0, 0.0], [1.0]])
def test_degenerate_sets_give_a_note(diff):
    got = wilcoxon_signed_rank(np.array(diff), np.zeros(len(diff)))
    assert np.isnan(got["p_value"]) and "nonzero difference" in got["note"]
