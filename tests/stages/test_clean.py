"""Cleaning: ids, duplicates, wave matching with review, careless flags, attrition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.config import load_instrument
from pipeline.stages import matching
from pipeline.stages.careless import careless_flags, longest_run
from pipeline.stages.clean import attrition_table
from pipeline.stages.identity import normalize_ids
from pipeline.stages.matching import STATUS, match_waves


def _wave(names: list[str], group: str = "A") -> pd.DataFrame:
    frame = pd.DataFrame({"participant": names, "group_label": group})
    frame["id_norm"] = normalize_ids(frame["participant"], kind="name")
    return frame


def test_normalize_ids_names_and_numbers():
    names = normalize_ids(pd.Series(["  Siti  NUR'aini ", "José-Maria"]), kind="name")
    assert list(names) == ["siti nur aini", "jose maria"]
    numbers = normalize_ids(pd.Series([" 21.0401-0123 ", "a 12 b"]), kind="number")
    assert list(numbers) == ["2104010123", "A12B"]


def test_exact_then_fuzzy_then_nothing_below_threshold():
    base = _wave(["Ahmad Fauzi", "Siti Aminah", "Budi Santoso", "Dewi Lestari"])
    other = _wave(
        ["ahmad fauzi", "Siti Aminh", "Aminah Siti", "Rudi Hartono"],
    )
    other.index = [10, 11, 12, 13]
    matches, review = match_waves(base, other, threshold=88, review_threshold=60, block=None)
    pairs = {
        (b, o): m
        for b, o, m in zip(
            matches["base_index"], matches["other_index"], matches["method"], strict=True
        )
    }
    assert pairs[(0, 10)] == "exact"
    # "Siti Aminh" and "Aminah Siti" both resemble Siti Aminah: only the best is taken
    assert pairs[(1, 12)] == "fuzzy"  # word order does not matter: score 100
    assert 11 not in set(matches["other_index"])
    assert 13 not in set(matches["other_index"])  # different person
    statuses = dict(zip(review["name_other"], review["status"], strict=True))
    assert statuses["Siti Aminh"] == STATUS["displaced"]


def test_pairs_between_review_and_accept_thresholds_are_proposed_not_accepted():
    base, other = _wave(["Muhammad Rizki Pratama"]), _wave(["M. Rizki Pratama"])
    score = matching.name_similarity(list(base["id_norm"]), list(other["id_norm"]))[0, 0]
    assert 60 <= score < 88
    matches, review = match_waves(base, other, threshold=88, review_threshold=60, block=None)
    assert matches.empty
    assert list(review["status"]) == [STATUS["proposed"]]
    decisions = {(base["id_norm"][0], other["id_norm"][0]): "yes"}
    matches, review = match_waves(
        base, other, threshold=88, review_threshold=60, block=None, decisions=decisions
    )
    assert list(matches["method"]) == ["review"]
    assert list(review["status"]) == [STATUS["review_yes"]]


def test_a_reviewed_no_rejects_an_automatic_match():
    base, other = _wave(["Dewi Lestari"]), _wave(["Dewi Lestar"])
    decisions = {("dewi lestari", "dewi lestar"): "no"}
    matches, review = match_waves(
        base, other, threshold=88, review_threshold=60, block=None, decisions=decisions
    )
    assert matches.empty
    assert list(review["status"]) == [STATUS["review_no"]]


def test_blocking_keeps_groups_apart():
    base = pd.concat([_wave(["Dewi Lestari"], "A"), _wave(["Andi Wijaya"], "B")], ignore_index=True)
    other = _wave(["Dewi Lestary"], "B")
    other.index = [5]
    matches, _ = match_waves(base, other, threshold=80, review_threshold=60, block="group_label")
    assert matches.empty


def test_large_blocks_are_sub_blocked_and_still_match(monkeypatch):
    monkeypatch.setattr(matching, "FULL_COMPARISON_LIMIT", 4)
    names = ["Ahmad Fauzi", "Siti Aminah", "Budi Santoso", "Dewi Lestari", "Eka Putri"]
    base = _wave(names)
    other = _wave(["Ahmad Fauzy", "Siti Aminahh", "Budi Santoso Budi", "Dwi Lestari", "Eka Putrii"])
    other.index = range(10, 15)
    matches, _ = match_waves(base, other, threshold=85, review_threshold=70, block=None)
    found = dict(zip(matches["other_index"], matches["base_index"], strict=True))
    assert found[10] == 0 and found[11] == 1 and found[13] == 3 and found[14] == 4


def test_longest_run_known_values():
    codes = np.array(
        [[1, 1, 1, 2, 2], [3, np.nan, 3, 3, 3], [np.nan] * 5, [4, 4, 4, 4, 4]], dtype=float
    )
    assert list(longest_run(codes)) == [3, 3, 0, 5]


@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=6, max_size=6),
        min_size=1,
        max_size=20,
    )
)
def test_longest_run_matches_a_plain_count(rows):
    codes = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)
    expected = []
    for row in rows:
        best = run = 0
        previous = None
        for value in row:
            run = 0 if value is None else (run + 1 if value == previous else 1)
            previous = value
            best = max(best, run)
        expected.append(best)
    assert list(longest_run(codes)) == expected


def test_careless_flags_need_the_share_or_a_failed_check():
    instrument = load_instrument("builtin:career_awareness_planning")
    items = [i.id for i in instrument.items]
    rows = pd.DataFrame(
        np.tile(np.arange(1, 6), 5)[:24][None, :].repeat(3, axis=0), columns=items, dtype=float
    )
    rows.loc[1, items] = 3.0  # straight-lining
    rows["ac1"] = [4.0, 4.0, 2.0]
    flags = careless_flags(rows, instrument, longstring_share=0.8)
    assert list(flags["flagged"]) == [False, True, True]
    assert flags.loc[1, "reason"] == "same answer on 24 of 24 items"
    assert flags.loc[2, "reason"] == "1 attention check(s) failed"


def test_attrition_table_counts_patterns_per_group():
    responses = pd.DataFrame(
        {
            "participant_code": ["P1", "P1", "P2", "P3", "P4"],
            "wave": ["pre", "post", "pre", "post", "pre"],
            "group": ["treatment", "treatment", "treatment", "control", "control"],
        }
    )
    table = attrition_table(responses).set_index(["group", "pattern"])["n"]
    assert table[("treatment", "pre+post")] == 1
    assert table[("treatment", "pre only")] == 1
    assert table[("control", "post only")] == 1
    assert table[("all", "pre only")] == 2


@pytest.mark.parametrize(
    ("values", "month_first", "expected"),
    [
        (["06/07/2026 08:00:00", "13/07/2026 09:30:00"], False, ["2026-07-06", "2026-07-13"]),
        (["7/6/2026 8:00:00", "7/13/2026 9:30:00"], True, ["2026-07-06", "2026-07-13"]),
        (["2026-07-06T08:00:00.000+07:00"], False, ["2026-07-06"]),
        (["06/07/2026 08.00.00"], False, ["2026-07-06"]),
    ],
)
def test_timestamps_by_locale(values, month_first, expected):
    from pipeline.stages.timestamps import parse_timestamps

    parsed, bad = parse_timestamps(pd.Series(values), month_first=month_first)
    assert not bad.any()
    assert [d.strftime("%Y-%m-%d") for d in parsed] == expected
