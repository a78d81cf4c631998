"""Knowledge-test item analysis against R (tests/reference/testitems.R -> testitems.json).

R calls: psych::score.multiple.choice (difficulty over answered rows), psych::response.frequencies
(option shares), psych::alpha (KR-20 as raw alpha of 0/1 items), mcnemar.test; upper-lower
groups, D, KR-21 and the labels written out in R from their definitions (order(-total) is a
stable sort). Data: psychTools::iqitems (500 respondents, options 0-8, omissions), a small A-D
test (22 respondents, blanks, an item everyone got right, ties at the 27 % cuts, weighted and
partial-credit keys), rater-scored essay items (0..max, one unscored cell) and an equal-p set.

Tolerances: scores, counts, group membership and labels exact; shares, p, D and correlations
1e-12 absolute (closed forms on at most 500 rows; R prints 15 significant digits); KR-20 and
KR-21 1e-12; McNemar statistic and p 1e-12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.stats import mastery
from pipeline.stats import reliability as rel
from pipeline.stats import testitems as ti
from pipeline.stats.mcnemar import mcnemar_table
from tests.conftest import load_reference

REF = load_reference("testitems.json")
TOL = 1e-12


def _frame(columns: dict) -> pd.DataFrame:
    """A JSON column dict as a DataFrame; JSON null becomes NaN (numbers) or None (text)."""
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})


def _numbers(columns: dict) -> pd.DataFrame:
    return _frame(columns).astype(float)


def _key(entries: dict) -> dict:
    """R writes a named points vector as a dict and a single option as a scalar."""
    return {item: entry for item, entry in entries.items()}


def _nan(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


IQ = REF["iqitems"]
SMALL = REF["small"]
ESSAY = REF["essay"]


@pytest.mark.parametrize(
    ("answers", "key", "points", "omitted", "expected"),
    [
        (IQ["answers"], IQ["key"], None, "wrong", IQ["scores_wrong"]),
        (IQ["answers"], IQ["key"], None, "missing", IQ["scores_missing"]),
        (SMALL["answers"], SMALL["key"], None, "wrong", SMALL["scores_binary"]),
        (SMALL["answers"], SMALL["key"], None, "missing", SMALL["scores_missing"]),
        (
            SMALL["answers"],
            SMALL["key_partial"],
            SMALL["points"],
            "wrong",
            SMALL["scores_weighted"],
        ),
    ],
)
def test_scoring_matches_r(answers, key, points, omitted, expected):
    got = ti.score_items(_frame(answers), _key(key), points=points, omitted=omitted)
    pd.testing.assert_frame_equal(got, _numbers(expected), check_dtype=False)


def test_max_points_of_weighted_and_partial_items():
    got = ti.max_points(_key(SMALL["key_partial"]), points=SMALL["points"])
    np.testing.assert_array_equal(got.to_numpy(), SMALL["max_points_weighted"])


def test_key_must_name_every_item():
    answers = _frame(SMALL["answers"])
    with pytest.raises(ValueError, match=r"no key for \['q8'\]"):
        ti.score_items(answers, {k: v for k, v in SMALL["key"].items() if k != "q8"})


def test_difficulty_over_answered_rows_matches_psych():
    got = ti.item_difficulty(_numbers(IQ["scores_missing"]))
    np.testing.assert_allclose(got.to_numpy(), IQ["difficulty_missing_psych"], rtol=0, atol=TOL)
    essay = ti.item_difficulty(_numbers(ESSAY["scores"]), max_points=ESSAY["max_points"])
    np.testing.assert_allclose(essay.to_numpy(), ESSAY["difficulty_pairwise"], rtol=0, atol=TOL)


@pytest.mark.parametrize(
    ("scores", "fraction", "expected"),
    [
        (IQ["scores_wrong"], 0.27, IQ["groups_wrong"]),
        (SMALL["scores_binary"], 0.27, SMALL["groups_binary"]),
        (SMALL["scores_weighted"], 0.27, SMALL["groups_weighted"]),
        (SMALL["scores_binary"], 0.5, SMALL["groups_binary_half"]),
    ],
)
def test_upper_lower_groups_match_r_order(scores, fraction, expected):
    total = _numbers(scores).sum(axis=1)
    got = ti.upper_lower_groups(total, fraction=fraction)
    assert got.tolist() == expected


def test_groups_leave_missing_totals_out():
    total = pd.Series([5.0, np.nan, 3.0, 9.0, 1.0], index=list("abcde"))
    got = ti.upper_lower_groups(total, fraction=0.27)  # n = 4 scored: g = round(1.08) = 1
    assert got.isna().tolist() == [False, True, False, False, False]
    assert (got == ti.UPPER).sum() == (got == ti.LOWER).sum() == 1
    assert got["d"] == ti.UPPER and got["e"] == ti.LOWER


ANALYSES = [
    (IQ["scores_wrong"], None, 0.27, IQ["analysis_wrong"]),
    (IQ["scores_missing"], None, 0.27, IQ["analysis_missing"]),
    (SMALL["scores_binary"], None, 0.27, SMALL["analysis_binary"]),
    (SMALL["scores_binary"], None, 1 / 3, SMALL["analysis_binary_33"]),
    (SMALL["scores_weighted"], "weighted", 0.27, SMALL["analysis_weighted"]),
    (ESSAY["scores"], "essay", 0.27, ESSAY["analysis"]),
]


@pytest.mark.parametrize(("scores", "maximum", "fraction", "expected"), ANALYSES)
def test_item_analysis_matches_r(scores, maximum, fraction, expected):
    frame = _numbers(scores)
    if maximum == "weighted":
        maximum = dict(zip(frame.columns, SMALL["max_points_weighted"], strict=True))
    elif maximum == "essay":
        maximum = ESSAY["max_points"]
    got = ti.item_analysis(frame, max_points=maximum, fraction=fraction)
    assert (got["n"] == expected["n"]).all()
    assert (got["group_size"] == expected["group_size"]).all()
    for column in ("difficulty", "p_upper", "p_lower", "discrimination"):
        np.testing.assert_allclose(got[column], expected[column], rtol=0, atol=TOL)
    for column in ("r_item_total", "r_item_rest"):
        np.testing.assert_allclose(got[column], _nan(expected[column]), rtol=0, atol=TOL)
    assert got["difficulty_label"].tolist() == expected["difficulty_label"]
    assert got["discrimination_label"].tolist() == expected["discrimination_label"]
    np.testing.assert_allclose(got["discrimination"], got["p_upper"] - got["p_lower"], atol=TOL)


def test_item_everyone_answered_right_has_no_correlation_and_says_why():
    got = ti.item_analysis(_numbers(SMALL["scores_binary"]))
    first = got.iloc[0]
    assert first["difficulty"] == 1 and first["discrimination"] == 0
    assert np.isnan(first["r_item_rest"]) and "same points" in first["note"]
    assert (got["note"].iloc[1:] == "").all()


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        (IQ["scores_wrong"], IQ["kr_wrong"]),
        (IQ["scores_missing"], IQ["kr_missing"]),  # listwise
        (SMALL["scores_binary"], SMALL["kr_binary"]),
        (REF["equal_p"]["scores"], REF["equal_p"]["kr"]),
    ],
)
def test_kr20_kr21_match_r(scores, expected):
    frame = _numbers(scores)
    assert ti.kr20(frame) == pytest.approx(expected["kr20_formula"], abs=TOL)
    assert ti.kr21(frame) == pytest.approx(expected["kr21_ddof0"], abs=TOL)
    assert ti.kr21(frame, ddof=1) == pytest.approx(expected["kr21_ddof1"], abs=TOL)


def test_kr20_is_psych_alpha_of_the_items_psych_keeps():
    # psych::alpha deletes an item without variance (q1: everyone right); KR-20 of the test
    # keeps it (its pq is 0, but k counts it), so the two agree once q1 is left out.
    for scores, expected, constant in (
        (IQ["scores_wrong"], IQ["kr_wrong"], []),
        (REF["equal_p"]["scores"], REF["equal_p"]["kr"], []),
        (SMALL["scores_binary"], SMALL["kr_binary"], ["q1"]),
    ):
        frame = _numbers(scores).drop(columns=constant)
        assert ti.kr20(frame) == pytest.approx(expected["kr20_psych"], abs=TOL)


def test_kr21_equals_kr20_when_items_are_equally_difficult():
    frame = _numbers(REF["equal_p"]["scores"])
    assert ti.kr21(frame) == pytest.approx(ti.kr20(frame), abs=TOL)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 1), min_size=4, max_size=4), min_size=3, max_size=25))
def test_kr20_is_alpha_and_kr21_never_exceeds_it(rows):
    frame = pd.DataFrame(rows, dtype=float)
    if frame.sum(axis=1).var(ddof=0) == 0:
        assert np.isnan(ti.kr20(frame)) and np.isnan(ti.kr21(frame))
        return
    alpha = rel.cronbach_alpha(rel.item_covariance(frame, use="listwise")[0])
    assert ti.kr20(frame) == pytest.approx(alpha, abs=1e-9)
    assert ti.kr21(frame) <= ti.kr20(frame) + 1e-12


def test_kr20_refuses_partial_credit():
    with pytest.raises(ValueError, match="0/1"):
        ti.kr20(_numbers(SMALL["scores_weighted"]))


def _distractor_rows(expected: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(expected)
    frame["option"] = frame["option"].astype(str)
    return frame.set_index(["item", "option"])


@pytest.mark.parametrize(
    ("answers", "key", "points", "options", "expected"),
    [
        (IQ["answers"], IQ["key"], None, (), IQ["distractors_wrong"]),
        (SMALL["answers"], SMALL["key"], None, ("E",), SMALL["distractors_binary"]),
        (
            SMALL["answers"],
            SMALL["key_partial"],
            SMALL["points"],
            ("E",),
            SMALL["distractors_weighted"],
        ),
    ],
)
def test_distractor_table_matches_r(answers, key, points, options, expected):
    got = ti.distractor_table(_frame(answers), _key(key), points=points, options=options)
    got["option"] = got["option"].astype(str)
    got = got.set_index(["item", "option"])
    want = _distractor_rows(expected)
    assert got.index.tolist() == want.index.tolist()
    assert got["count"].tolist() == want["count"].tolist()
    for column in ("share", "share_answered", "share_upper", "share_lower"):
        np.testing.assert_allclose(got[column], _nan(want[column]), rtol=0, atol=TOL)
    assert np.allclose(got.groupby(level="item")["share"].sum(), 1)


def test_distractor_shares_match_psych_response_frequencies():
    got = ti.distractor_table(_frame(IQ["answers"]), _key(IQ["key"]))
    frequencies = pd.DataFrame(IQ["response_frequencies"], index=list(IQ["answers"]))
    for row in got.itertuples():
        if row.option == ti.OMITTED:
            assert row.share == pytest.approx(frequencies.loc[row.item, "miss"], abs=TOL)
        else:
            expected = frequencies.loc[row.item, str(row.option)]
            assert row.share_answered == pytest.approx(expected, abs=TOL)


def test_distractor_flags_follow_min_share_and_points():
    got = ti.distractor_table(
        _frame(SMALL["answers"]), _key(SMALL["key_partial"]), points=SMALL["points"], options=("E",)
    )
    distractors = got[(got["points"] == 0) & (got["option"] != ti.OMITTED)]
    assert (distractors["functioning"] == (distractors["share"] >= 0.05)).all()
    assert got.loc[got["points"] > 0, "functioning"].isna().all()
    q8 = got[got["item"] == "q8"].set_index("option")
    assert q8.loc["D", "is_key"] and not q8.loc["C", "is_key"] and q8.loc["C", "points"] == 1


def test_labels_match_r_at_the_boundaries():
    labels = REF["labels"]
    assert ti.difficulty_labels(_nan(labels["p"])).tolist() == labels["difficulty"]
    assert ti.discrimination_labels(_nan(labels["d"])).tolist() == labels["discrimination"]


def test_label_bounds_are_configurable():
    p = np.array([0.25, 0.30, 0.75, 0.80])
    shifted = ti.difficulty_labels(p, bounds=(0.25, 0.75)).tolist()
    assert shifted == [ti.DIFFICULTY_LABELS[i] for i in (1, 1, 1, 2)]
    with pytest.raises(ValueError, match="ascending"):
        ti.discrimination_labels(p, bounds=(0.4, 0.2, 0.7))


def test_mastery_matches_r_and_feeds_mcnemar():
    ref = REF["mastery"]
    pre, post = pd.Series(_nan(ref["pre"])), pd.Series(_nan(ref["post"]))
    shares = mastery.mastery_shares(pre, post, passing=ref["passing"]).set_index("wave")
    assert shares["n"].tolist() == [ref["n"], ref["n"]]
    assert shares["mastered"].tolist() == [ref["mastered_pre"], ref["mastered_post"]]
    assert shares.loc["pre", "share"] == pytest.approx(ref["share_pre"], abs=TOL)
    assert shares.loc["post", "share"] == pytest.approx(ref["share_post"], abs=TOL)
    table = mastery.mastery_table(pre, post, passing=ref["passing"])
    assert table.to_numpy().tolist() == ref["table"]
    result = mcnemar_table(table.to_numpy())
    assert result.statistic == pytest.approx(ref["mcnemar_statistic"], rel=TOL)
    assert result.p_asymptotic == pytest.approx(ref["mcnemar_p"], rel=TOL)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=60),
    st.sampled_from([0.27, 0.25, 1 / 3, 0.5]),
)
def test_groups_have_g_members_and_upper_never_scores_below_lower(totals, fraction):
    total = pd.Series(totals, dtype=float)
    groups = ti.upper_lower_groups(total, fraction=fraction)
    size = ti.group_size(len(total), fraction=fraction)
    assert (groups == ti.UPPER).sum() == (groups == ti.LOWER).sum() == size
    if size:
        assert total[groups == ti.UPPER].min() >= total[groups == ti.LOWER].max()
