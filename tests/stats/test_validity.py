"""Try-out item validity against R (tests/reference/testitems.R -> testitems.json, "tryout").

R calls: psych::alpha (r.drop = corrected item-total r, raw.r = item-total r, alpha.drop =
alpha if deleted), pairwise and on complete rows; qt for r tabel. Data: eight psych::bfi items
for 40 respondents, A1 and O2 left unreversed and a strongly negative reversed copy of A3, with
gaps and one blank row, so that items fall on both sides of r tabel and one is negative beyond it.

Tolerances: correlations and alpha if deleted 1e-10 absolute (closed forms from the covariance
matrix); r tabel 1e-12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.stats import validity
from tests.conftest import load_reference

REF = load_reference("testitems.json")["tryout"]
ITEMS = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in REF["items"].items()}).astype(float)
V = REF["validity"]
TOL = 1e-10


@pytest.mark.parametrize("use", ["pairwise", "listwise"])
@pytest.mark.parametrize("corrected", [True, False])
def test_r_hitung_and_alpha_if_deleted_match_psych(use, corrected):
    got = validity.item_validity(ITEMS, use=use, corrected=corrected)
    expected = V[use]["r_rest" if corrected else "r_total"]
    np.testing.assert_allclose(got["r"], expected, rtol=0, atol=TOL)
    np.testing.assert_allclose(got["alpha_if_deleted"], V[use]["alpha_if_deleted"], atol=TOL)
    assert (got["n"] == V[f"n_{use}"]).all()
    assert got["r_critical"].iloc[0] == pytest.approx(V["r_tabel"][f"two_05_{use}"], abs=1e-12)
    assert got["valid"].tolist() == [r > got["r_critical"].iloc[0] for r in expected]
    assert set(got["decision"]) <= {validity.VALID, validity.GUGUR}
    assert (got["decision"] == validity.VALID).tolist() == got["valid"].tolist()


def test_corrected_r_is_the_correlation_with_the_rest_score():
    got = validity.item_validity(ITEMS, use="listwise")
    np.testing.assert_allclose(got["r"], V["listwise"]["r_rest_cor"], rtol=0, atol=TOL)


@pytest.mark.parametrize(
    ("options", "name"),
    [({"tails": 1}, "one_05_listwise"), ({"alpha": 0.01}, "two_01_listwise")],
)
def test_r_tabel_options_match_qt(options, name):
    got = validity.item_validity(ITEMS, use="listwise", **options)
    assert got["r_critical"].iloc[0] == pytest.approx(V["r_tabel"][name], abs=1e-12)


def test_df_can_be_given_as_a_table_indexes_it():
    n = V["n_listwise"]
    by_df = validity.item_validity(ITEMS, use="listwise", df=n - 2)
    shifted = validity.item_validity(ITEMS, use="listwise", df=n - 4)
    assert by_df["r_critical"].iloc[0] == pytest.approx(V["r_tabel"]["two_05_listwise"], abs=1e-12)
    assert shifted["r_critical"].iloc[0] > by_df["r_critical"].iloc[0]
    assert (shifted["df"] == n - 4).all()


def test_negative_items_are_gugur_unless_the_absolute_rule_is_asked_for():
    signed = validity.item_validity(ITEMS, use="listwise").set_index("item")
    absolute = validity.item_validity(ITEMS, use="listwise", require_positive=False)
    absolute = absolute.set_index("item")
    critical = V["r_tabel"]["two_05_listwise"]
    negative = [
        i for i, r in zip(ITEMS.columns, V["listwise"]["r_rest"], strict=True) if r < -critical
    ]
    assert negative, "the reference data must hold an item negative beyond r tabel"
    assert not signed.loc[negative, "valid"].any()
    assert absolute.loc[negative, "valid"].all()


def test_item_without_spread_is_gugur_with_a_note():
    items = ITEMS.dropna().assign(constant=3.0)
    got = validity.item_validity(items, use="listwise").set_index("item")
    assert np.isnan(got.loc["constant", "r"]) and not got.loc["constant", "valid"]
    assert got.loc["constant", "note"] != "" and (got.drop("constant")["note"] == "").all()
