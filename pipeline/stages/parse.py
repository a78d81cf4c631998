"""Parsing an export's bytes into a table of text: CSV (comma, semicolon or tab; UTF-8 with or
without BOM, or Windows-1252) and XLSX (any sheet, title rows above the header), as Google
Forms, KoboToolbox or hand-made exports write them. Part of the read stage; only
:mod:`pipeline.stages.read` opens files."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO, StringIO
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError, Problem, bilingual
from pipeline.stages.header_names import diagnose_split
from pipeline.stages.ragged import ragged_rows, square_rows

__all__ = ["RawTable", "read_table"]

_HEADER_SEARCH_ROWS = 30
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class RawTable:
    """An export read as text: the cells below the header, and where the header was.

    Attributes
    ----------
    frame
        The cells as text, blanks as "", one row per record below the header (blank records
        included, so positions give spreadsheet rows).
    header_row
        The header's row as a spreadsheet numbers it (1-based).
    details
        ``delimiter``, ``encoding`` and ``sheet``, for the sources table.
    header
        The header cells as the file has them (stripped; repeats not renamed).
    ragged
        Rows with fewer or more cells than the header (``row, cells, expected, kind,
        difference``), or None when every row fits. Short rows are padded at their end, long
        rows cut to the header's width: the ingest stage warns about the first and
        quarantines the second. Rows off only by blank cells (blank cells past the header, or
        a row ending where the header's named cells end) are read without a word.
    """

    frame: pd.DataFrame
    header_row: int
    details: dict[str, object]
    header: tuple[str, ...] = ()
    ragged: pd.DataFrame | None = None


def _best_header_row(rows: list[list[str]], score: Callable[[list[str]], int]) -> int:
    """Index of the row naming the most known columns (the first row when none does)."""
    scores = [score(row) for row in rows[:_HEADER_SEARCH_ROWS]]
    return int(np.argmax(scores)) if scores and max(scores) > 0 else 0


#: The header, delimiter and encoding are read off the first bytes only.
_HEAD_BYTES = 1 << 20


#: Files smaller than this are read by pandas directly: pyarrow only pays off on big files.
_ARROW_MIN_BYTES = 4 << 20


def _decode_head(raw: bytes) -> tuple[str, str]:
    """The first whole lines of a file as text, and the encoding they suggest. A body that is
    not UTF-8 after all makes pyarrow refuse the file, and pandas then reads it as cp1252."""
    if len(raw) <= _HEAD_BYTES:
        return _decode(raw)
    head = raw[: raw.rfind(b"\n", 0, _HEAD_BYTES) + 1] or raw[:_HEAD_BYTES]
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        return decoder.decode(head, final=False), "utf-8"
    except UnicodeDecodeError:
        return head.decode("cp1252", errors="replace"), "cp1252"


def _decode(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _sniff_delimiter(head: list[str]) -> str:
    """The delimiter that splits the first lines into the most fields, most consistently."""
    best, best_key = ",", (-1, -1)
    for delimiter in _DELIMITERS:
        counts = [len(r) for r in csv.reader(head, delimiter=delimiter) if any(r)]
        if not counts:
            continue
        widest = max(counts)
        key = (counts.count(widest) if widest > 1 else 0, widest)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _head_records(text: str, delimiter: str) -> list[list[str]]:
    """The first records of a text as a CSV reader splits them: a line break inside quotes
    stays in its cell (a header wrapped over two lines is one header)."""
    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(islice(reader, _HEADER_SEARCH_ROWS))
    except csv.Error:  # a quote left open in the head: read it line by line instead
        return list(csv.reader(text.splitlines()[:_HEADER_SEARCH_ROWS], delimiter=delimiter))


def _read_csv(raw: bytes, name: str, score: Callable[[list[str]], int]) -> RawTable:
    if b"\x00" in raw[:4096]:
        raise InputError(
            [
                Problem(
                    "file_unreadable",
                    file=name,
                    value="binary content",
                    expected=bilingual("a CSV text file", "berkas teks CSV"),
                )
            ]
        )
    text, encoding = _decode_head(raw)
    if not text.strip():
        raise InputError([Problem("file_empty", file=name)])
    lines = text.splitlines()[:_HEADER_SEARCH_ROWS]
    delimiter = _sniff_delimiter(lines)
    head_rows = _head_records(text, delimiter)
    header_idx = _best_header_row(head_rows, score)
    header = tuple(c.strip() for c in head_rows[header_idx]) if head_rows else ()
    _refuse_one_column(head_rows, header_idx, lines, name)
    frame = _read_csv_arrow(raw, delimiter, header_idx, encoding, head_rows)
    ragged = None
    if frame is None:
        text, encoding = _decode(raw)
        ragged = ragged_rows(text, delimiter=delimiter, header_row=header_idx + 1)
        if len(ragged):  # short rows padded at their end, long ones cut: none is shifted
            frame = square_rows(
                text, delimiter=delimiter, header_row=header_idx + 1, long="cut"
            ).reset_index(drop=True)
        else:
            frame = pd.read_csv(
                StringIO(text),
                sep=delimiter,
                header=0,
                skiprows=header_idx,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
            )
    details = {"delimiter": delimiter, "encoding": encoding, "sheet": None}
    if ragged is not None:  # rows off only by blank cells lose nothing: no message
        ragged = ragged[~ragged["blank_tail"]].drop(columns="blank_tail")
    found = ragged if ragged is not None and len(ragged) else None
    return RawTable(frame, header_idx + 1, details, header, found)


def _refuse_one_column(
    head_rows: list[list[str]], header_idx: int, lines: list[str], name: str
) -> None:
    """A file whose header is one cell, or whose first rows hold data in their first cell
    only, is diagnosed (:func:`diagnose_split`); a wrong delimiter or lines wrapped whole in
    quotes refuse the file with one message instead of a missing column per item."""
    if not head_rows:
        return
    header = [c for c in head_rows[header_idx] if c.strip()]
    body = [r for r in head_rows[header_idx + 1 :] if any(c.strip() for c in r)]
    first_only = bool(body) and all(not any(c.strip() for c in r[1:]) for r in body)
    if len(header) > 1 and not first_only:
        return
    found = diagnose_split(head_rows[header_idx], lines[header_idx:])
    if not found.suspected:
        return
    raise InputError(
        [
            Problem(
                f"file_one_column_{found.fault}",
                file=name,
                value=repr(found.delimiter),
                details={"fields": found.fields},
            )
        ],
        f"{name} was read as one single column",
    )


def _read_csv_arrow(
    raw: bytes, delimiter: str, header_idx: int, encoding: str, head_rows: list[list[str]]
) -> pd.DataFrame | None:
    """pyarrow's multi-threaded reader for the common, well-formed file; None sends the file
    to pandas' slower reader, which keeps blank lines as rows (the ledger counts them) and
    reads ragged rows, repeated headers and line breaks inside cells."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = head_rows[header_idx] if head_rows else []
    if (
        len(raw) < _ARROW_MIN_BYTES
        or not names
        or len(set(names)) < len(names)
        or b"\n\n" in raw
        or b"\n\r\n" in raw
    ):
        return None
    ragged: list[object] = []

    def ragged_row(row: object) -> str:
        ragged.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(
                skip_rows=header_idx,
                encoding="utf8" if encoding == "utf-8" else encoding,
                block_size=16 << 20,
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=ragged_row),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, UnicodeError, LookupError):
        return None
    if ragged or table.column_names != names:
        return None
    return table.to_pandas()


def _sheet_rows(worksheet, limit: int | None = None) -> list[list[str]]:
    rows = worksheet.iter_rows(min_row=1, max_row=limit, values_only=True)
    return [["" if v is None else _cell_text(v) for v in row] for row in rows]


def _pick_sheet(book, sheet: str | int | None, name: str, score):
    """The declared sheet, or else the sheet whose header names the most known columns."""
    names = book.sheetnames
    if sheet is None:
        scores = [
            max(map(score, _sheet_rows(ws, _HEADER_SEARCH_ROWS)), default=0)
            for ws in book.worksheets
        ]
        return book.worksheets[int(np.argmax(scores))]
    if (isinstance(sheet, str) and sheet in names) or (
        isinstance(sheet, int) and 0 <= sheet < len(names)
    ):
        return book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
    raise InputError(
        [
            Problem(
                "sheet_missing", file=name, value=sheet, expected=", ".join(repr(n) for n in names)
            )
        ]
    )


def _read_xlsx(
    raw: bytes, name: str, sheet: str | int | None, score: Callable[[list[str]], int]
) -> RawTable:
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(raw), read_only=True, data_only=True)
    try:
        worksheet = _pick_sheet(book, sheet, name, score)
        rows = _sheet_rows(worksheet)
    finally:
        book.close()
    if not rows:
        raise InputError([Problem("file_empty", file=name)])
    header_idx = _best_header_row(rows, score)
    width = max(len(r) for r in rows)
    padded = [r + [""] * (width - len(r)) for r in rows]
    header = padded[header_idx]
    used = [i for i, h in enumerate(header) if h.strip()]
    names = [header[i].strip() for i in used]
    frame = pd.DataFrame(
        [[r[i] for i in used] for r in padded[header_idx + 1 :]], columns=_unique(names), dtype=str
    )
    details = {"delimiter": None, "encoding": None, "sheet": worksheet.title}
    return RawTable(frame, header_idx + 1, details, tuple(names))


def _unique(names: list[str]) -> list[str]:
    """Repeated headers get '.1', '.2' ... as pandas gives them when it reads a CSV."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        out.append(name if name not in seen else f"{name}.{seen[name]}")
        seen[name] = seen.get(name, 0) + 1
    return out


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(
    raw: bytes,
    name: str,
    *,
    sheet: str | int | None = None,
    score: Callable[[list[str]], int] = lambda row: 0,
) -> RawTable:
    """Read a CSV or XLSX export (given as bytes) as text, blanks as empty strings.

    Parameters
    ----------
    raw
        The file's content.
    name
        The file's name, for its extension and for messages.
    sheet
        XLSX sheet name or 0-based index (default: the first sheet).
    score
        Counts the known column names in a row; the best-scoring row among the first 30 is
        taken as the header (title rows above it are skipped).

    Raises
    ------
    InputError
        When the content cannot be read or holds no response row.
    """
    is_excel = Path(name).suffix.lower() in {".xlsx", ".xlsm"}
    if not raw.strip():
        raise InputError([Problem("file_empty", file=name)])
    try:
        table = _read_xlsx(raw, name, sheet, score) if is_excel else _read_csv(raw, name, score)
    except InputError:
        raise
    except Exception as exc:  # any parser failure is the user's file, not our bug
        raise InputError(
            [
                Problem(
                    "file_unreadable",
                    file=name,
                    value=f"{type(exc).__name__}: {exc}",
                    expected=bilingual("an XLSX survey export", "ekspor survei XLSX")
                    if is_excel
                    else bilingual("a CSV survey export", "ekspor survei CSV"),
                )
            ]
        ) from None
    frame = table.frame
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty or not frame.columns.size:
        raise InputError([Problem("file_empty", file=name)])
    return RawTable(frame.fillna(""), table.header_row, table.details, table.header, table.ragged)
