"""Word documents of the article kit: headed paragraphs, then APA 7 tables.

An APA 7 table (Publication Manual, 7th ed., 7.9-7.21): the table number in bold ("Tabel 1" in
an Indonesian text), the title in italics on the next line, horizontal rules only (above the
header, below the header and below the last row; no vertical rules), statistical symbols in
italics with their subscripts, and a note under the table that explains every symbol and
mark. Text arrives as marked text (:mod:`pipeline.reports.apa`), so a symbol becomes a
formatted run and a user's text stays text.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.bundle.files import atomic_write_bytes
from pipeline.reports.apa import ApaTable, kit_words, runs

if TYPE_CHECKING:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

__all__ = ["write_docx"]

#: Rule width in eighths of a point (APA tables: thin single rules).
_RULE = "8"


def write_docx(
    path: Path,
    *,
    title: str,
    paragraphs: list[tuple[str, str]],
    tables: list[ApaTable],
    language: str,
) -> None:
    """A Word document: the study's title, headed paragraphs, then the APA 7 tables, numbered
    in the text's language. ``title`` is a user's text; headings, paragraphs and table texts
    are marked text."""
    from docx import Document

    document = Document()
    document.add_heading(_plain(title), level=1)
    for heading, text in paragraphs:
        _write_runs(document.add_heading("", level=2), heading)
        _write_runs(document.add_paragraph(), text)
    _landscape(document)
    word = kit_words(language)["glossary"]["table"]
    for number, table in enumerate(tables, start=1):
        document.add_paragraph().add_run(f"{word} {number}").bold = True
        _write_runs(document.add_paragraph(), table.title, italic=True)
        rows = 1 + len(table.rows)  # made at once: python-docx's add_row copies a row each time
        _write_table(document.add_table(rows=rows, cols=len(table.headers)), table)
        if table.note:
            _write_runs(document.add_paragraph(), table.note)
    buffer = BytesIO()
    document.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _landscape(document) -> None:
    """The tables on landscape pages of their own (APA 7 allows it for wide tables): the
    paragraphs stay on portrait pages."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    portrait = document.sections[-1]
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = portrait.page_height, portrait.page_width


def _plain(text: str) -> str:
    from pipeline.inert import inert

    return inert(text, "plain")


def _write_runs(paragraph: Paragraph, text: str, *, italic: bool = False) -> None:
    """Marked text as runs: symbols italic, subscripts and superscripts as such."""
    for piece, slanted, position in runs(text):
        run = paragraph.add_run(piece)
        if italic or slanted:
            run.italic = True
        if position == "sub":
            run.font.subscript = True
        elif position == "sup":
            run.font.superscript = True


def _write_table(table: Table, content: ApaTable) -> None:
    """Header and rows as runs; the header row repeats on a new page; APA rules only."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for cell, header in zip(table.rows[0].cells, content.headers, strict=True):
        _write_runs(cell.paragraphs[0], header)
        _border(cell, "bottom")
    header_row = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_row.append(repeat)
    for made, row in zip(table.rows[1:], content.rows, strict=True):
        for cell, value in zip(made.cells, row, strict=True):
            _write_runs(cell.paragraphs[0], value)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        ruled = edge in ("top", "bottom")
        element.set(qn("w:val"), "single" if ruled else "nil")
        if ruled:
            element.set(qn("w:sz"), _RULE)
            element.set(qn("w:space"), "0")
            element.set(qn("w:color"), "000000")
        borders.append(element)
    properties = table._tbl.tblPr  # the schema's order: borders before shading and look
    following = [
        properties.find(qn(f"w:{t}")) for t in ("shd", "tblLayout", "tblCellMar", "tblLook")
    ]
    following = [e for e in following if e is not None]
    if following:
        following[0].addprevious(borders)
    else:
        properties.append(borders)


def _border(cell, edge: str) -> None:
    """A single rule on one edge of a cell (the rule under the header row)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    element = OxmlElement(f"w:{edge}")
    element.set(qn("w:val"), "single")
    element.set(qn("w:sz"), _RULE)
    element.set(qn("w:space"), "0")
    element.set(qn("w:color"), "000000")
    borders.append(element)
    properties.append(borders)
