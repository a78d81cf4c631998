"""Survey exports as platforms write them, for the simulator, the tests and the benchmarks.

The simulator builds one canonical table: a Google Forms export in the Indonesian locale. The
functions here turn it into the other layouts pkm-eval reads (the English-locale Google Forms
export, a KoboToolbox export) and encode it as CSV or XLSX bytes with the delimiter, encoding,
decimal mark, sheet and title rows of choice.
"""

from __future__ import annotations

from io import BytesIO
from typing import Literal

import pandas as pd

from pipeline.config import Instrument

__all__ = ["GRID_PROMPT", "GRID_PROMPT_EN", "encode", "restyle"]

GRID_PROMPT = "Seberapa setuju Anda dengan pernyataan berikut?"
GRID_PROMPT_EN = "How much do you agree with the following statements?"
Style = Literal["gforms_id", "gforms_en", "kobo"]
_TIME_ID = "%d/%m/%Y %H:%M:%S"


def _questions(instrument: Instrument):
    return [(i.id, i.text) for i in instrument.items] + [
        (c.id, c.text) for c in instrument.attention_checks
    ]


def restyle(frame: pd.DataFrame, instrument: Instrument, style: Style) -> pd.DataFrame:
    """Turn a canonical (Indonesian Google Forms) export into another platform's layout.

    - ``gforms_id``: unchanged.
    - ``gforms_en``: ``Timestamp`` with month-first US dates, English grid headers and labels.
    - ``kobo``: ``_submission_time`` in ISO 8601 with a time zone, item headers as group paths
      of the item ids (``kpk/sk1``), answers as codes, plus Kobo's ``_uuid`` and ``_index``.
    """
    if style == "gforms_id":
        return frame.copy()
    scale = instrument.response_scale
    times = pd.to_datetime(frame["Cap waktu"], format=_TIME_ID, errors="coerce")
    out = frame.drop(columns=["Cap waktu"])
    labels_id = {text.id: code for code, text in scale.labels.items()}
    renamed = {}
    for item_id, text in _questions(instrument):
        column = f"{GRID_PROMPT} [{text.id}]"
        if column not in out:
            continue
        codes = out[column].map(labels_id)
        if style == "gforms_en":
            out[column] = codes.map(lambda c: scale.labels[c].en if pd.notna(c) else "")
            renamed[column] = f"{GRID_PROMPT_EN} [{text.en}]"
        else:
            out[column] = codes.map(lambda c: str(int(c)) if pd.notna(c) else "")
            renamed[column] = f"kpk/{item_id}"
    out = out.rename(columns=renamed)
    if style == "gforms_en":
        out.insert(0, "Timestamp", times.dt.strftime("%-m/%-d/%Y %H:%M:%S").fillna(""))
    else:
        stamps = times.dt.strftime("%Y-%m-%dT%H:%M:%S.000+07:00").fillna("")
        out.insert(0, "_submission_time", stamps)
        out["_uuid"] = [f"uuid-{i:06d}" for i in range(len(out))]
        out["_index"] = range(1, len(out) + 1)
    return out


def encode(
    frame: pd.DataFrame,
    *,
    fmt: Literal["csv", "xlsx"] = "csv",
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
    decimal_comma: bool = False,
    sheet: str = "Form Responses 1",
    title_rows: tuple[str, ...] = (),
) -> bytes:
    """Encode an export as a platform or a spreadsheet program would save it.

    ``decimal_comma`` writes numeric answers as ``4,0`` (a comma-decimal locale); ``title_rows``
    puts lines of text above the header, as hand-made spreadsheets often have.
    """
    table = frame.astype(str).replace({"nan": ""})
    if decimal_comma:
        numeric = table.apply(lambda col: col.str.fullmatch(r"\d+"))
        table = table.mask(numeric, table + ",0")
    if fmt == "xlsx":
        return _xlsx(table, sheet, title_rows)
    body = table.to_csv(index=False, sep=delimiter, lineterminator="\n")
    head = "".join(f"{title}\n" for title in title_rows)
    data = (head + body).encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom and encoding == "utf-8" else data


def _xlsx(table: pd.DataFrame, sheet: str, title_rows: tuple[str, ...]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "Info" if sheet != "Info" else "Sheet0"
    first["A1"] = "pkm-eval simulated export"
    worksheet = book.create_sheet(sheet)
    rows = [[title] for title in title_rows] + [list(table.columns)]
    rows += [[_xlsx_value(v) for v in row] for row in table.itertuples(index=False)]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = worksheet.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(text: str) -> object:
    """Whole numbers as numbers, as a spreadsheet holds them; everything else as text."""
    return int(text) if text.isdigit() and len(text) < 10 else text
