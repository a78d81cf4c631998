"""Atomic file writing: every file pkm-eval writes goes through here.

Every file is written to a temporary name in the target folder and moved into place with
``os.replace``, so a run that stops part-way leaves the previous file whole. Tables are written
as CSV (UTF-8, for people and spreadsheets) and parquet (typed, for the notebooks).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.inert import inert_frame

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "clear_stale_temp",
    "neutralize_formulas",
    "write_csv",
    "write_figure",
    "write_json",
    "write_table",
    "write_xlsx",
]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clear_stale_temp(folder: Path) -> None:
    """Remove temporary files a killed run left behind in ``folder``."""
    if folder.is_dir():
        for stale in folder.glob(".*.tmp"):
            stale.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default)
    atomic_write_text(path, text + "\n")


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell, index label and column name made inert for a spreadsheet
    (:func:`pipeline.inert.inert`): text a spreadsheet would run as a formula (``=``, ``+``,
    ``-``, ``@`` ...) gets a leading apostrophe, whatever the column's type (text or
    categories); numbers are left alone.

    Participant text such as ``=HYPERLINK(...)`` or a label typed as ``@sedang`` must stay
    text when a CSV is opened in Excel or Google Sheets (OWASP, "CSV Injection").
    """
    return inert_frame(frame, "spreadsheet")


#: Tables longer than this are written by pyarrow's CSV writer: pandas formats every float
#: in Python, which takes minutes for the per-participant tables of a national survey.
ARROW_CSV_ROWS = 50_000


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV text: pandas with floats to 10 significant digits for ordinary tables; pyarrow
    with floats rounded to 10 decimals for long ones. Both write NaN as an empty cell."""
    if len(frame) <= ARROW_CSV_ROWS:
        text = frame.to_csv(index=False, lineterminator="\n", float_format="%.10g")
        return text.encode("utf-8")
    import pyarrow as pa
    import pyarrow.csv as pacsv

    columns = {}
    for name, values in frame.items():
        if pd.api.types.is_bool_dtype(values.dtype):
            columns[name] = np.where(values.to_numpy(dtype=bool), "True", "False")
        elif pd.api.types.is_float_dtype(values.dtype):
            columns[name] = values.round(10)
        else:
            columns[name] = values
    table = pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return sink.getvalue().to_pybytes()


def write_table(folder: Path, name: str, frame: pd.DataFrame) -> None:
    """Write ``name.csv`` (formulas neutralized) and ``name.parquet`` (as is) atomically."""
    atomic_write_bytes(folder / f"{name}.csv", _csv_bytes(neutralize_formulas(frame)))
    buffer = frame.reset_index(drop=True).to_parquet(index=False, engine="pyarrow")
    atomic_write_bytes(folder / f"{name}.parquet", buffer)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """One table as a CSV file for people (UTF-8, formulas neutralized), atomically."""
    atomic_write_bytes(path, _csv_bytes(neutralize_formulas(frame)))


def write_xlsx(path: Path, sheets: Mapping[str, pd.DataFrame]) -> None:
    """Write DataFrames as sheets of one XLSX workbook, atomically; text that a spreadsheet
    would run as a formula is neutralized as in the CSV tables."""
    from io import BytesIO

    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            neutralize_formulas(frame).to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for column in sheet.columns:  # readable widths, capped
                width = max(len(str(cell.value or "")) for cell in column)
                sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 70)
    atomic_write_bytes(path, buffer.getvalue())


def write_figure(stem: Path, figure) -> None:
    """A matplotlib figure as ``stem.png`` (300 dpi) and ``stem.svg``, atomically."""
    from io import BytesIO

    for suffix, options in ((".png", {"dpi": 300}), (".svg", {"metadata": {"Date": None}})):
        buffer = BytesIO()
        figure.savefig(buffer, format=suffix[1:], bbox_inches="tight", **options)
        atomic_write_bytes(stem.with_suffix(suffix), buffer.getvalue())
