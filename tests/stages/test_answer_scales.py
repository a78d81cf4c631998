"""Answer-label families: a column's answers name their family and the scale they make."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.stages.answer_scales import family_of, label_codes, scale_for, scale_like


@pytest.mark.parametrize(
    ("answers", "family", "points"),
    [
        (["Sangat Setuju", " setuju ", "Ragu-ragu", "", "TS"], "agree", {"ss", "s", "n", "ts"}),
        (["Strongly agree", "Neither agree nor disagree"], "agree", {"ss", "n"}),
        (
            ["Selalu", "Kadang-kadang", "kadang kadang", "Tidak pernah"],
            "frequency",
            {"sl", "kk", "tp"},
        ),
        (["Sangat Sesuai", "Kurang Sesuai"], "fit", {"ss", "ks"}),
        (["4", "5,0", "1.0", "3"], "numeric", {"1", "3", "4", "5"}),
    ],
)
def test_a_columns_answers_name_their_family(answers, family, points):
    assert family_of(pd.Series(answers)) == (family, frozenset(points))


@pytest.mark.parametrize(
    "answers",
    [["Setuju", "Selalu"], ["Laki-laki", "Perempuan"], ["4.5", "3"], ["11", "12"], ["", " "]],
)
def test_mixed_free_or_out_of_range_answers_are_no_family(answers):
    assert family_of(pd.Series(answers)) is None


def test_the_smallest_scale_holding_the_answers_is_taken():
    assert scale_for("agree", {"sts", "ts", "s", "ss"}).points == ("sts", "ts", "s", "ss")
    five = scale_for("agree", {"n", "ss"})
    assert five.points == ("sts", "ts", "n", "s", "ss")
    assert five.labels[3] == ("Netral", "Neutral")
    assert scale_for("agree", {"ats", "ss"}).labels[3] == ("Agak Tidak Setuju", "Somewhat Disagree")
    assert scale_for("numeric", {"2", "5"}).labels == {k: (str(k), str(k)) for k in range(1, 6)}
    assert min(scale_for("numeric", {"0", "3"}).labels) == 0


def test_another_family_shares_the_codes_only_at_the_same_length():
    often = scale_like("frequency", {"sl", "tp"}, 5)
    assert often.labels[5] == ("Selalu", "Always")
    assert scale_like("frequency", {"kk"}, 4) is None
    assert scale_like("numeric", {"1"}, 5) is None


def test_spellings_get_the_code_of_their_point():
    scale = scale_for("agree", {"sts", "ts", "n", "s", "ss"})
    codes = label_codes(scale, ["SS", "Ragu-ragu", "kurang setuju", "Selalu", "Agak Setuju"])
    assert codes == {"kurang setuju": 2, "ragu-ragu": 3, "ss": 5}
    assert label_codes(scale_for("numeric", {"1", "5"}), ["1"]) == {}
