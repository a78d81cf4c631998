"""Spreadsheets that lie: a declared dimension of A1:XFD1048576 over 64 real rows is read as
its rows come, within a memory bound; hidden sheets are never chosen silently."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import yaml
from openpyxl import Workbook

from pipeline.config import load_study
from pipeline.run import analyse
from tests.bounded import PEAK_LIMIT_MB, run_bounded
from tests.conftest import DEMO


def _demo_rows(n: int | None = None) -> list[list[str]]:
    rows = list(csv.reader((DEMO / "pre.csv").read_text("utf-8").splitlines()))
    return rows if n is None else rows[:n]


def _workbook(sheets: dict[str, list[list[str]]], hidden: tuple[str, ...] = ()) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def lying_dimension(rows: list[list[str]]) -> bytes:
    """An XLSX whose sheet declares A1:XFD1048576 and holds one empty cell at XFD1048576,
    far below its real rows (what some tools write after formatting whole columns)."""
    source = zipfile.ZipFile(io.BytesIO(_workbook({"Jawaban": rows})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(
                    rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data
                )
                far = b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>'
                data = data.replace(b"</sheetData>", far)
            target.writestr(item, data)
    return out.getvalue()


def _study_with(tmp_path: Path, content: bytes, **wave) -> Path:
    folder = tmp_path / "study"
    shutil.copytree(DEMO, folder)
    (folder / "pre.xlsx").write_bytes(content)
    data = yaml.safe_load((folder / "study.yaml").read_text("utf-8"))
    data["waves"]["pre"] = {"file": "pre.xlsx", **wave}
    (folder / "study.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return folder / "study.yaml"


def test_a_lying_dimension_is_read_as_its_rows_within_a_memory_bound(tmp_path):
    rows = _demo_rows()
    study = _study_with(tmp_path, lying_dimension(rows))
    outcome = run_bounded(
        f"""
        from pipeline.config import load_study
        from pipeline.stages.ingest import ingest
        from pipeline.stages.read import read_inputs
        study = load_study({str(study)!r})
        ingested = ingest(read_inputs(study), study)
        pre = ingested.sources.set_index("wave").loc["pre"]
        outcome["rows"] = int(pre["rows"])
        """
    )
    assert outcome["error"] is None, outcome
    assert outcome["rows"] == len(rows) - 1  # the responses, none of the padding
    assert outcome["peak_mb"] < PEAK_LIMIT_MB


def test_the_row_limit_stops_a_sheet_while_it_is_read(tmp_path):
    from pipeline.errors import InputError
    from pipeline.stages.parse import read_table

    content = _workbook({"Jawaban": _demo_rows()})
    try:
        read_table(content, "pre.xlsx", max_rows=5)
    except InputError as error:
        assert "more than the limit of 5" in error.problems[0].message("en")
    else:
        raise AssertionError("a sheet over the row limit was read")


def _problems(study: Path) -> list[str]:
    analysis = analyse(load_study(study))
    return [p.message("en") for p in analysis.validated.problems]


def test_a_hidden_sheet_is_named_and_never_chosen_silently(tmp_path):
    rows = _demo_rows()
    older = [rows[0], *[[*r[:1], r[1] + " lama", *r[2:]] for r in rows[1:]]]
    content = _workbook({"Arsip": older, "Jawaban": rows}, hidden=("Arsip",))
    study = _study_with(tmp_path, content)
    analysis = analyse(load_study(study))
    sources = analysis.ingested.sources.set_index("wave")
    assert sources.loc["pre", "sheet"] == "Jawaban"  # the visible sheet, not the hidden one
    messages = [p.message("en") for p in analysis.validated.problems]
    assert any("hidden sheet(s) 'Arsip'" in m and "'Jawaban' was read" in m for m in messages)


def test_a_declared_hidden_sheet_is_read(tmp_path):
    rows = _demo_rows()
    content = _workbook({"Arsip": rows, "Kosong": [["x"]]}, hidden=("Arsip",))
    study = _study_with(tmp_path, content, sheet="Arsip")
    analysis = analyse(load_study(study))
    assert analysis.ingested.sources.set_index("wave").loc["pre", "sheet"] == "Arsip"
