"""Aspiration coding (pipeline/aspirations.py) and McNemar's test (pipeline/stats/mcnemar.py).

McNemar against R (tests/reference/mcnemar.R -> mcnemar.json: stats::mcnemar.test and
stats::binom.test of R 4.2, Newcombe's method 10 computed by hand in R with prop.test's Wilson
margins), at levels 0.90 and 0.95. Tolerance: 1e-6 absolute for every statistic, p-value,
odds ratio, proportion and interval limit (the agreement observed is about 1e-12).

Coding: the bundled dictionary must validate; a list of realistic answers written by hand must
code as expected; and on 2000 simulated answers per wave (seed 2026) level and code must both
be right for at least 95% of the answers the dictionary could know.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pipeline.errors import ConfigError
from pipeline.program.aspiration_dictionary import (
    clean_answer,
    default_dictionary_path,
    load_dictionary,
    match_key,
    strip_fillers,
)
from pipeline.program.aspirations import (
    CODED_COLUMNS,
    LEVELS,
    code_answers,
    normalize,
    review_table,
    transition,
)
from pipeline.simulate.aspirations import simulate_answers
from pipeline.stats.mcnemar import (
    ASYMPTOTIC_METHOD,
    EXACT_BELOW,
    EXACT_METHOD,
    mcnemar,
    mcnemar_table,
)
from tests.conftest import load_reference

TOL = 1e-6
REF = load_reference("mcnemar.json")
TABLES = [name for name in REF if name != "about"]


@pytest.fixture(scope="module")
def dictionary():
    return load_dictionary()


# --------------------------------------------------------------------------- McNemar vs R


def _r(value) -> float:
    """R's NaN and Inf arrive from JSON as strings."""
    return {"NaN": math.nan, "Inf": math.inf}.get(value, value) if isinstance(value, str) else value


def _close(ours: float, theirs) -> bool:
    theirs = _r(theirs)
    if math.isnan(theirs) or math.isinf(theirs):
        return ours == theirs or (math.isnan(ours) and math.isnan(theirs))
    return abs(ours - theirs) <= TOL


@pytest.mark.parametrize(
    ("table", "result"),
    [
        pytest.param(REF[name]["table"], result, id=f"{name}-{result['level']}")
        for name in TABLES
        for result in REF[name]["results"]
    ],
)
def test_mcnemar_matches_r(table, result):
    level = result["level"]
    cells = [[table["a"], table["b"]], [table["c"], table["d"]]]
    corrected = mcnemar_table(cells, level=level)
    plain = mcnemar_table(cells, level=level, correct=False)
    pairs = [
        (corrected.statistic, result["statistic_correct"]),
        (plain.statistic, result["statistic_plain"]),
        (corrected.p_pre, result["p_pre"]),
        (corrected.p_post, result["p_post"]),
        (corrected.difference, result["difference"]),
        (corrected.diff_ci_low, result["diff_ci_low"]),
        (corrected.diff_ci_high, result["diff_ci_high"]),
    ]
    if table["b"] + table["c"] > 0:
        pairs += [
            (corrected.p_asymptotic, result["p_correct"]),
            (plain.p_asymptotic, result["p_plain"]),
            (corrected.p_exact, result["p_exact"]),
            (corrected.odds_ratio, result["odds_ratio"]),
            (corrected.or_ci_low, result["or_ci_low"]),
            (corrected.or_ci_high, result["or_ci_high"]),
        ]
    for ours, theirs in pairs:
        assert _close(ours, theirs), (ours, theirs)


def test_no_discordant_pairs_is_p_one_with_a_note():
    # R: mcnemar.test gives NaN statistic and p (0/0); binom.test refuses n = 0.
    assert math.isnan(_r(REF["no_discordant"]["results"][0]["statistic_correct"]))
    result = mcnemar(0, 0, a=10, d=5)
    assert math.isnan(result.statistic)
    assert result.p_value == result.p_exact == result.p_asymptotic == 1.0
    assert math.isnan(result.odds_ratio)
    assert "b + c = 0" in result.note
    assert result.difference == 0.0


def test_no_pairs_at_all_is_not_a_test():
    # n = 0 (no participant answered both waves, or every pair uncoded): nothing was tested,
    # which must not read as "p = 1, no evidence of change".
    result = mcnemar(0, 0, a=0, d=0)
    assert math.isnan(result.p_value) and math.isnan(result.p_exact)
    assert math.isnan(result.p_asymptotic) and math.isnan(result.difference)
    assert result.n == 0 and "no pairs" in result.note


def test_primary_p_follows_the_rule_and_can_be_overridden():
    assert EXACT_BELOW == 25
    assert mcnemar(9, 15).method == EXACT_METHOD  # 24 discordant pairs
    assert mcnemar(10, 15).method == ASYMPTOTIC_METHOD  # 25
    forced = mcnemar(2, 9, exact=False)
    assert forced.method == ASYMPTOTIC_METHOD and forced.p_value == forced.p_asymptotic
    assert mcnemar(100, 150, exact=True).p_value == mcnemar(100, 150).p_exact
    assert mcnemar(10, 15, exact_below=30).method == EXACT_METHOD


@given(st.lists(st.integers(0, 60), min_size=4, max_size=4).filter(lambda t: sum(t) > 0))
def test_mcnemar_invariants(cells):
    a, b, c, d = cells
    result = mcnemar(b, c, a=a, d=d)
    swapped = mcnemar(c, b, a=a, d=d)
    assert 0 <= result.p_exact <= 1 and 0 <= result.p_value <= 1
    assert result.diff_ci_low <= result.difference <= result.diff_ci_high
    assert result.diff_ci_low >= -1 and result.diff_ci_high <= 1
    assert result.p_exact == pytest.approx(swapped.p_exact)
    assert result.diff_ci_low == pytest.approx(-swapped.diff_ci_high)
    if b + c:
        assert result.or_ci_low <= result.odds_ratio <= result.or_ci_high


def test_mcnemar_without_concordant_cells_has_no_difference():
    result = mcnemar(3, 8)
    assert result.n is None and math.isnan(result.difference)
    assert result.odds_ratio == pytest.approx(8 / 3)


def test_mcnemar_tidy_frame():
    frame = mcnemar_table([[5, 2], [9, 4]]).as_frame()
    assert list(frame["statistic"]) == [
        "chi_square",
        "p_asymptotic",
        "p_exact",
        "p_value",
        "odds_ratio",
        "difference",
    ]
    assert frame.loc[frame["statistic"].eq("p_value"), "method"].item() == EXACT_METHOD


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mcnemar(-1, 3), "non-negative whole count"),
        (lambda: mcnemar(1.5, 3), "non-negative whole count"),
        (lambda: mcnemar(1, 3, level=1.2), "level"),
        (lambda: mcnemar_table([[1, 2, 3]]), "2x2"),
    ],
)
def test_mcnemar_refuses_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- the dictionary


def test_bundled_dictionary_loads_and_covers_isco(dictionary):
    entries = dictionary.entries
    occupations = entries[entries["level"] == "occupation"]
    assert len(occupations) >= 120
    assert set(occupations["isco_major"]) == set(range(10))
    assert entries.loc[entries["level"] != "occupation", "isco_major"].isna().all()
    assert {"none_blank", "none_dont_know", "none_vague"} <= set(entries.index)
    assert list(dictionary.isco_groups.index) == list(range(10))


def test_no_pattern_maps_to_two_codes():
    """Re-read the YAML directly: every pattern, read as the matcher reads it, has one code."""
    data = yaml.safe_load(default_dictionary_path().read_text("utf-8"))
    dictionary = load_dictionary()
    owners: dict[str, set[str]] = {}
    for section in ("none", "fields", "occupations"):
        for entry in data[section]:
            for pattern in entry["patterns"]:
                assert isinstance(pattern, str), (entry["code"], pattern)
                tokens = strip_fillers(
                    clean_answer(pattern).split(), dictionary.leading, dictionary.trailing
                )
                if tokens:
                    owners.setdefault(match_key(" ".join(tokens)), set()).add(entry["code"])
    shared = {key: codes for key, codes in owners.items() if len(codes) > 1}
    assert not shared


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "aspirations.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def _minimal() -> dict:
    data = yaml.safe_load(default_dictionary_path().read_text("utf-8"))
    data["occupations"] = data["occupations"][:3]
    return data


def test_study_copy_of_the_dictionary_is_used(tmp_path):
    data = _minimal()
    data["occupations"].append(
        {
            "code": "rain_shaman",
            "isco": 3,
            "label_id": "pawang hujan",
            "label_en": "rain shaman",
            "patterns": ["pawang hujan"],
        }
    )
    custom = load_dictionary(_write(tmp_path, data))
    coded = code_answers(pd.Series(["mau jadi pawang hujan", "dokter"]), custom)
    assert coded["code"].tolist()[0] == "rain_shaman"
    assert coded["level"].tolist()[1] == "uncoded"  # the copy has no doctor


def test_invalid_dictionary_names_file_and_entries(tmp_path):
    data = _minimal()
    first = data["occupations"][0]
    data["occupations"] += [
        {"code": first["code"], "isco": 1, "label_id": "x", "label_en": "x", "patterns": ["x1"]},
        {"code": "bad_isco", "isco": 12, "label_id": "x", "label_en": "x", "patterns": ["zz"]},
        {"code": "Bad Code", "isco": 2, "label_id": "x", "label_en": "x", "patterns": ["yy"]},
        {"code": "unquoted", "isco": 2, "label_id": "x", "label_en": "x", "patterns": [False]},
        {
            "code": "clash",
            "isco": 2,
            "label_id": "x",
            "label_en": "x",
            "patterns": [first["patterns"][0].upper() + "!"],
        },
        {
            "code": "joined",
            "isco": 2,
            "label_id": "x",
            "label_en": "x",
            "patterns": ["dokter dan guru"],
        },
        {"code": "no_labels", "isco": 2, "patterns": ["qq"]},
    ]
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_dictionary(path)
    columns = [p.column for p in caught.value.problems]
    assert all(p.file == str(path) for p in caught.value.problems)
    expected = [
        f"occupations.3 [{first['code']}].code",
        "occupations.4 [bad_isco].isco",
        "occupations.5 [Bad Code].code",
        "occupations.6 [unquoted].patterns",
        "occupations.7 [clash].patterns.0",
        "occupations.8 [joined].patterns.0",
        "occupations.9 [no_labels].label_id",
    ]
    for column in expected:
        assert column in columns, (column, columns)
    text = str(caught.value)
    assert str(path) in text and "already uses" in text and "quote" in text


def test_dictionary_missing_section_and_file(tmp_path):
    data = _minimal()
    del data["fields"]
    with pytest.raises(ConfigError, match="fields"):
        load_dictionary(_write(tmp_path, data))
    with pytest.raises(ConfigError, match="not found"):
        load_dictionary(tmp_path / "nope.yaml")


# --------------------------------------------------------------------------- normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Cita-cita saya ingin menjadi seorang DOKTERRR!!", "dokter"),
        ("i want to be a Pilot", "pilot"),
        ("I wanna be an astronaut", "astronaut"),
        ("mau jd polisi atau tentara", "polisi, tentara"),
        ("dokter/guru & pilot", "dokter, guru, pilot"),
        ("cita2ku jadi pemain bola amin", "pemain bola"),
        ("pengen kerja di kantor", "kantor"),
        ("di bidang kesehatan", "kesehatan"),
        ("Dokter yang baik hati", "dokter"),
        ("  GURU   NGAJI ", "guru ngaji"),
        ("Ustadzáh", "ustadzah"),
        ("-", ""),
        ("?", ""),
        (None, ""),
        (float("nan"), ""),
        ("mau jadi", ""),
        ("kalau sudah besar aku mau jadi polisi", "polisi"),
        ("hoyong janten dokter", "dokter"),
    ],
)
def test_normalize(raw, expected, dictionary):
    assert normalize(raw, dictionary=dictionary) == expected


# --------------------------------------------------------------------------- coding


HAND = [
    # answer, level, code
    ("dokter", "occupation", "doctor"),
    ("dokterr", "occupation", "doctor"),
    ("Doctor", "occupation", "doctor"),
    ("doktr", "occupation", "doctor"),
    ("jadi dokter hewan", "occupation", "veterinarian"),
    ("Dokter gigi anak", "occupation", "dentist"),
    ("pilot pesawat", "occupation", "pilot"),
    ("pilto", "occupation", "pilot"),
    ("polisi", "occupation", "police"),
    ("polwan", "occupation", "police"),
    ("tentara", "occupation", "soldier"),
    ("TNI AL", "occupation", "soldier"),
    ("guru ngaji", "occupation", "quran_teacher"),
    ("ustadzah", "occupation", "religious_scholar"),
    ("Hafidz Quran", "occupation", "hafiz"),
    ("youtuber terkenal", "occupation", "content_creator"),
    ("pemain bola", "occupation", "footballer"),
    ("main bola", "occupation", "footballer"),
    ("cita2 ku jadi pemain sepakbola", "occupation", "footballer"),
    ("pengusaha", "occupation", "entrepreneur"),
    ("programer", "occupation", "programmer"),
    ("Chef", "occupation", "cook"),
    ("masinis kereta api", "occupation", "train_driver"),
    ("tukang ojek", "occupation", "motorcycle_taxi_driver"),
    ("tukang parkir", "occupation", "parking_attendant"),
    ("tukang", "occupation", "tradesperson"),
    ("pramugari", "occupation", "flight_attendant"),
    ("mau jd polisi atau tentara", "occupation", "police"),
    ("gak tau mungkin pilot", "occupation", "pilot"),
    ("bisnis atau jadi dokter", "occupation", "doctor"),
    ("Pengen jadi dokter yg baik hati", "occupation", "doctor"),
    ("i want to be a teacher", "occupation", "teacher"),
    ("guru TK", "occupation", "kindergarten_teacher"),
    ("penghafal al-qur'an", "occupation", "hafiz"),
    ("pengen kerja di kantor", "field", "field_office"),
    ("di bidang kesehatan", "field", "field_health"),
    ("bisnis", "field", "field_business"),
    ("PNS", "field", "field_civil_service"),
    ("karyawan swasta", "field", "field_office"),
    ("ibu rumah tangga", "field", "field_home"),
    ("belum tau", "none", "none_dont_know"),
    ("gak tau", "none", "none_dont_know"),
    ("Bingung kak", "none", "none_dont_know"),
    ("teu terang", "none", "none_dont_know"),
    ("masih belum tau nih", "none", "none_dont_know"),
    ("-", "none", "none_blank"),
    ("", "none", "none_blank"),
    ("?", "none", "none_blank"),
    (None, "none", "none_blank"),
    ("Orang sukses, membahagiakan orang tua", "none", "none_vague"),
    ("mau jadi", "none", "none_vague"),
    ("spiderman", "none", "none_fantasy"),
    ("masuk akpol", "occupation", "police"),
    ("pawang hujan", "uncoded", None),
    ("ART", "uncoded", None),
    # everyday words are not "corrected" into occupations
    ("senang", "uncoded", None),  # not renang (swimming)
    ("naik pesawat", "uncoded", None),  # not perawat (nurse)
    ("gru", "uncoded", None),  # too short to correct into guru
]


def test_hand_written_answers(dictionary):
    answers = pd.Series([a for a, _, _ in HAND], dtype=object)
    coded = code_answers(answers, dictionary)
    wrong = [
        (answer, level, code, got_level, got_code)
        for (answer, level, code), got_level, got_code in zip(
            HAND, coded["level"], coded["code"], strict=True
        )
        if got_level != level or (got_code if isinstance(got_code, str) else None) != code
    ]
    assert not wrong


def test_coded_frame_layout(dictionary):
    answers = pd.Series(
        ["dokter", "dokter", "polisi atau tentara", None, "qwzx"],
        index=["p1", "p2", "p3", "p4", "p5"],
    )
    coded = code_answers(answers, dictionary)
    assert list(coded.columns) == CODED_COLUMNS
    assert list(coded.index) == list(answers.index)
    assert coded["n_named"].tolist() == [1, 1, 2, 0, 1]
    assert coded["isco_major"].dtype == "Int64"
    assert coded.loc["p3", "isco_major"] == 5 and coded.loc["p3", "label_en"] == "police officer"
    assert coded.loc["p1", "method"] == "exact" and coded.loc["p1", "score"] == 100
    assert coded.loc["p4", "method"] == "empty"
    assert set(coded["level"]) <= set(LEVELS)


def test_fuzzy_matches_carry_their_score(dictionary):
    coded = code_answers(pd.Series(["doktr", "dkoter"]), dictionary)
    assert coded["method"].tolist() == ["fuzzy", "fuzzy"]
    assert (coded["score"] >= 80).all() and (coded["score"] < 100).all()


@pytest.mark.parametrize("kind", ["pre", "post"])
def test_coding_accuracy_on_simulated_answers(kind, dictionary):
    answers, truth = simulate_answers(
        np.random.default_rng(2026), 2000, kind, dictionary=dictionary
    )
    coded = code_answers(answers, dictionary)
    known = truth["level"].ne("uncoded").to_numpy()
    right = coded["level"].to_numpy() == truth["level"].to_numpy()
    right &= coded["code"].fillna("").to_numpy() == truth["code"].fillna("").to_numpy()
    accuracy = right[known].mean()
    assert accuracy >= 0.95, accuracy
    # the made-up answers are left for a human, and the review table lists them
    made_up = coded.loc[~known]
    assert len(made_up) > 0 and made_up["level"].eq("uncoded").mean() >= 0.9
    review = review_table(coded)
    listed = set(review["normalized"])
    assert set(made_up.loc[made_up["level"].eq("uncoded"), "normalized"]) <= listed
    assert review["count"].sum() == coded["level"].eq("uncoded").sum()


def test_simulation_is_seeded_and_post_has_fewer_nones(dictionary):
    first = simulate_answers(np.random.default_rng(7), 500, "pre", dictionary=dictionary)
    again = simulate_answers(np.random.default_rng(7), 500, "pre", dictionary=dictionary)
    pd.testing.assert_series_equal(first[0], again[0])
    post = simulate_answers(np.random.default_rng(7), 500, "post", dictionary=dictionary)
    assert post[1]["level"].eq("none").mean() < first[1]["level"].eq("none").mean()
    with pytest.raises(ValueError, match="kind"):
        simulate_answers(np.random.default_rng(7), 5, "during")


def test_review_table_counts_and_examples(dictionary):
    coded = code_answers(
        pd.Series(["pawang hujan", "Pawang Hujan!", "pawang hujan", "dokter", "doktr"]),
        dictionary,
    )
    review = review_table(coded)
    assert review[["normalized", "count"]].values.tolist() == [["pawang hujan", 3]]
    assert review["examples"].item() == "pawang hujan | Pawang Hujan!"
    with_fuzzy = review_table(coded, include_fuzzy=True)
    assert set(with_fuzzy["normalized"]) == {"pawang hujan", "doktr"}
    assert review_table(code_answers(pd.Series(["dokter"]), dictionary)).empty


# --------------------------------------------------------------------------- transition


def test_transition_counts_add_up(dictionary):
    pre, _ = simulate_answers(np.random.default_rng(11), 400, "pre", dictionary=dictionary)
    post, _ = simulate_answers(np.random.default_rng(12), 400, "post", dictionary=dictionary)
    post.index = post.index + 15  # 15 children left, 15 joined late
    pre_coded, post_coded = code_answers(pre, dictionary), code_answers(post, dictionary)
    result = transition(pre_coded, post_coded, dictionary=dictionary)
    assert result.n_pairs == 385 and result.n_pre_only == 15 and result.n_post_only == 15
    assert int(result.levels.to_numpy().sum()) == result.n_pairs
    assert list(result.levels.index) == list(LEVELS) == list(result.levels.columns)
    assert int(result.table.to_numpy().sum()) + result.n_excluded == result.n_pairs
    uncoded = result.levels.loc["uncoded"].sum() + result.levels["uncoded"].sum()
    uncoded -= result.levels.loc["uncoded", "uncoded"]
    assert result.n_excluded == uncoded
    (a, b), (c, d) = result.table.to_numpy()
    assert (result.mcnemar.b, result.mcnemar.c, result.mcnemar.n) == (b, c, a + b + c + d)
    paired_pre = pre_coded.loc[post_coded.index.intersection(pre_coded.index)]
    assert result.isco["pre"].sum() == paired_pre["level"].eq("occupation").sum()
    assert result.levels.loc["occupation"].sum() == result.isco["pre"].sum()
    assert result.levels["occupation"].sum() == result.isco["post"].sum()
    assert "uncoded" in result.note

    counted = transition(pre_coded, post_coded, dictionary=dictionary, uncoded="no")
    assert counted.n_excluded == 0
    assert int(counted.table.to_numpy().sum()) == counted.n_pairs
    with pytest.raises(ValueError, match="uncoded"):
        transition(pre_coded, post_coded, uncoded="maybe")
    with pytest.raises(ValueError, match="repeat participant ids"):
        transition(pd.concat([pre_coded, pre_coded.iloc[:2]]), post_coded)


def test_transition_by_hand(dictionary):
    pre = code_answers(pd.Series(["belum tau", "dokter", "PNS", "guru", "-"]), dictionary)
    post = code_answers(pd.Series(["polisi", "dokter", "perawat", "gak tau", "pilot"]), dictionary)
    result = transition(pre, post, dictionary=dictionary)
    assert result.table.to_numpy().tolist() == [[1, 1], [3, 0]]
    assert result.mcnemar.method == EXACT_METHOD
    assert result.levels.loc["none", "occupation"] == 2
    assert result.levels.loc["field", "occupation"] == 1
    assert result.isco.loc[2, ["pre", "post"]].tolist() == [2, 2]
    assert result.note == ""


def test_a_rejected_occupation_is_left_for_review_not_coded():
    from pipeline.program import aspirations as asp

    answers = pd.Series(
        ["tidak mau jadi dokter", "I don't want to be a soldier", "mau jadi guru, bukan polisi",
         "tidak tahu", "dokter"]
    )  # fmt: skip
    coded = asp.code_answers(answers, asp.load_dictionary())
    assert coded["level"].tolist() == ["uncoded", "uncoded", "occupation", "none", "occupation"]
    assert coded["method"].iloc[:2].eq("negated").all()
    assert coded["code"].iloc[2] == "teacher"  # the occupation wanted, not the one refused
    review = asp.review_table(coded)
    assert set(review["normalized"]) == {"tidak mau jadi dokter", "don t want to be a soldier"}


def test_difference_interval_stays_within_minus_one_and_one():
    # Found by hypothesis: everyone moved to "yes" (p_post = 1) put the upper limit an ulp
    # above 1.
    result = mcnemar(0, 25, a=0, d=0)
    assert result.difference == 1.0 and result.diff_ci_high == 1.0
    assert 0.8 < result.diff_ci_low < 1.0
