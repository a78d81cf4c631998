"""Atomic file writing: every file pkm-eval writes goes through here.

Every file is written to a temporary name in the target folder and moved into place with
``os.replace``, so a run that stops part-way leaves the previous file whole. A folder whose
files belong together (a results bundle) is written whole with :func:`staged_folder`: into a
sibling staging folder that replaces the old one by two renames, so a killed run leaves the
previous bundle as it was, every table from the same run. Temporary files and folders carry
the writer's process id; the next writer removes those whose process is gone.

A file system that refuses (a read-only folder, a full disk, a name too long) raises
:class:`~pipeline.errors.OutputError` naming the folder and the remedy; what was there before
is left unchanged. Tables are written as CSV (UTF-8, for people and spreadsheets) and parquet
(typed, for the notebooks); user text in them is made inert (:mod:`pipeline.inert`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from pipeline.errors import OutputError, Problem, bilingual
from pipeline.inert import inert_frame

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "clear_stale_temp",
    "csv_bytes",
    "csv_text",
    "figure_bytes",
    "neutralize_formulas",
    "output_errors",
    "refuse_to_overwrite",
    "staged_folder",
    "write_csv",
    "write_figure",
    "write_json",
    "write_parquet",
    "write_sav",
    "write_table",
    "write_xlsx",
]

_REMEDIES = {
    errno.EACCES: bilingual(
        "make the folder writable, or choose another (--processed-dir, --reports-dir)",
        "jadikan folder itu dapat ditulisi, atau pilih folder lain (--processed-dir, "
        "--reports-dir)",
    ),
    errno.ENOSPC: bilingual(
        "free space on that disk, or choose a folder on another disk",
        "kosongkan ruang di disk itu, atau pilih folder di disk lain",
    ),
    errno.ENAMETOOLONG: bilingual(
        "use a shorter program.id, or a folder nearer the top of the disk",
        "gunakan program.id yang lebih pendek, atau folder yang lebih dekat ke akar disk",
    ),
}
_REMEDIES[errno.EPERM] = _REMEDIES[errno.EROFS] = _REMEDIES[errno.EACCES]
_REMEDIES[errno.EDQUOT] = _REMEDIES[errno.ENOSPC]


@contextlib.contextmanager
def output_errors(folder: Path) -> Iterator[None]:
    """Turn a file system's refusal while writing in ``folder`` into an OutputError that
    names the folder, the reason and the remedy."""
    try:
        yield
    except OSError as exc:
        remedy = _REMEDIES.get(exc.errno or 0, bilingual(
            "check that the folder exists and can be written", "periksa bahwa folder itu ada "
            "dan dapat ditulisi"))  # fmt: skip
        problem = Problem(
            "output_unwritable",
            file=str(folder),
            value=exc.strerror or type(exc).__name__,
            expected=remedy,
        )
        raise OutputError([problem], f"Could not write in {folder}") from None


#: The writer's tag inside a temporary name: ".<pid>-<8 hex>." or "-<pid>-<8 hex>" at the end.
_WRITER = re.compile(r"[.-](\d+)-[0-9a-f]{8}(?=\.|$)")


def refuse_to_overwrite(paths: list[Path], *, force: bool = False) -> None:
    """Refuse, before anything is written, to replace files that exist (a user's real exports
    and study file), unless ``force``.

    Raises
    ------
    OutputError
        Naming each file that exists; nothing has been written.
    """
    found = [path for path in paths if path.exists()]
    if found and not force:
        raise OutputError(
            [Problem("output_exists", file=str(path)) for path in found],
            "Files exist; nothing was written",
        )


def _tag() -> str:
    """What names a writer's temporary files: its process id and a random part."""
    return f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _is_stale(name: str, *, max_age: float | None = None, path: Path | None = None) -> bool:
    """Whether a temporary file or folder was left by a process that is gone (or is older
    than a day: a process id may have been reused)."""
    import psutil

    found = _WRITER.search(name)
    if found is None or not psutil.pid_exists(int(found.group(1))):
        return True
    if path is not None:
        with contextlib.suppress(OSError):
            return time.time() - path.stat().st_mtime > (max_age or 86_400)
    return False


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    Raises
    ------
    OutputError
        When the folder cannot be written (read-only, disk full, name too long).
    """
    _atomic_write(path, lambda handle: handle.write(data))


def _atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """``write`` fills a temporary file in ``path``'s folder, which then replaces ``path``."""
    with output_errors(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{_tag()}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
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
            if _is_stale(stale.name, path=stale):
                stale.unlink(missing_ok=True)


def _clear_stale_stages(target: Path) -> None:
    """Staging and retired folders of ``target`` left by killed runs: a retired folder comes
    back when its swap was cut between the two renames, the others go."""
    for stale in sorted(target.parent.glob(f".{target.name}.*")):
        kind = stale.name[len(target.name) + 2 :].split("-")[0]
        if kind not in {"new", "old"} or not _is_stale(stale.name, path=stale):
            continue
        if kind == "old" and not target.exists():
            os.replace(stale, target)
        else:
            shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Write a folder whole: yields an empty staging folder beside ``target``; when the block
    ends without error it replaces ``target`` (two renames), else it is removed and
    ``target`` is left as it was.

    Where a folder cannot be renamed (Windows, while a file in it is open), the files are
    moved in one by one behind a status that marks the folder incomplete until the last, so
    a run stopped part-way is refused by the loader rather than read mixed.

    Raises
    ------
    OutputError
        When the folder cannot be written (read-only, disk full, name too long).
    """
    target = Path(target)
    with output_errors(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
        _clear_stale_stages(target)
        clear_stale_temp(target)
        staging = target.parent / f".{target.name}.new-{_tag()}"
        staging.mkdir()
    try:
        yield staging
        with output_errors(target.parent):
            _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, target: Path) -> None:
    if not target.exists():
        os.replace(staging, target)
        return
    retired = target.parent / f".{target.name}.old-{_tag()}"
    try:
        os.replace(target, retired)
    except PermissionError:  # a folder in use cannot be renamed on Windows
        _move_files_in(staging, target)
        return
    try:
        os.replace(staging, target)
    except OSError:
        os.replace(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _move_files_in(staging: Path, target: Path) -> None:
    """The fallback of :func:`_swap`: files replaced one by one, ``status.json`` last."""
    atomic_write_text(target / "status.json", json.dumps({"status": "incomplete"}) + "\n")
    names = sorted(p.name for p in staging.iterdir() if p.name != "status.json")
    for name in names:
        os.replace(staging / name, target / name)
    if (staging / "status.json").exists():
        os.replace(staging / "status.json", target / "status.json")


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


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV text: pandas with floats to 10 significant digits for ordinary tables; pyarrow
    with floats rounded to 10 decimals for long ones. Both write NaN as an empty cell."""
    if len(frame) <= ARROW_CSV_ROWS:
        text = frame.to_csv(index=False, lineterminator="\n", float_format="%.10g")
        return text.encode("utf-8")
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    _arrow_csv(frame, sink)
    return sink.getvalue().to_pybytes()


def _write_csv_file(path: Path, frame: pd.DataFrame) -> None:
    """``frame`` as :func:`csv_bytes` writes it, atomically; a long table streams into the
    file: its text held in memory (grown by doubling, then copied to bytes) was three times
    the file, the peak of a national survey's run."""
    if len(frame) <= ARROW_CSV_ROWS:
        atomic_write_bytes(path, csv_bytes(frame))
    else:
        _atomic_write(path, lambda handle: _arrow_csv(frame, handle))


def _arrow_csv(frame: pd.DataFrame, sink: Any) -> None:
    """A long table written by pyarrow's CSV writer into ``sink`` (floats rounded to 10
    decimals, booleans as True/False)."""
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
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(quoting_style="needed"))


def csv_text(frame: pd.DataFrame) -> bytes:
    """A table as the bundle writes its CSV files (formulas neutralized), for a file that
    is written alone, such as a match review file."""
    return csv_bytes(neutralize_formulas(frame))


def write_table(folder: Path, name: str, frame: pd.DataFrame) -> None:
    """Write ``name.csv`` (formulas neutralized) and ``name.parquet`` (as is) atomically.

    A long table's parquet file is written in a second thread while its CSV streams: both
    writers run in Arrow without the GIL, so a second core halves the time of the long
    per-participant tables."""
    csv = folder / f"{name}.csv"
    if len(frame) <= ARROW_CSV_ROWS:
        _write_csv_file(csv, neutralize_formulas(frame))
        write_parquet(folder, name, frame)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet") as pool:
        parquet = pool.submit(write_parquet, folder, name, frame)
        _write_csv_file(csv, neutralize_formulas(frame))
        parquet.result()


def write_parquet(folder: Path, name: str, frame: pd.DataFrame) -> None:
    """Write ``name.parquet`` (as is) atomically: the format programs read back."""
    buffer = frame.reset_index(drop=True).to_parquet(index=False, engine="pyarrow")
    atomic_write_bytes(folder / f"{name}.parquet", buffer)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """One table as a CSV file for people (UTF-8, formulas neutralized), atomically."""
    _write_csv_file(path, neutralize_formulas(frame))


def write_xlsx(
    path: Path,
    sheets: Mapping[str, pd.DataFrame],
    *,
    number_formats: Mapping[str, Mapping[str, list[str | None]]] | None = None,
) -> None:
    """Write DataFrames as sheets of one XLSX workbook, atomically; text that a spreadsheet
    would run as a formula is neutralized as in the CSV tables. Numbers are written as numbers;
    ``number_formats`` gives, by sheet and column, each row's Excel number format (None: the
    default)."""
    from io import BytesIO

    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            neutralize_formulas(frame).to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for column in sheet.columns:  # readable widths, capped
                width = max(len(str(cell.value or "")) for cell in column)
                sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 70)
            for title, formats in (number_formats or {}).get(name, {}).items():
                position = list(frame.columns).index(title) + 1
                for row, number_format in enumerate(formats, start=2):
                    if number_format:
                        sheet.cell(row=row, column=position).number_format = number_format
    atomic_write_bytes(path, buffer.getvalue())


def figure_bytes(figure, fmt: str, **options: Any) -> bytes:
    """A matplotlib figure encoded as ``fmt`` ("png", "svg"). An SVG carries no date and
    element ids from a fixed salt, so the same figure always gives the same bytes."""
    from io import BytesIO

    import matplotlib

    if fmt == "svg":
        options = {"metadata": {"Date": None}, **options}
    buffer = BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "pkm-eval"}):
        figure.savefig(buffer, format=fmt, **options)
    return buffer.getvalue()


def write_figure(stem: Path, figure) -> None:
    """A matplotlib figure as ``stem.png`` (300 dpi) and ``stem.svg``, atomically."""
    for fmt, options in (("png", {"dpi": 300}), ("svg", {})):
        data = figure_bytes(figure, fmt, bbox_inches="tight", **options)
        atomic_write_bytes(stem.with_suffix(f".{fmt}"), data)


def write_sav(
    path: Path,
    frame: pd.DataFrame,
    *,
    column_labels: Mapping[str, str],
    value_labels: Mapping[str, Mapping[float, str]],
) -> None:
    """A table as an SPSS data file (``.sav``, read by SPSS, JASP, jamovi and R's haven) with
    variable and value labels, atomically (pyreadstat writes to a path: a private temporary
    folder, then the bytes go through :func:`atomic_write_bytes`)."""
    import pyreadstat

    with tempfile.TemporaryDirectory(prefix=".sav-") as scratch:
        draft = Path(scratch) / "data.sav"
        pyreadstat.write_sav(
            frame,
            str(draft),
            column_labels=[column_labels.get(c) for c in frame.columns],
            variable_value_labels={k: dict(v) for k, v in value_labels.items()},
        )
        atomic_write_bytes(path, draft.read_bytes())
