"""Identity: masked names, initials and repeated codes are never taken for people; student
numbers one keystroke apart are proposed for review, blocked so 100,000 ids stay fast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.stages.identity import (
    NEAR_MISS_COLUMNS,
    REASONS,
    first_usable_key,
    guess_id_kind,
    judge_id_column,
    near_miss_ids,
    normalize_ids,
)
from tests.stages.legacy import normalize_id
from tests.stages.real_exports import MANIFEST, entries, frame

NAMES = [
    "Siti Nurhaliza",
    "  siti   NURHALIZA ",
    "Andréa Müller",
    "M. Rizky",
    "Nur'aini",
    "Dewi-Lestari",
    "Ahmad  Fauzi, S.Pd.",
    "",
    "ÅSA",
    "Rizky_Pratama",
]


def test_names_normalize_as_the_clean_stage_does():
    values = pd.Series(NAMES)
    assert normalize_ids(values, kind="name").tolist() == normalize_id(values, kind="name").tolist()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("'2301313805", "2301313805"),  # Excel's text mark
        ("2301 313 805", "2301313805"),
        ("2301.313.805", "2301313805"),
        ("2301-313-805", "2301313805"),
        ("0031245", "31245"),  # Excel drops leading zeros
        ("a12b", "A12B"),
        ("  ", ""),
    ],
)
def test_student_numbers_lose_what_spreadsheets_and_typists_add(typed, expected):
    values = pd.Series([typed])
    assert normalize_ids(values, kind="number").tolist() == [expected]
    assert normalize_id(values, kind="number").tolist() == [expected]


def test_emails_compare_without_case_and_spaces():
    values = pd.Series([" Budi.Santoso@Contoh.ac.id", "budi.santoso @contoh.ac.id"])
    assert normalize_ids(values, kind="email").nunique() == 1


def test_the_id_kind_is_guessed_from_the_values():
    assert guess_id_kind(pd.Series(["2301313805", "'2301 313 806", ""])) == "number"
    assert guess_id_kind(pd.Series(["ani@contoh.id", "budi@contoh.id"])) == "email"
    assert guess_id_kind(pd.Series(["Ani", "Budi Santoso"])) == "name"
    assert guess_id_kind(pd.Series(["", ""])) == "name"


# --------------------------------------------------------------------------- the judgement


def test_a_class_list_with_one_repeated_submission_identifies():
    names = pd.Series(["Ani Lestari", "Budi Santoso", "Citra Dewi", "budi santoso", "Dimas"])
    verdict = judge_id_column(names, column="Nama")
    assert verdict.usable and verdict.reasons == ()
    assert (verdict.n_rows, verdict.n_filled, verdict.n_distinct) == (5, 5, 4)
    assert verdict.collision_share == pytest.approx(0.2)
    assert verdict.examples == ()


def test_masked_names_are_judged_with_their_numbers():
    masked = pd.Series(["M*******n", "M***n", "A****a", "S***i", "M***n", "R•••i", "Dxxxxi", ""])
    verdict = judge_id_column(masked, column="Nama")
    assert not verdict.usable
    assert verdict.reasons[0] == "masked"
    assert verdict.masked_share == 1.0
    assert verdict.n_rows == 8 and verdict.n_filled == 7
    assert verdict.examples == ("M*******n", "M***n", "A****a")
    assert verdict.details()["masked"] == "100%"


def test_initials_are_judged():
    verdict = judge_id_column(pd.Series(["A.", "RS", "M. R.", "A R", "B", "Ani Lestari"]))
    assert verdict.reasons[:2] == ("initials", "short")
    assert verdict.initials_share == pytest.approx(5 / 6)


def test_a_short_code_and_a_shared_code_are_judged():
    short = judge_id_column(pd.Series(["12", "13", "14", "15"]), kind="number")
    assert short.reasons == ("short",)
    shared = pd.Series(["Kelas A"] * 5 + [f"Nama Siswa {k}" for k in "BCDEFGHIJKLMNOPQRSTU"])
    verdict = judge_id_column(shared)
    assert verdict.reasons == ("repeated",)
    assert verdict.repeated_share == pytest.approx(0.2)


def test_an_empty_column_is_judged_blank():
    verdict = judge_id_column(pd.Series(["", " "]))
    assert verdict.reasons == ("blank",) and not verdict.usable
    assert set(REASONS) >= {"blank", "masked", "initials", "short", "repeated", "collisions"}


def test_thresholds_are_options():
    names = pd.Series(["Ani Lestari", "A.", "Budi Santoso", "Citra Dewi", "Dimas Putra"])
    assert judge_id_column(names).usable  # 20 % initials is allowed ...
    assert not judge_id_column(names, max_initials_share=0.1).usable  # ... unless told not


@pytest.mark.parametrize("name", entries("id"))
def test_the_corpus_id_columns_are_judged_as_the_manifest_says(name):
    expected = MANIFEST[name]["id"]
    values = frame(name)[expected["column"]]
    verdict = judge_id_column(values, kind=expected["kind"], column=expected["column"])
    assert verdict.usable == expected["usable"]
    assert list(verdict.reasons) == expected.get("reasons", [])


@pytest.mark.parametrize("pair", ["masked_names", "initials"])
def test_the_next_usable_key_is_taken_or_none(pair):
    waves = {w: frame(f"{pair}_{w}.csv") for w in ("pre", "post")}
    expected = MANIFEST[f"{pair}_pre.csv"]["id"]
    keys = [(expected["column"], "name"), ("NIM", "number"), ("Email", "email")]
    chosen, judgements = first_usable_key(waves, keys)
    fallback = expected["fallback"]
    assert chosen == (None if fallback is None else (fallback["column"], fallback["kind"]))
    assert [j.column for j in judgements if not j.usable][:2] == [expected["column"]] * 2
    assert all(j.usable for j in judgements if j.column == "NIM")


# --------------------------------------------------------------------------- near misses


def test_the_corpus_nim_typos_are_proposed_and_the_decoy_is_not():
    pre, post = frame("nim_typos_pre.csv"), frame("nim_typos_post.csv")
    found = near_miss_ids(
        pre["NIM"], post["NIM"], names_a=pre["Nama Mahasiswa"], names_b=post["Nama Mahasiswa"]
    )
    assert list(found.columns) == NEAR_MISS_COLUMNS
    expected = MANIFEST["nim_typos_pre.csv"]["near_miss"]
    got = sorted(zip(found["id_a"], found["id_b"], found["edit"], strict=True))
    assert got == sorted((e["pre"], e["post"], e["edit"]) for e in expected)
    rows = sorted(zip(found["index_a"] + 2, found["index_b"] + 2, strict=True))
    assert rows == sorted((e["pre_row"], e["post_row"]) for e in expected)
    assert (found["name_score"] >= 80).all()
    without_names = near_miss_ids(pre["NIM"], post["NIM"])
    assert len(without_names) == len(expected) + 1  # the decoy: one digit, another student
    assert without_names["name_score"].isna().all()


@pytest.mark.parametrize(
    ("id_a", "id_b", "edit"),
    [
        ("2301313805", "2301316805", "substitution"),
        ("2301313805", "2301318305", "transposition"),
        ("2301313805", "23013138055", "insertion"),
        ("2301313805", "230131805", "deletion"),
        ("2301313805", "3201313805", "transposition"),
    ],
)
def test_each_single_edit_is_named(id_a, id_b, edit):
    found = near_miss_ids(pd.Series([id_a]), pd.Series([id_b]))
    assert found[["id_a", "id_b", "edit"]].values.tolist() == [[id_a, id_b, edit]]


@pytest.mark.parametrize(
    ("id_a", "id_b"),
    [("2301313805", "2301316806"), ("2301313805", "2301381305"), ("2301313805", "2301313805")],
)
def test_two_edits_or_an_equal_id_are_not_near_misses(id_a, id_b):
    assert near_miss_ids(pd.Series([id_a]), pd.Series([id_b])).empty


def test_ids_matched_exactly_are_left_out_on_both_sides():
    a = pd.Series(["2301313805", "2301313806"])
    b = pd.Series(["2301313806", "2301313807"])
    found = near_miss_ids(a, b)
    # 2301313806 is in both waves: it is matched, not a typo of its neighbours.
    assert found[["id_a", "id_b"]].values.tolist() == [["2301313805", "2301313807"]]


def test_a_hundred_thousand_students_are_compared_without_all_pairs():
    """Blocked by deletion neighbourhoods; without blocking this would be 10^10 pairs."""
    rng = np.random.default_rng(3)
    n = 100_000
    ids = pd.Series(rng.choice(np.arange(2_301_000_000, 2_302_000_000), n, replace=False))
    ids = ids.astype(str)
    names = pd.Series([f"peserta {k:06d}" for k in range(n)])
    post = ids.copy()
    typo = rng.choice(n, 200, replace=False)
    post[typo] = [s[:4] + s[5] + s[4] + s[6:] if s[4] != s[5] else s[:-1] + "x" for s in post[typo]]
    found = near_miss_ids(ids, post, names_a=names, names_b=names)
    pairs = set(zip(found["index_a"], found["index_b"], strict=True))
    # A typo that lands on another student's number is an exact match, not a near miss.
    known = set(ids)
    unique_typos = {(k, k) for k in typo if post[k] not in known}
    assert len(unique_typos) > 150
    assert unique_typos <= pairs
    assert (found["name_score"] >= 80).all()


# --------------------------------------------------------------------------- properties

WORD = st.text(alphabet="abcdefghijklmnoprstuwy", min_size=3, max_size=9)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(WORD, WORD), min_size=5, max_size=60, unique=True), st.data())
def test_different_people_never_share_an_id_in_an_identifying_column(people, data):
    """Distinct normalized names, a few repeated submissions: the column is judged usable,
    and merging equal normalized ids joins only a person's own rows."""
    names = [f"{first.title()} {last.title()}" for first, last in people]
    repeats = data.draw(
        st.lists(st.sampled_from(range(len(names))), max_size=len(names) // 10, unique=True)
    )
    rows = pd.Series(names + [names[k].upper() for k in repeats])
    person = list(range(len(names))) + repeats
    verdict = judge_id_column(rows)
    assert verdict.usable
    keys = normalize_ids(rows, kind="name")
    for _, members in pd.Series(person).groupby(keys.to_numpy()):
        assert members.nunique() == 1


def _mask(name: str, style: int) -> str:
    first = name.split()[0]
    if style == 0:
        return first[0] + "*" * (len(first) - 2) + first[-1]
    if style == 1:
        return name[0] + "•" * (len(name) - 2) + name[-1]
    return first[:1] + "xxx" + first[-1:]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(WORD, WORD), min_size=3, max_size=60, unique=True),
    st.sampled_from([0, 1, 2]),
)
def test_a_masked_column_is_never_judged_identifying(people, style):
    names = [f"{first.title()} {last.title()}" for first, last in people]
    masked = pd.Series([_mask(n, style) for n in names])
    verdict = judge_id_column(masked)
    assert not verdict.usable
    assert "masked" in verdict.reasons
