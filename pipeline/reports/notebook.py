"""What a report notebook imports: the display helpers and, under one name, the report's words,
tables, sentences and figures (``from pipeline.reports import notebook as p``).

Notebooks hold a parameters cell, a call that loads the bundle, and display code; anything that
computes belongs in the package.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from pipeline.inert import inert_frame
from pipeline.reports.design_tables import *  # noqa: F403
from pipeline.reports.design_tables import __all__ as _design
from pipeline.reports.figures import *  # noqa: F403
from pipeline.reports.figures import __all__ as _figures
from pipeline.reports.part_tables import *  # noqa: F403
from pipeline.reports.part_tables import __all__ as _part_tables
from pipeline.reports.tables import *  # noqa: F403
from pipeline.reports.tables import __all__ as _tables
from pipeline.reports.words import *  # noqa: F403
from pipeline.reports.words import __all__ as _words

__all__ = ["show", "table", *_design, *_figures, *_part_tables, *_tables, *_words]


def show(text: str) -> None:
    """Display Markdown text (user text in it must already be escaped with ``esc``)."""
    display(Markdown(text))


def table(frame: pd.DataFrame, *, precision: int | None = None, index: bool | None = None) -> None:
    """Display a table as HTML, its cells, index labels and column names made inert (they
    hold users' text: titles, scale names, answers, which must show, not act). The index
    shows when ``index`` says so; by default only a meaningful one does (a plain row number
    means nothing to a reader)."""
    shown = inert_frame(frame, "html")
    style = shown.style.set_table_attributes('class="dataframe"')
    style = style.format(**({"precision": precision} if precision else {}))
    if index is False or (index is None and isinstance(shown.index, pd.RangeIndex)):
        style = style.hide(axis="index")
    display(style)
