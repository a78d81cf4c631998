"""What a report notebook imports: the display helpers and, under one name, the report's words,
tables, sentences and figures (``from pipeline.reports import notebook as p``).

Notebooks hold a parameters cell, a call that loads the bundle, and display code; anything that
computes belongs in the package.
"""

from __future__ import annotations

import hashlib
import numbers
import re

import pandas as pd
from IPython.display import HTML, Markdown, display

from pipeline.inert import inert, inert_frame
from pipeline.reports.design_tables import *  # noqa: F403
from pipeline.reports.design_tables import __all__ as _design
from pipeline.reports.effect import headline_effect, ngain_note
from pipeline.reports.figures import *  # noqa: F403
from pipeline.reports.figures import __all__ as _figures
from pipeline.reports.figures import tight_box
from pipeline.reports.part_tables import *  # noqa: F403
from pipeline.reports.part_tables import __all__ as _part_tables
from pipeline.reports.tables import *  # noqa: F403
from pipeline.reports.tables import __all__ as _tables
from pipeline.reports.words import *  # noqa: F403
from pipeline.reports.words import __all__ as _words
from pipeline.reports.words import esc, texts

__all__ = [
    "figure_png",
    "reading_frame",
    "show",
    "table",
    *_design,
    *_figures,
    *_part_tables,
    *_tables,
    *_words,
]


def effect_sentences(bundle, language: str) -> list[str]:
    """The study's headline effect (``analysis.primary_effect``) named, with its value,
    interval and verbal label, and, when the N-gain category reads otherwise, why both hold:
    Markdown, its text made inert. None for a try-out."""
    effect = headline_effect(bundle)
    if effect is None:
        return []
    headline = texts(language)["brief"]["headline"]
    found = [f"**{esc(headline)}:** {esc(effect.statement(bundle, language))}"]
    note = ngain_note(bundle, effect, language)
    return found + ([esc(note)] if note else [])


#: A Markdown backslash escape (its character is kept) or an emphasis mark (dropped).
_MARKDOWN_MARKUP = re.compile(r"\\(.)|[*_]")


def plain_caption(caption: str) -> str:
    """A Markdown caption (its user text escaped with ``esc``) as the plain text a screen reader
    reads out: escapes undone, emphasis marks gone."""
    return _MARKDOWN_MARKUP.sub(lambda found: found.group(1) or "", caption)


#: The resolution (dots per inch) of the report's figures.
_PNG_DPI = 110


def figure_png(figure, caption: str) -> HTML:
    """A figure as a PNG image to display (once drawn, it may be shown more than once), its
    alternative text the figure's Markdown ``caption`` in plain words: nbconvert would give an
    image shown as PNG output only "No description has been provided for this image". The
    image is cropped to the figure's tight box, measured without a draw (:func:`tight_box`),
    so the figure is drawn once, not twice as ``bbox_inches="tight"`` draws it."""
    import base64
    import html
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_PNG_DPI, bbox_inches=tight_box(figure, _PNG_DPI))
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt = html.escape(plain_caption(caption), quote=True)
    return HTML(f'<img src="data:image/png;base64,{data}" alt="{alt}">')


def show(text: str) -> None:
    """Display Markdown text (user text in it must already be escaped with ``esc``)."""
    display(Markdown(text))


#: A cell that reads as a number: a count, an estimate with its interval, "< 0,001", "20 (71%)".
_NUMBER = re.compile(r"^\s*[<>=≤≥±+\-−]?\s*[.,]?\d")
#: Text cells no longer than this (in characters) in every row of their column do not wrap.
_SHORT = 24
#: How a report writes a missing value.
_MISSING = "-"


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers
        return False


def _numeric(values: pd.Series) -> bool:
    """Whether a column holds numbers (right-aligned, never wrapped): every cell a number or
    text that starts like one, missing cells aside, and at least one such cell."""
    if values.dtype.kind in "biufc":
        return True
    cells = [v for v in values if not _missing(v) and str(v).strip() not in ("", _MISSING)]
    return bool(cells) and all(
        isinstance(v, numbers.Number) or _NUMBER.match(str(v)) for v in cells
    )


def reading_frame(frame: pd.DataFrame, *, index: bool | None = None) -> pd.DataFrame:
    """``frame`` as a reader's table: a meaningful index becomes leading columns (one header
    row, no row of index names), a key repeated from the row above is left blank, and a
    missing cell reads "-", never ``None`` or ``nan``."""
    keep = index is True or (index is None and not isinstance(frame.index, pd.RangeIndex))
    out = frame.copy()
    out.columns = ["" if _missing(c) else str(c) for c in out.columns]
    keys = 0
    if keep:
        keys = out.index.nlevels
        names = ["" if _missing(n) else str(n) for n in out.index.names]
        out.index = out.index.set_names([f"__key{i}" for i in range(keys)])
        out = out.reset_index()
        out.columns = [*names, *out.columns[keys:]]
    else:
        out = out.reset_index(drop=True)
    seen: dict[str, int] = {}
    unique = []
    for name in out.columns:  # Styler needs unique column names
        seen[name] = seen.get(name, 0) + 1
        unique.append(name + "\u200b" * (seen[name] - 1))
    out.columns = unique
    out = out.astype(object).where(~out.isna(), _MISSING)
    out = out.map(lambda v: _MISSING if v is None or (isinstance(v, str) and v in ("nan", "None"))
                  else v)  # fmt: skip
    repeated = [  # the last key differs row by row; earlier ones repeat
        (out.iloc[:, : level + 1] == out.iloc[:, : level + 1].shift()).all(axis=1).to_numpy()
        for level in range(keys - 1)
    ]
    for level, same in enumerate(repeated):
        out.iloc[same, level] = ""
    return out


def table(
    frame: pd.DataFrame,
    *,
    precision: int | None = None,
    index: bool | None = None,
    caption: str | None = None,
) -> None:
    """Display a table as HTML built for reading (:func:`reading_frame`): one header row,
    text left and numbers right, numbers never wrapped, with its ``caption`` (plain text;
    the units and n) above. Cells and column names are made inert (they hold users' text:
    titles, scale names, answers, which must show, not act). The index shows as leading
    columns when ``index`` says so; by default only a meaningful one does (a plain row number
    means nothing to a reader)."""
    shown = reading_frame(frame, index=index)
    numeric = [_numeric(shown.iloc[:, j]) for j in range(shown.shape[1])]
    shown = inert_frame(shown, "html")
    style = shown.style.set_table_attributes('class="dataframe reading"').hide(axis="index")
    # pandas names each table's CSS with a random id; one derived from the table keeps two
    # runs of the same study byte for byte alike
    content = f"{caption}\n{shown.to_csv()}".encode()
    style = style.set_uuid("t" + hashlib.sha256(content).hexdigest()[:10])
    style = style.format(**({"precision": precision} if precision else {}))
    short = [  # a label of a few words (a group, a test's name) stays on one line
        shown.iloc[:, j].astype(str).str.len().max() <= _SHORT if len(shown) else True
        for j in range(shown.shape[1])
    ]
    kinds = [
        "num" if n else "text short" if k else "text" for n, k in zip(numeric, short, strict=True)
    ]
    classes = pd.DataFrame(
        [kinds] * len(shown),
        index=shown.index,
        columns=shown.columns,
    )
    style = style.set_td_classes(classes)
    style = style.set_table_styles(
        [{"selector": f"th.col{j}", "props": [("text-align", "right" if flag else "left")]}
         for j, flag in enumerate(numeric)]
        + [{"selector": "td.num", "props": [("text-align", "right"), ("white-space", "nowrap")]},
           {"selector": "td.text", "props": [("text-align", "left")]},
           {"selector": "td.short", "props": [("white-space", "nowrap")]},
           {"selector": "caption", "props": [("caption-side", "top"), ("text-align", "left"),
                                             ("font-style", "italic"), ("padding", "4px 0"),
                                             ("min-width", "24em")]}],
        overwrite=False,
    )  # fmt: skip
    if caption:
        style = style.set_caption(inert(caption, "html"))
    display(style)
