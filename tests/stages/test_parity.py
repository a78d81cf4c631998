"""The JASP-parity tables of the compare stage: the Q-Q points of a large sample are thinned
to what a plot can show (the line from every difference), and the study's Bayes settings
reach the Bayes factor."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.stages.parity import QQ_MAX_POINTS, bayes_factor_rows, qq_rows
from pipeline.stats import bayes, normality


def test_a_large_qq_plot_keeps_its_extremes_and_its_line():
    rng = np.random.default_rng(3)
    pre = rng.normal(3, 1, 50_000)
    post = pre + rng.normal(0.2, 0.5, 50_000)
    rows = qq_rows(pre, post, {"outcome": "total", "group": "all"})
    assert len(rows) == QQ_MAX_POINTS
    assert rows["position"].iat[0] == 1 and rows["position"].iat[-1] == 50_000
    full = normality.qq_points(post - pre)
    assert rows["sample"].iat[-1] == full["sample"].iat[-1]
    assert rows["slope"].iat[0] == pytest.approx(normality.qq_line(post - pre)["slope"], rel=1e-12)


def test_the_study_prior_and_method_reach_the_bayes_factor(demo_copy):
    from pipeline.config import load_study
    from pipeline.config.study import Hypothesis

    study = load_study(demo_copy)
    declared = Hypothesis(direction="increase", declared="2026-06-01")
    rng = np.random.default_rng(4)
    pre = rng.normal(3, 0.5, 12)
    post = pre + rng.normal(0.9, 0.2, 12)  # t far above 5: JASP's shortcut applies
    for method, used in (("exact", bayes.QUADRATURE), ("bayesfactor", bayes.APPROXIMATION)):
        changed = {"bayes_prior": "wide", "bayes_method": method, "hypothesis": declared}
        two, greater = bayes_factor_rows(
            pre, post, study.with_options(changed), {"outcome": "total"}
        )
        assert two["alternative"] == "two-sided" and greater["alternative"] == "greater"
        assert two["r_scale"] == greater["r_scale"] == 1.0 and greater["method"] == used
        expected = bayes.bayes_factor_paired(
            post, pre, r_scale=1.0, alternative="greater", method=method
        )
        assert greater["bf10"] == pytest.approx(expected["bf10"], rel=1e-12)
