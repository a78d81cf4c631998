"""Psychometrics, categories and gain against R (tests/reference/psychometrics.R ->
psychometrics.json) and against published tables.

Tolerances: alpha, standardized alpha, Feldt CI, item-total and item-rest r, alpha if deleted:
1e-6 absolute; omega total: 1e-3 (both sides fit a one-factor model iteratively); gain: 1e-9.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pipeline.config import load_study
from pipeline.stages.score import score
from pipeline.stats import categories as cat
from pipeline.stats import gain as gn
from pipeline.stats import reliability as rel
from tests.conftest import load_reference, program

REF = load_reference("psychometrics.json")
BFI = pd.DataFrame(
    {k: pd.to_numeric(pd.Series(v, dtype=object)) for k, v in REF["bfi"]["items"].items()}
).astype(float)


def _keyed(scale: str) -> pd.DataFrame:
    keys = REF["bfi"]["keys"][scale]
    data = BFI[[k.lstrip("-") for k in keys]].copy()
    for key in keys:
        if key.startswith("-"):
            data[key[1:]] = 7 - data[key[1:]]
    return data


CASES = [(s, use) for s in REF["bfi"]["keys"] for use in ("pairwise", "listwise")]


@pytest.mark.parametrize(("scale", "use"), CASES)
def test_bfi_reliability_matches_psych(scale, use):
    expected = REF["bfi"]["scales"][scale][use]
    cov, n = rel.item_covariance(_keyed(scale), use=use)
    assert n == expected["n"]
    alpha = rel.cronbach_alpha(cov)
    assert alpha == pytest.approx(expected["alpha"], abs=1e-6)
    assert rel.standardized_alpha(cov) == pytest.approx(expected["std_alpha"], abs=1e-6)
    low, high = rel.feldt_ci(alpha, n, cov.shape[0])
    assert low == pytest.approx(expected["alpha_ci_low"], abs=1e-6)
    assert high == pytest.approx(expected["alpha_ci_high"], abs=1e-6)
    items = rel.item_statistics(_keyed(scale) if use == "pairwise" else _keyed(scale).dropna(), cov)
    np.testing.assert_allclose(items["r_item_total"], expected["item_total_r"], atol=1e-6)
    np.testing.assert_allclose(items["r_item_rest"], expected["item_rest_r"], atol=1e-6)
    np.testing.assert_allclose(items["alpha_if_deleted"], expected["alpha_if_deleted"], atol=1e-6)
    omega, converged = rel.omega_total(rel.item_correlation(_keyed(scale), use=use))
    assert converged
    assert omega == pytest.approx(expected["omega_total"], abs=1e-3)


def test_omega_of_collinear_items_is_the_exact_one_factor_value():
    # Two identical items make the correlation matrix singular (the squared multiple
    # correlations are infinite). Loadings (1, 1, 0.5) reproduce this matrix exactly, so
    # omega = 2.5^2 / (2.5^2 + 0 + 0 + 0.75) = 6.25 / 7 by hand.
    corr = np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]])
    omega, converged = rel.omega_total(corr)
    assert converged
    assert omega == pytest.approx(6.25 / 7, abs=1e-9)


def test_omega_without_a_factor_solution_is_nan_not_an_error():
    corr = np.array([[1.0, np.inf], [np.inf, 1.0]])
    omega, converged = rel.omega_total(corr)
    assert np.isnan(omega) and not converged


def test_critical_r_matches_r_and_the_published_table():
    for n, expected in zip(REF["critical_r"]["N"], REF["critical_r"]["r"], strict=True):
        assert rel.critical_r(n) == pytest.approx(expected, abs=1e-9)
    # Sugiyono's r tabel as Indonesian theses cite it, indexed by N (df = N - 2)
    for n, printed in [(20, 0.444), (30, 0.361), (50, 0.279)]:
        assert rel.critical_r(n) == pytest.approx(printed, abs=5e-4)
    # Its N = 100 entry (0.195) is the df = 100 value: why r_table_df offers "n" as well.
    assert rel.critical_r(100, df=100) == pytest.approx(0.195, abs=5e-4)
    assert rel.critical_r(100) == pytest.approx(0.197, abs=5e-4)


@pytest.mark.parametrize(
    ("k", "low", "high", "mean", "sd", "first_cut"),
    [(12, 1, 5, 36, 8, 28), (20, 1, 4, 50, 10, 40), (32, 1, 5, 96, 21.333333, 74.666667)],
)
def test_azwar_hypothetical_norms_match_published_examples(k, low, high, mean, sd, first_cut):
    m, s = cat.hypothetical_norm(k, low, high)
    assert (m, s) == pytest.approx((mean, sd), abs=1e-5)
    scheme = cat.azwar_scheme(m, s, levels=3, name="h")
    assert scheme.cuts[0] == pytest.approx(first_cut, abs=1e-5)
    assert cat.categorize(pd.Series([first_cut - 0.01, first_cut]), scheme).tolist() == [
        "rendah",
        "sedang",
    ]  # the lower bound is inclusive


# ---- the Likert pre/post set, through the score stage --------------------------------------

LIKERT = REF["likert"]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("likert")
    k = LIKERT["n_items"]
    labels = {c: {"id": f"l{c}", "en": f"l{c}"} for c in range(1, 6)}
    instrument = {
        "id": "t",
        "title": {"id": "t", "en": "t"},
        "response_scale": {"min": 1, "max": 5, "labels": labels},
        "items": [
            {
                "id": f"i{j}",
                "text": {"id": f"butir {j}", "en": f"item {j}"},
                "reverse": j in LIKERT["reverse_items"],
            }
            for j in range(1, k + 1)
        ],
        "scales": [
            {"id": "s", "name": {"id": "s", "en": "s"}, "items": [f"i{j}" for j in range(1, k + 1)]}
        ],
    }
    (folder / "codebook.yaml").write_text(yaml.safe_dump(instrument), "utf-8")
    study = {
        "program": program("likert"),
        "instrument": "codebook.yaml",
        "waves": {"pre": "pre.csv", "post": "post.csv"},
        "columns": {"id": "id"},
        "categories": {"levels": 3, "norm": "empirical"},
    }
    (folder / "study.yaml").write_text(yaml.safe_dump(study), "utf-8")
    frames = []
    for wave in ("pre", "post"):
        values = np.array(
            [[np.nan if v is None else v for v in row] for row in LIKERT[f"{wave}_items"]],
            dtype=float,
        )
        frame = pd.DataFrame(values, columns=[f"i{j}" for j in range(1, k + 1)])
        frames.append(
            frame.assign(
                participant_code=[f"P{i:03d}" for i in range(len(frame))], wave=wave, group="all"
            )
        )
    cleaned = SimpleNamespace(responses=pd.concat(frames, ignore_index=True))
    return score(cleaned, load_study(folder / "study.yaml"))


def test_likert_scores_match_r(scored):
    for wave in ("pre", "post"):
        got = scored.scores.query("wave == @wave")["mean"].to_numpy()
        expected = np.array([np.nan if v is None else v for v in LIKERT[f"{wave}_mean"]])
        np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("wave", ["pre", "post"])
def test_likert_reliability_and_items_match_r(scored, wave):
    expected = LIKERT["reliability"][wave]["pairwise"]
    row = scored.reliability.query("wave == @wave").iloc[0]
    assert row["alpha"] == pytest.approx(expected["alpha"], abs=1e-6)
    assert row["alpha_ci_low"] == pytest.approx(expected["alpha_ci_low"], abs=1e-6)
    assert row["alpha_ci_high"] == pytest.approx(expected["alpha_ci_high"], abs=1e-6)
    assert row["std_alpha"] == pytest.approx(expected["std_alpha"], abs=1e-6)
    assert row["omega_total"] == pytest.approx(expected["omega_total"], abs=1e-3)
    items = scored.items.query("wave == @wave")
    np.testing.assert_allclose(items["r_item_rest"], expected["item_rest_r"], atol=1e-6)
    np.testing.assert_allclose(items["r_item_total"], expected["item_total_r"], atol=1e-6)
    np.testing.assert_allclose(items["alpha_if_deleted"], expected["alpha_if_deleted"], atol=1e-6)
    np.testing.assert_allclose(items["r_critical"], rel.critical_r(expected["n"]), rtol=1e-12)
    assert list(items["valid"]) == [
        r >= rel.critical_r(expected["n"]) for r in expected["item_rest_r"]
    ]


@pytest.mark.parametrize("scheme", ["hypothetical_3", "empirical_3"])
def test_likert_categories_match_r(scored, scheme):
    expected = LIKERT["categories"][scheme]
    got = scored.categories.query("scheme == @scheme")
    schemes = scored.category_schemes.set_index("scheme")
    assert schemes.loc[scheme, "norm_mean"] == pytest.approx(expected["M"], rel=1e-12)
    assert schemes.loc[scheme, "norm_sd"] == pytest.approx(expected["SD"], rel=1e-12)
    for wave in ("pre", "post"):
        labels = got.query("wave == @wave")["category"].tolist()
        assert [None if pd.isna(x) else x for x in labels] == expected[wave]


@pytest.mark.parametrize("levels", [3, 5])
def test_five_and_three_level_schemes_match_r(levels):
    for norm in ("hypothetical", "empirical"):
        expected = LIKERT["categories"][f"{norm}_{levels}"]
        scheme = cat.azwar_scheme(expected["M"], expected["SD"], levels=levels, name="x")
        sums = pd.Series(
            [np.nan if v is None else v * LIKERT["n_items"] for v in LIKERT["pre_mean"]]
        )
        assert cat.categorize(sums, scheme).tolist() == expected["pre"]


def test_likert_gain_matches_r(scored):
    expected = LIKERT["gain"]
    pre = pd.Series([np.nan if v is None else v for v in LIKERT["pre_mean"]])
    post = pd.Series([np.nan if v is None else v for v in LIKERT["post_mean"]])
    complete = pre.notna() & post.notna()
    gain = scored.gain.set_index("participant_code")
    codes = [f"P{i:03d}" for i in np.flatnonzero(complete)]
    g_expected = [
        np.nan if v is None else v
        for v in np.array(expected["g"], dtype=object)[complete.to_numpy()]
    ]
    np.testing.assert_allclose(gain.loc[codes, "g"], g_expected, atol=1e-9)
    c_expected = [
        np.nan if v is None else v
        for v in np.array(expected["marx_cummings"], dtype=object)[complete.to_numpy()]
    ]
    np.testing.assert_allclose(gain.loc[codes, "c"], c_expected, atol=1e-9)
    summary = scored.gain_summary.iloc[0]
    assert summary["g_class"] == pytest.approx(expected["g_class"], abs=1e-9)
    assert summary["gain_mean"] == pytest.approx(expected["g_mean"], abs=1e-9)
    assert summary["hake_class"] == expected["hake_class"]
    assert summary["effectiveness"] == expected["effectiveness"]
    hake_expected = [v for v, keep in zip(expected["hake"], complete, strict=True) if keep]
    got = [None if pd.isna(v) else v for v in gain.loc[codes, "hake_level"]]
    assert got == hake_expected
    assert summary["n_ceiling"] == int(((pre == 5) & complete).sum()) >= 1
    assert gain.loc["P001", "note"] == "pre at the ceiling: no room to gain"  # R's row 2


@pytest.mark.parametrize(
    ("value", "hake", "percent", "effectiveness"),
    [
        (0.29999, "low", 39.99, "tidak efektif"),
        (0.3, "medium", 40, "kurang efektif"),
        (0.69999, "medium", 55.99, "kurang efektif"),
        (0.7, "high", 56, "cukup efektif"),
        (-0.5, "low", 76, "efektif"),
    ],
)
def test_gain_bands_have_no_gaps(value, hake, percent, effectiveness):
    assert gn.hake_label(value) == hake
    assert gn.effectiveness_label(percent) == effectiveness


@given(st.lists(st.floats(0, 99.9), min_size=1, max_size=30))
def test_post_equal_to_pre_gives_zero_gain(values):
    pre = pd.Series(values)
    assert (gn.individual_gain(pre, pre) == 0).all()
    assert (gn.normalized_change(pre[pre > 0], pre[pre > 0]) == 0).all()
    assert gn.class_gain(pre, pre) == pytest.approx(0.0, abs=1e-12)


def test_category_shift_and_hake_shares_match_r(scored):
    shift = scored.category_shift.set_index("scheme").loc["hypothetical_3"]
    expected = LIKERT["shift_hypothetical_3"]
    assert (shift["up"], shift["stayed"], shift["down"]) == (
        expected["up"],
        expected["stayed"],
        expected["down"],
    )
    summary = scored.gain_summary.iloc[0]
    for level in ("high", "medium", "low"):
        assert summary[f"share_{level}"] == pytest.approx(LIKERT["hake_shares"][level], abs=1e-12)
