"""User text made inert (pipeline/inert.py): random text with markup, links, math and formulas
goes through every output kind and every writer, and shows as typed, never acting."""

from __future__ import annotations

import html
import re
import string
import warnings
from io import BytesIO

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.bundle import files
from pipeline.inert import inert, inert_frame

#: Pieces of hostile text: HTML, Markdown, autolinks, math, formulas, control characters.
PIECES = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[x](http://evil.example/a)",
    "![i](http://evil.example/i.png)",
    "http://evil.example/b_c",
    "www.evil.example",
    "mail@evil.example",
    "<http://evil.example>",
    "**b**",
    "_i_",
    "`code`",
    "# h",
    "1. item",
    "- item",
    "> quote",
    "| a | b |",
    "$x^2$",
    r"\(x\)",
    "$$y$$",
    "&amp;",
    "&#60;",
    "=HYPERLINK(1)",
    "+1+1",
    "-2+3",
    "@sedang",
    "\uff1d1+1",
    "\t=1",
    "\x00\x01\x0b",
    "\n\n",
    "---",
    "~~s~~",
]

hostile_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(alphabet=string.printable, max_size=8)),
    min_size=1,
    max_size=6,
).map("".join)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _carried(text: str) -> str:
    return _CONTROL.sub("", text)


def _words(text: str) -> str:
    """Text as a reader sees it: whitespace runs as one space, ends trimmed."""
    return " ".join(text.split())


# --------------------------------------------------------------------------- markdown


def _render_markdown(source: str) -> str:
    """Markdown as the reports render it (nbconvert's renderer, raw HTML allowed)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(source)


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_markdown_renders_as_the_typed_text_with_no_markup(text):
    rendered = _render_markdown("Nama: " + inert(text, "markdown")).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>")
    inner = rendered[3:-4]
    assert "<" not in inner, rendered  # no tag: no link, image, emphasis, code or line break
    assert _words(html.unescape(inner)) == _words("Nama: " + _carried(text))


@settings(max_examples=100, deadline=None)
@given(hostile_text)
def test_markdown_table_cells_stay_in_their_cell(text):
    from pipeline.reports.article import markdown_table

    frame = pd.DataFrame({"a" + text: [text, "x"], "b": [1, text]})
    rendered = _render_markdown(markdown_table(frame))
    assert "<a " not in rendered and "<img" not in rendered and "<script" not in rendered
    assert rendered.count("<td>") + rendered.count("<td ") == 4  # two rows of two cells
    assert rendered.count("<th>") + rendered.count("<th ") == 2


def test_the_report_html_carries_no_math_typesetter(tmp_path):
    import nbformat

    from pipeline.reports.render import to_html

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("a $x$ b")])
    page = to_html(notebook)
    assert "MathJax" not in page and "mathjax" not in page
    assert "a $x$ b" in page


# --------------------------------------------------------------------------- html


@settings(max_examples=200, deadline=None)
@given(hostile_text)
def test_html_text_has_no_markup_and_reads_as_typed(text):
    made = inert(text, "html")
    assert "<" not in made and ">" not in made and '"' not in made
    assert html.unescape(made) == _carried(text)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text)
def test_html_tables_escape_cells_index_and_headers(text):
    from unittest import mock

    from pipeline.reports import notebook

    frame = pd.DataFrame({text: [text], "n": [1.5]}, index=pd.Index([text], name=text))
    with mock.patch.object(notebook, "display") as display:
        notebook.table(frame.set_index("n", append=True))
    shown = display.call_args.args[0].to_html()
    assert "<img" not in shown and "<script" not in shown and "<a " not in shown
    escaped = html.escape(_carried(text), quote=True)
    assert shown.count(escaped) >= 3  # cell, index label and column name


# --------------------------------------------------------------------------- spreadsheets

_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _runs_as_formula(cell: str) -> bool:
    start = cell.lstrip(" ")
    return start.startswith(_FORMULA) and not re.fullmatch(r"[+-]?\d+([.,]\d+)?|-", start)


@settings(max_examples=200, deadline=None)
@given(hostile_text)
def test_spreadsheet_cells_never_start_a_formula(text):
    made = inert(text, "spreadsheet")
    assert not _runs_as_formula(made)
    assert made.removeprefix("'") == _carried(text) or made == _carried(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_text, min_size=1, max_size=4))
def test_every_text_cell_of_a_written_csv_is_neutralized(tmp_path_factory, texts):
    import csv

    folder = tmp_path_factory.mktemp("csv")
    frame = pd.DataFrame(
        {
            "text": texts,
            "category": pd.Categorical(texts),
            "string": pd.array(texts, dtype="string"),
            "listed": [[t] for t in texts],
            "number": range(len(texts)),
        }
    )
    frame.columns = [*frame.columns[:-1], texts[0]]  # a user's text as a column name, too
    files.write_table(folder, "t", frame)
    files.write_csv(folder / "plain.csv", frame)
    for name in ("t.csv", "plain.csv"):
        rows = list(csv.reader((folder / name).read_text("utf-8").splitlines()))
        for row in rows:
            for cell in row:
                assert not _runs_as_formula(cell), (name, cell)
    back = pd.read_parquet(folder / "t.parquet")  # the typed table stays as the user wrote it
    assert list(back["text"]) == texts


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_text, min_size=1, max_size=4))
def test_xlsx_cells_hold_text_never_formulas(tmp_path_factory, texts):
    from openpyxl import load_workbook

    path = tmp_path_factory.mktemp("xlsx") / "w.xlsx"
    frame = pd.DataFrame({"text": texts, "category": pd.Categorical(texts)})
    files.write_xlsx(path, {"tabel": frame})
    book = load_workbook(path)
    for row in book["tabel"].iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert not _runs_as_formula(cell.value)


# --------------------------------------------------------------------------- docx and figures


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text)
def test_docx_holds_any_user_text_as_plain_text(tmp_path_factory, text):
    from docx import Document

    from pipeline.reports.apa import apa_table
    from pipeline.reports.docx import write_docx

    path = tmp_path_factory.mktemp("docx") / "a.docx"
    plain = inert(text, "plain")  # as the kit's sentences receive a user's text
    frame = pd.DataFrame({"Skala": [text], "n": ["1"]})
    table = apa_table(frame, name="t", title=plain, language="id", correction="holm")
    write_docx(path, title=text, paragraphs=[(plain, plain)], tables=[table], language="id")
    document = Document(str(path))
    row = document.tables[0].rows[1].cells
    shown = " ".join(c.text for c in row)  # a blank scale column is left out
    assert _words(shown) == _words(_carried(text) + " 1")  # the XML is well formed
    # no "*x*", "_{x}" or control character of a user's text turns into a symbol's format
    assert not any(r.italic or r.font.subscript for c in row for r in c.paragraphs[0].runs)
    assert all("hyperlink" not in rel.reltype for rel in document.part.rels.values())


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_text)
def test_figures_draw_user_text_as_typed(text):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pipeline.reports.figures import literal_text

    @literal_text
    def draw():
        figure, axis = plt.subplots()
        axis.barh([0], [1], label=text)
        axis.set_yticks([0], [text])
        axis.set_ylabel(text)
        axis.legend(title=text)
        return figure

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # an empty label; glyphs of controls
        figure = draw()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            for kind in ("png", "svg"):
                figure.savefig(BytesIO(), format=kind)  # math would fail or be typeset
        typed = [t for t in figure.findobj(matplotlib.text.Text) if t.get_text() == text]
        assert typed and not any(t.get_parse_math() for t in typed)
    finally:
        plt.close(figure)


def test_frames_keep_numbers_and_missing_values():
    frame = pd.DataFrame({"n": [-1, 2], "x": ["-1", None], "d": pd.to_datetime(["2026-01-01"] * 2)})
    made = inert_frame(frame, "spreadsheet")
    assert made["n"].tolist() == [-1, 2] and made["x"].iloc[0] == "-1"
    assert made["x"].isna().iloc[1] and made["d"].equals(frame["d"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(hostile_text, st.text(max_size=6), st.none()), min_size=1, max_size=6))
def test_text_columns_checked_in_arrow_are_made_inert_value_by_value(texts):
    """A text column is checked in Arrow first (no Python call per value when nothing would
    change); what comes out is still each value made inert by its rule."""
    for kind in ("spreadsheet", "plain"):
        expected = [None if t is None else inert(t, kind) for t in texts]
        for dtype in ("str", object):
            frame = pd.DataFrame({"x": pd.Series(texts, dtype=dtype)})
            made = inert_frame(frame, kind)["x"]
            assert [None if pd.isna(v) else v for v in made] == expected
