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

__all__ = ["RawTable", "decode_head", "read_csv_arrow", "read_table"]

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
    warnings
        What the reader noticed and the user should know (hidden sheets left aside).
    """

    frame: pd.DataFrame
    header_row: int
    details: dict[str, object]
    header: tuple[str, ...] = ()
    ragged: pd.DataFrame | None = None
    warnings: tuple[Problem, ...] = ()


def _best_header_row(rows: list[list[str]], score: Callable[[list[str]], int]) -> int:
    """Index of the row naming the most known columns (the first row when none does)."""
    scores = [score(row) for row in rows[:_HEADER_SEARCH_ROWS]]
    return int(np.argmax(scores)) if scores and max(scores) > 0 else 0


#: The header, delimiter and encoding are read off the first bytes only.
_HEAD_BYTES = 1 << 20


#: Files smaller than this are read by pandas directly: pyarrow only pays off on big files.
_ARROW_MIN_BYTES = 4 << 20


def decode_head(raw: bytes) -> tuple[str, str]:
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


def _read_csv(
    raw: bytes, name: str, score: Callable[[list[str]], int], compact: bool = False
) -> RawTable:
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
    text, encoding = decode_head(raw)
    if not text.strip():
        raise InputError([Problem("file_empty", file=name)])
    lines = text.splitlines()[:_HEADER_SEARCH_ROWS]
    delimiter = _sniff_delimiter(lines)
    head_rows = _head_records(text, delimiter)
    header_idx = _best_header_row(head_rows, score)
    header = tuple(c.strip() for c in head_rows[header_idx]) if head_rows else ()
    _refuse_one_column(head_rows, header_idx, lines, name)
    frame = read_csv_arrow(raw, delimiter, header_idx, encoding, head_rows, compact=compact)
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


#: pyarrow parses a file in blocks of this many bytes (a test makes them small).
_ARROW_BLOCK_BYTES = 16 << 20


def read_csv_arrow(
    raw: bytes,
    delimiter: str,
    header_idx: int,
    encoding: str,
    head_rows: list[list[str]],
    *,
    compact: bool = False,
) -> pd.DataFrame | None:
    """pyarrow's multi-threaded reader for the common, well-formed file; None sends the file
    to pandas' slower reader, which keeps blank lines as rows (the ledger counts them) and
    reads ragged rows, repeated headers and line breaks inside cells.

    ``compact`` reads each column as categories (its distinct texts once, a small integer
    code per cell), block by block as pyarrow parses: a survey's answer columns offer a
    handful of texts, and holding every cell as text was most of the memory an analysis
    took (1.8 of its 4.6 GB at 1,000,000 participants). The texts are those of a plain read;
    ``astype(str)`` gives them back."""
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
    text = pa.dictionary(pa.int32(), pa.string()) if compact else pa.string()

    def ragged_row(row: object) -> str:
        ragged.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(
                skip_rows=header_idx,
                encoding="utf8" if encoding == "utf-8" else encoding,
                block_size=_ARROW_BLOCK_BYTES,
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=ragged_row),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, text),
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
    """The sheet's rows as they come, up to ``limit``: its declared dimension (which may say
    A1:XFD1048576 over a few real rows) is not trusted, so no row is padded to it; each row
    ends at its last filled cell, and empty rows after the last filled one are not kept."""
    if hasattr(worksheet, "reset_dimensions"):  # read-only worksheets
        worksheet.reset_dimensions()
    rows: list[list[str]] = []
    blank = 0  # empty rows held back until a filled row follows
    for row in worksheet.iter_rows(min_row=1, max_row=limit, values_only=True):
        cells = ["" if v is None else _cell_text(v) for v in row]
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            blank += 1
            continue
        rows.extend([] for _ in range(blank))
        blank = 0
        rows.append(cells)
    return rows


def _bounded_rows(worksheet, name: str, max_rows: int | None) -> list[list[str]]:
    """All rows of the sheet, refused past ``max_rows`` data rows (below a header that may
    sit up to the header search's depth) before they are all held in memory."""
    limit = None if max_rows is None else max_rows + _HEADER_SEARCH_ROWS + 1
    rows = _sheet_rows(worksheet, limit)
    if limit is not None and len(rows) >= limit:
        raise InputError(
            [Problem("too_many_rows", file=name, value=f"{len(rows)}+", expected=str(max_rows))]
        )
    return rows


def _pick_sheet(book, sheet: str | int | None, name: str, score):
    """The declared sheet, or else the visible sheet whose header names the most known
    columns; hidden sheets are never chosen unless declared, and are named in a warning."""
    names = book.sheetnames
    if sheet is None:
        visible = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
        hidden = [ws.title for ws in book.worksheets if ws.sheet_state != "visible"]
        if not visible:
            raise InputError(
                [
                    Problem(
                        "sheet_all_hidden",
                        file=name,
                        value=", ".join(repr(n) for n in hidden),
                    )
                ]
            )
        scores = [
            max(map(score, _sheet_rows(ws, _HEADER_SEARCH_ROWS)), default=0) for ws in visible
        ]
        chosen = visible[int(np.argmax(scores))]
        warnings = [
            Problem(
                "sheet_hidden",
                file=name,
                value=", ".join(repr(n) for n in hidden),
                expected=repr(chosen.title),
                severity="warning",
            )
        ] if hidden else []  # fmt: skip
        return chosen, warnings
    if (isinstance(sheet, str) and sheet in names) or (
        isinstance(sheet, int) and 0 <= sheet < len(names)
    ):
        return (book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]), []
    raise InputError(
        [
            Problem(
                "sheet_missing", file=name, value=sheet, expected=", ".join(repr(n) for n in names)
            )
        ]
    )


def _read_xlsx(
    raw: bytes,
    name: str,
    sheet: str | int | None,
    score: Callable[[list[str]], int],
    max_rows: int | None = None,
) -> RawTable:
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(raw), read_only=True, data_only=True)
    try:
        worksheet, warnings = _pick_sheet(book, sheet, name, score)
        rows = _bounded_rows(worksheet, name, max_rows)
    finally:
        book.close()
    if not rows:
        raise InputError([Problem("file_empty", file=name)])
    header_idx = _best_header_row(rows, score)
    header = rows[header_idx]
    used = [i for i, h in enumerate(header) if h.strip()]
    names = [header[i].strip() for i in used]
    body = [[r[i] if i < len(r) else "" for i in used] for r in rows[header_idx + 1 :]]
    frame = pd.DataFrame(body, columns=_unique(names), dtype=str)
    details = {"delimiter": None, "encoding": None, "sheet": worksheet.title}
    return RawTable(frame, header_idx + 1, details, tuple(names), warnings=tuple(warnings))


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
    max_rows: int | None = None,
    compact: bool = False,
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
    max_rows
        An XLSX sheet with more data rows than this is refused while it is read (its size on
        disk says little: a compressed sheet can hold millions of rows).
    compact
        A large CSV's columns may come as categories of their texts (see
        :func:`read_csv_arrow`): for readers that take each column's texts through
        ``astype(str)`` or its categories, as the ingest stage does.

    Raises
    ------
    InputError
        When the content cannot be read or holds no response row.
    """
    is_excel = Path(name).suffix.lower() in {".xlsx", ".xlsm"}
    if not raw.strip():
        raise InputError([Problem("file_empty", file=name)])
    try:
        table = (
            _read_xlsx(raw, name, sheet, score, max_rows)
            if is_excel
            else _read_csv(raw, name, score, compact)
        )
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
    return RawTable(
        _blanks_as_text(frame), table.header_row, table.details, table.header, table.ragged,
        table.warnings,
    )  # fmt: skip


def _blanks_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its missing cells as "", only the columns that have any filled: filling
    the whole frame copied every column of a large export (categories have none to fill)."""
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if column.hasnans:
            frame.isetitem(position, column.fillna(""))
    return frame
