"""Reading wave files (pipeline/stages/read.py, ingest.py): two waves in one workbook keep
their rows apart; a repeated item header is refused."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import load_study
from pipeline.errors import InputError
from pipeline.run import analyse
from pipeline.simulate.exports import encode
from tests.small_study import simulated_waves, write_study


def test_two_waves_in_one_workbook_keep_their_rows_apart(tmp_path):
    from openpyxl import load_workbook

    waves = simulated_waves()
    waves["pre"].loc[3, waves["pre"].columns[6]] = "7"  # spreadsheet row 5 of the pre sheet
    pre_bytes = encode(waves["pre"], fmt="xlsx", sheet="Pre")
    post_bytes = encode(waves["post"], fmt="xlsx", sheet="Post")
    (tmp_path / "pre.xlsx").write_bytes(pre_bytes)
    (tmp_path / "post.xlsx").write_bytes(post_bytes)
    book = load_workbook(tmp_path / "pre.xlsx")
    post_sheet = load_workbook(tmp_path / "post.xlsx")["Post"]
    target = book.create_sheet("Post")
    for row in post_sheet.iter_rows(values_only=True):
        target.append(list(row))
    book.save(tmp_path / "data.xlsx")
    path = write_study(
        tmp_path,
        {
            "pre": {"file": "data.xlsx", "sheet": "Pre"},
            "post": {"file": "data.xlsx", "sheet": "Post"},
        },
    )
    analysis = analyse(load_study(path))
    quarantine = analysis.validated.quarantine
    assert list(zip(quarantine["wave"], quarantine["source_row"], strict=True)) == [("pre", 5)]
    (problem,) = analysis.validated.problems
    assert problem.message("en").startswith(
        "Value '7' in data.xlsx [Pre], row 5, column 'Seberapa setuju"
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_repeated_item_header_is_refused(tmp_path, fmt):
    waves = simulated_waves()
    pre = waves["pre"]
    column = pre.columns[6]
    doubled = pd.concat([pre, pre[[column]]], axis=1)
    (tmp_path / f"pre.{fmt}").write_bytes(encode(doubled, fmt=fmt))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    path = write_study(tmp_path, {"pre": f"pre.{fmt}", "post": "post.csv"})
    with pytest.raises(InputError) as caught:
        analyse(load_study(path))
    messages = [p.message("en") for p in caught.value.problems]
    assert any(f"Column header '{column}' appears 2 times in" in m for m in messages)
