"""Ragged rows: the rows of a CSV text with fewer or more cells than its header.

A Google Forms quiz export leaves the trailing ``[Skor]``/``[Masukan]`` cells off some rows,
and hand edits add a stray cell to others. A reader that pads, shifts or refuses such rows
loses answers without a word; :func:`ragged_rows` finds each one with the row number a
spreadsheet shows, and :func:`square_rows` gives the table with short rows padded at their end
(never shifted) and long rows left out or cut to the header's width, so they can be reported
and quarantined.
"""

from __future__ import annotations

import csv
from functools import cache
from io import StringIO
from typing import Literal

import pandas as pd

__all__ = ["RAGGED_COLUMNS", "ragged_rows", "square_rows"]

#: Columns of :func:`ragged_rows`' table.
RAGGED_COLUMNS = ["row", "cells", "expected", "kind", "difference", "blank_tail"]


def _records(text: str, delimiter: str) -> list[list[str]]:
    """The text's records as csv reads them (a quoted line break stays inside its cell)."""
    return list(csv.reader(StringIO(text, newline=""), delimiter=delimiter))


def ragged_rows(text: str, *, delimiter: str, header_row: int = 1) -> pd.DataFrame:
    """Every data row whose cell count differs from the header's.

    Parameters
    ----------
    text
        The file's text.
    delimiter
        The delimiter the file is split by.
    header_row
        The header's record number, 1-based (title rows above it are skipped).

    Returns
    -------
    DataFrame
        ``RAGGED_COLUMNS``: ``row`` as a spreadsheet numbers it (the header's record is
        ``header_row``; a quoted line break does not start a new row), ``cells`` found,
        ``expected`` (the header's width), ``kind`` ("short" or "long"), ``difference``
        (cells minus expected) and ``blank_tail``: True when the difference concerns blank
        cells only (a long row whose cells past the header are blank, or a short row that
        ends where the header's named cells end), so nothing is lost or misplaced. Blank
        lines, and lines of blank cells only (``  `` or ``,,``), are not ragged: they are
        blank rows.

    Notes
    -----
    Trailing empty cells count as cells: ``a,b,`` has three. A short row is only missing
    cells at its end (a CSV cannot say otherwise), so padding it keeps every answer in its
    column; a long row cannot say which cell is extra, unless the extra cells are blank.
    """
    records = _records(text, delimiter)
    if len(records) < header_row:
        return pd.DataFrame(columns=RAGGED_COLUMNS)
    header = records[header_row - 1]
    width, named = len(header), _filled_length(header)
    found = []
    for k, record in enumerate(records[header_row:], start=1):
        if len(record) == width or not any(cell.strip() for cell in record):
            continue
        harmless = _filled_length(record) <= width if len(record) > width else len(record) >= named
        found.append((header_row + k, len(record), harmless))
    if not found:  # the usual file: the empty table, built once (a millisecond of pandas)
        return _no_ragged_rows().copy()
    return _table(found, width)


@cache
def _no_ragged_rows() -> pd.DataFrame:
    return _table([], 0)


def _table(found: list[tuple[int, int, bool]], width: int) -> pd.DataFrame:
    table = pd.DataFrame(found, columns=["row", "cells", "blank_tail"])
    table["expected"] = width
    table["difference"] = table["cells"] - width
    table["kind"] = table["difference"].map(lambda d: "short" if d < 0 else "long")
    return table[RAGGED_COLUMNS].astype(
        {"row": int, "cells": int, "expected": int, "difference": int, "blank_tail": bool}
    )


def _filled_length(cells: list[str]) -> int:
    """The number of cells up to the last one that is not blank."""
    filled = [k for k, cell in enumerate(cells) if cell.strip()]
    return filled[-1] + 1 if filled else 0


def square_rows(
    text: str, *, delimiter: str, header_row: int = 1, long: Literal["omit", "cut"] = "omit"
) -> pd.DataFrame:
    """The data rows as text cells under the header, short rows padded with blanks at their
    end, long rows left out (see :func:`ragged_rows` to report them).

    Parameters
    ----------
    text, delimiter, header_row
        As for :func:`ragged_rows`.
    long
        ``"omit"`` leaves long rows out; ``"cut"`` keeps them with the cells past the header's
        width dropped, so every record keeps its place (a reader that accounts for every row
        then quarantines them: which cell is extra cannot be known).

    Returns
    -------
    DataFrame
        One row per data record (long ones as ``long`` says), indexed by its spreadsheet row;
        columns are the header cells (repeated headers made unique with ``.1``, ``.2``);
        blanks are "".
    """
    records = _records(text, delimiter)
    header = records[header_row - 1] if len(records) >= header_row else []
    width = len(header)
    rows, index = [], []
    for number, record in enumerate(records[header_row:], start=header_row + 1):
        if len(record) > width:
            if long == "omit":
                continue
            record = record[:width]
        rows.append(record + [""] * (width - len(record)))
        index.append(number)
    return pd.DataFrame(rows, columns=_unique(header), index=pd.Index(index, name="row"), dtype=str)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        out.append(name if name not in seen else f"{name}.{seen[name]}")
        seen[name] = seen.get(name, 0) + 1
    return out
