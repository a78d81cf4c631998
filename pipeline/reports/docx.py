"""Word documents of the article kit: headed paragraphs, then APA-style tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.bundle.files import atomic_write_bytes
from pipeline.inert import inert

__all__ = ["write_docx"]


def write_docx(
    path: Path,
    *,
    title: str,
    paragraphs: list[tuple[str, str]],
    tables: list[tuple[str, pd.DataFrame]],
) -> None:
    """A Word document: headed paragraphs, then APA-style tables (number in bold, title in
    italics, rules only above and below the header and at the bottom). Every text is made
    inert for plain text (characters a Word file cannot hold are dropped)."""
    from io import BytesIO

    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = Document()
    document.add_heading(inert(title, "plain"), level=1)
    for heading, text in paragraphs:
        document.add_heading(inert(heading, "plain"), level=2)
        document.add_paragraph(inert(text, "plain"))
    for number, (caption, frame) in enumerate(tables, start=1):
        document.add_paragraph().add_run(f"Table {number}").bold = True
        document.add_paragraph().add_run(inert(caption, "plain")).italic = True
        table = document.add_table(rows=1, cols=len(frame.columns))
        for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
            cell.text = inert(name, "plain")
        for row in frame.itertuples(index=False):
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = "" if value is None else inert(value, "plain")
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "bottom", "insideH"):
            element = OxmlElement(f"w:{edge}")
            element.set(qn("w:val"), "single" if edge != "insideH" else "nil")
            element.set(qn("w:sz"), "8")
            borders.append(element)
        table._tbl.tblPr.append(borders)
    buffer = BytesIO()
    document.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
