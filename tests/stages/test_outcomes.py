"""Test and score items through ingest and validate: a Google Forms quiz export is read as a
test (options against the key, points from '[Skor]', the total as a score), and a bad answer or
number becomes a located problem in both languages, its row quarantined and counted."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from pipeline.config import load_study
from pipeline.run import analyse
from pipeline.stages.ingest import ingest
from pipeline.stages.outcomes import parse_numbers
from pipeline.stages.read import read_inputs
from pipeline.stages.validate import validate
from tests.conftest import ROOT

QUIZ = ROOT / "tests" / "fixtures" / "designs" / "quiz"


@pytest.mark.parametrize(
    ("text", "number"),
    [("8 / 10", 8.0), ("2.00 / 2", 2.0), ("85,5", 85.5), (" 70 ", 70.0), ("0,00 / 1", 0.0)],
)
def test_numbers_as_exports_write_them(text, number):
    numbers, bad = parse_numbers(pd.Series([text, "", "delapan"]))
    assert numbers.iat[0] == number and pd.isna(numbers.iat[1]) and pd.isna(numbers.iat[2])
    assert bad.tolist() == [False, False, True]


@pytest.fixture
def quiz(tmp_path):
    shutil.copytree(QUIZ, tmp_path / "quiz")
    return tmp_path / "quiz"


def _edit_cell(path, row: int, column: str, value: str) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row - 2, column] = value  # spreadsheet row: the header is row 1
    frame.to_csv(path, index=False, lineterminator="\n")


def test_quiz_answers_become_points_and_the_quiz_columns_are_not_items(quiz):
    study = load_study(quiz / "study.yaml")
    ingested = ingest(read_inputs(study), study)
    pre = ingested.responses[ingested.responses["wave"] == "pre"]
    raw = pd.read_csv(quiz / "pre.csv", dtype=str, keep_default_na=False)
    options = ["Pilihan A", "Pilihan B", "Pilihan C", "Pilihan D"]
    expected = pd.Series([options.index(a) + 1 if a else None for a in raw["Soal 1"]], dtype=float)
    pd.testing.assert_series_equal(pre["q1"].reset_index(drop=True), expected, check_names=False)
    assert pre["q8"].tolist() == parse_numbers(raw["Soal 8 [Skor]"])[0].tolist()
    assert pre["form_total"].tolist() == parse_numbers(raw["Total skor"])[0].tolist()
    read_from = ingested.item_headers["pre"]
    assert read_from["q1"] == "Soal 1" and read_from["q8"] == "Soal 8 [Skor]"
    assert read_from["form_total"] == "Total skor"
    keyed = analyse(study).scored.keyed
    points = keyed.loc[keyed["wave"] == "pre", [f"q{i}" for i in range(1, 9)]]
    assert points.isin([0, 1, 2]).all().all()  # omitted answers score 0, q7 is worth 2


def test_bad_answers_and_numbers_are_located_problems(quiz):
    _edit_cell(quiz / "pre.csv", 3, "Soal 2", "Pilihan E")  # not an option
    _edit_cell(quiz / "pre.csv", 5, "Total skor", "12 / 9")  # outside 0-9
    _edit_cell(quiz / "pre.csv", 6, "Soal 8 [Skor]", "dua")  # not a number
    _edit_cell(quiz / "pre.csv", 7, "Soal 8 [Skor]", "3.00 / 1")  # more than the item's point
    study = load_study(quiz / "study.yaml")
    result = validate(ingest(read_inputs(study), study), study)
    found = {(p.code, p.row, p.column): p for p in result.problems}
    assert set(found) == {
        ("answer_not_option", 3, "Soal 2"),
        ("score_out_of_range", 5, "Total skor"),
        ("number_unreadable", 6, "Soal 8 [Skor]"),
        ("points_out_of_range", 7, "Soal 8 [Skor]"),
    }
    option = found[("answer_not_option", 3, "Soal 2")]
    assert option.file.endswith("pre.csv") and option.value == "Pilihan E"
    assert "Pilihan A, Pilihan B, Pilihan C, Pilihan D" in option.message("en")
    assert "bukan pilihan soal ini" in option.message("id")
    score = found[("score_out_of_range", 5, "Total skor")]
    assert score.value == 12 and "from 0 to 9" in score.message("en")
    assert "dari 0 sampai 9" in score.message("id")
    assert sorted(result.quarantine["source_row"]) == [3, 5, 6, 7]


def test_a_form_scored_with_another_key_is_a_warning_not_a_quarantine(quiz):
    path = quiz / "instrument.yaml"
    codebook = yaml.safe_load(path.read_text("utf-8"))
    codebook["items"][0]["key"] = "Pilihan B"  # the form was graded with Pilihan A
    path.write_text(yaml.safe_dump(codebook, allow_unicode=True), "utf-8")
    analysis = analyse(load_study(quiz / "study.yaml"))
    warned = [p for p in analysis.validated.problems if p.code == "quiz_score_differs"]
    assert {p.wave for p in warned} == {"pre", "post"} and all(
        p.severity == "warning" and p.column == "Soal 1 [Skor]" for p in warned
    )
    assert "answer key" in warned[0].message("en") and "kunci jawaban" in warned[0].message("id")
    assert analysis.validated.quarantine.empty
    assert len(analysis.cleaned.ledger) == 24 + 22  # every row kept and accounted for
