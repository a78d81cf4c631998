"""Ragged rows are found with their spreadsheet row and never shifted."""

from __future__ import annotations

from pipeline.stages.ragged import RAGGED_COLUMNS, ragged_rows, square_rows
from tests.stages.real_exports import MANIFEST, text

QUIZ = "quiz_id.csv"


def test_the_quiz_exports_short_and_long_rows_are_found():
    expected = MANIFEST[QUIZ]["ragged"]
    found = ragged_rows(text(QUIZ), delimiter=",")
    assert list(found.columns) == RAGGED_COLUMNS
    assert found.loc[found["kind"] == "short", "row"].tolist() == expected["short"]
    assert found.loc[found["kind"] == "long", "row"].tolist() == expected["long"]
    assert set(found["expected"]) == {expected["expected"]}
    assert found.set_index("row")["difference"].to_dict() == {7: -2, 12: -2, 15: 1}


def test_short_rows_keep_every_answer_in_its_column():
    table = square_rows(text(QUIZ), delimiter=",")
    assert len(table) == MANIFEST[QUIZ]["rows"] - len(MANIFEST[QUIZ]["ragged"]["long"])
    assert 15 not in table.index
    last_score, last_feedback = table.columns[-2], table.columns[-1]
    assert last_score.endswith("[Skor]") and last_feedback.endswith("[Masukan]")
    assert (table.loc[[7, 12], [last_score, last_feedback]] == "").all().all()
    # The answer before the missing cells is the last question's answer, not a score.
    question = table.columns[-3]
    assert not table.loc[[7, 12], question].str.contains("/").any()
    assert table.loc[[7, 12], "Total skor"].str.fullmatch(r"\d+ / 10").all()
    assert table.loc[[7, 12], "Cap waktu"].str.fullmatch(r"\d\d/10/2025 [\d:]+").all()


def test_row_numbers_follow_the_spreadsheet_across_quoted_line_breaks_and_blank_lines():
    csv_text = 'a,b,c\n1,"two\nlines",3\n\n4,5\n6,7,8,9\n'
    found = ragged_rows(csv_text, delimiter=",")
    assert found[["row", "kind"]].values.tolist() == [[4, "short"], [5, "long"]]
    table = square_rows(csv_text, delimiter=",")
    assert table.loc[2, "b"] == "two\nlines"
    assert table.loc[4].tolist() == ["4", "5", ""]


def test_title_rows_above_the_header_are_skipped():
    csv_text = "Rekap jawaban\n\nNama,Q1\nAni,4\nBudi\n"
    found = ragged_rows(csv_text, delimiter=",", header_row=3)
    assert found[["row", "cells", "expected"]].values.tolist() == [[5, 1, 2]]


def test_a_square_file_has_no_ragged_row():
    assert ragged_rows(text("quiz_en.csv"), delimiter=",").empty
    assert ragged_rows("", delimiter=",").empty


def test_differences_of_blank_cells_only_are_marked():
    found = ragged_rows("a,b,\n1,2\n3,4,,,\n5,6,7,8\n6\n", delimiter=",")
    assert found[["row", "kind", "blank_tail"]].values.tolist() == [
        [2, "short", True],
        [3, "long", True],
        [4, "long", False],
        [5, "short", False],
    ]
