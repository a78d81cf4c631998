"""What every program log shares: the spreadsheet rows of a log table and the ledger that says
what became of each row (used, quarantined with a problem, or blank)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import Problem
from pipeline.stages.read import RawTable

__all__ = ["ROW_COLUMNS", "cell_problem", "frame_rows", "row_ledger"]

#: Ledger columns: every input row of a log, with what became of it.
ROW_COLUMNS = ["source_row", "status", "reason"]


def frame_rows(table: RawTable) -> tuple[np.ndarray, pd.Series]:
    """Spreadsheet row numbers and a mask of rows without any content."""
    frame = table.frame
    rows = np.arange(len(frame)) + table.header_row + 1
    blank = frame.apply(lambda col: col.astype(str).str.strip().eq("")).all(axis=1)
    return rows, blank


def row_ledger(rows: np.ndarray, blank: pd.Series, reasons: Mapping[int, str]) -> pd.DataFrame:
    """The ledger of a log: each row's number, its status and the reasons it was set aside."""
    status = np.where(
        blank.to_numpy(), "blank", [("problem" if r in reasons else "used") for r in rows]
    )
    reason = [reasons.get(int(r), "") for r in rows]
    return pd.DataFrame(dict(zip(ROW_COLUMNS, [rows.astype(int), status, reason], strict=True)))


def cell_problem(
    code: str, file: str, row: int, column: str, value: Any, expected, **extra
) -> Problem:
    """A problem located in one cell of a log."""
    return Problem(code, file=file, row=int(row), column=column, value=value, expected=expected,
                   **extra)  # fmt: skip
