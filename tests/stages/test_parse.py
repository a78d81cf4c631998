"""Parsing exports: headers wrapped over two lines, ragged rows kept in place, and a file read
as one column refused with its diagnosis."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.stages.parse import read_table
from tests.stages.real_exports import MANIFEST, REAL


def test_a_header_wrapped_over_two_lines_is_one_header():
    table = read_table((REAL / "numbered_headers.csv").read_bytes(), "numbered_headers.csv")
    wrapped = [h for h in table.header if "\n" in h]
    assert len(wrapped) == 1 and ",\nkampus," in wrapped[0]
    assert len(table.header) == len(table.frame.columns)


def test_ragged_rows_are_kept_in_place_and_listed():
    expected = MANIFEST["quiz_id.csv"]
    table = read_table((REAL / "quiz_id.csv").read_bytes(), "quiz_id.csv")
    assert len(table.frame) == expected["rows"]  # the long row too: it is quarantined later
    assert table.ragged.set_index("row")["kind"].to_dict() == {7: "short", 12: "short", 15: "long"}
    short = table.frame.iloc[[7 - 2, 12 - 2]]
    assert (short.iloc[:, -2:] == "").all().all()
    assert short["Total skor"].str.fullmatch(r"\d+ / 10").all()


def test_a_square_file_has_no_ragged_table_and_blank_lines_are_not_ragged():
    text = "Nama,Q1,Q2\nAni,4,5\n   \n,,\nBudi,3,2\n"
    table = read_table(text.encode(), "x.csv")
    assert table.ragged is None
    assert len(table.frame) == 4  # the blank lines stay rows: the ledger counts them


def test_a_short_row_is_never_shifted():
    text = "Nama,Q1,Q2,Skor\nAni,4,5,1\nBudi,3\nCitra,2,2,0\n"
    table = read_table(text.encode(), "x.csv")
    assert table.ragged[["row", "kind", "cells", "expected"]].values.tolist() == [
        [3, "short", 2, 4]
    ]
    assert table.frame.iloc[1].tolist() == ["Budi", "3", "", ""]


@pytest.mark.parametrize("name", ["one_column_semicolon.csv", "one_column_quoted_lines.csv"])
def test_a_one_column_read_is_refused_once(name):
    with pytest.raises(InputError) as caught:
        read_table((REAL / name).read_bytes(), name)
    assert [p.code for p in caught.value.problems] == ["file_one_column_quoting"]


def test_a_pipe_separated_file_names_its_delimiter():
    text = "Cap waktu|Nama|Q1|Q2\n24/10/2025 18:46:43|Ani|4|5\n24/10/2025 18:50:01|Budi|3|2\n"
    with pytest.raises(InputError) as caught:
        read_table(text.encode(), "pipa.csv")
    [problem] = caught.value.problems
    assert (problem.code, problem.value, problem.details["fields"]) == (
        "file_one_column_delimiter",
        "'|'",
        4,
    )
    assert "split into 4 columns by '|'" in problem.message("en")


def test_rows_off_only_by_blank_cells_are_read_without_a_word():
    # Excel keeps trailing separators of a cell once edited; a header may end in blank cells.
    text = "Nama,Q1,Q2,,\nAni,4,5,,\nBudi,3,2\nCitra,2,2,,,,\nDewi,1\n"
    table = read_table(text.encode(), "x.csv")
    assert table.ragged[["row", "kind"]].values.tolist() == [[5, "short"]]  # Dewi lacks Q2
    assert table.frame[["Nama", "Q1", "Q2"]].values.tolist() == [
        ["Ani", "4", "5"],
        ["Budi", "3", "2"],
        ["Citra", "2", "2"],
        ["Dewi", "1", ""],
    ]
