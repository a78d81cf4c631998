"""BLAS runs on one thread inside the helper's context, is restored after it, and the
reliability products on one thread equal those on every thread to rounding (OpenBLAS splits a
product's sums between threads differently on different processors, so the last bit may
differ; the pipeline runs them on one thread, so its own results do not)."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from pipeline.stats import reliability
from pipeline.stats.threads import one_blas_thread


def _blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_one_thread_inside_and_the_pool_restored_after():
    before = _blas_threads()
    assert before, "numpy's BLAS should be visible to threadpoolctl"
    with one_blas_thread():
        assert _blas_threads() == [1] * len(before)
    assert _blas_threads() == before


def test_pairwise_moments_agree_on_any_number_of_threads():
    rng = np.random.default_rng(19)
    values = rng.integers(1, 6, size=(5000, 12)).astype(float)
    values[rng.random(values.shape) < 0.05] = np.nan
    wrapped = reliability.pairwise_moments.__wrapped__  # the products on the pool as it is
    for one, every in zip(reliability.pairwise_moments(values), wrapped(values), strict=True):
        np.testing.assert_allclose(one, every, rtol=1e-12, atol=1e-15)


def test_model_residual_sums_are_taken_on_one_thread():
    """statsmodels sums the residuals lazily; a fit from the models' least squares has them
    already, as one thread sums them, so no caller sums them again on every thread."""
    import statsmodels.api as sm

    from pipeline.stats import models

    rng = np.random.default_rng(19)
    pre = rng.normal(size=30_000)
    post = pre + rng.normal(size=30_000)
    fit = models._ols(post, [pre])
    with one_blas_thread():
        alone = sm.OLS(post, np.column_stack([np.ones(len(pre)), pre])).fit()
        sums = (alone.ssr, alone.centered_tss, alone.uncentered_tss)
    assert {"ssr", "centered_tss", "uncentered_tss"} <= set(fit._cache)
    assert (fit.ssr, fit.centered_tss, fit.uncentered_tss) == sums
