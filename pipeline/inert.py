"""User text made inert: the one rule by which every output shows a user's text as text.

Titles, scale names, session names, answer and category labels come from users' files. Each
output format has its own ways for text to act: markup and links in HTML and Markdown, math in
the browser's typesetter, formulas in a spreadsheet, characters that break the XML of a Word or
Excel file. :func:`inert` makes one value safe for one kind of output; :func:`inert_frame` does
it to every text cell, index label and column name of a table. Every writer and display helper
goes through these two functions, so a new output inherits the rule by choosing its kind.

Kinds
-----
``"markdown"``
    Markdown source (report cells, ``.md`` files): every mark that could start a tag, link,
    autolink (``http://``, ``www.``, e-mail), emphasis, code, heading, list, quote, table cell,
    entity or math is backslash-escaped, and line breaks become spaces, so the text stays one
    run of literal characters. Marks that act only at the start of a line (``-``, ``+``,
    ``=``, ``>``, ``1.``) are escaped there; ``<`` only where a tag or autolink could begin
    (before a letter, ``/``, ``!`` or ``?``), so "p < .001" reads as written.
``"html"``
    HTML text: ``& < > " '`` as character references.
``"spreadsheet"``
    A CSV or XLSX cell: text that a spreadsheet would run as a formula gets a leading
    apostrophe (OWASP, "CSV Injection"); plain numbers and a lone "-" stay as they are.
``"plain"``
    Plain text inside a structured file (DOCX): only the characters XML cannot hold go.

Every kind drops the control characters (other than tab, line feed and carriage return) and
lone surrogates, which no output format can carry.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Kind", "Trusted", "inert", "inert_frame"]

Kind = Literal["markdown", "html", "spreadsheet", "plain"]

_UNCARRIABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# A backslash before any ASCII punctuation is a literal in CommonMark, so escaped text reads
# the same once rendered. "(" and ")" need none (a link needs an unescaped "]" before them)
# except after a backslash, where they would open math: "\(x\)".
_MARKDOWN_MARK = re.compile(r"([\\`*_{}\[\]#|~$&:@^]|<(?=[A-Za-z/!?])|(?<=\\)[()])")
# A full stop is escaped where it could join an autolink (www.example.org): before a letter.
_MARKDOWN_DOT = re.compile(r"\.(?=[^\W\d_])")
_MARKDOWN_LINE_START = re.compile(r"^(\s*)(?:([-+=>])|(\d+)([.)]))")
_LINE_BREAK = re.compile(r"\s*[\r\n]+\s*")
_FORMULA_START = (*"=+-@\t\r\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and ＝ ＋ － ＠
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?$")


def _markdown(text: str) -> str:
    text = _LINE_BREAK.sub(" ", text)
    text = _MARKDOWN_MARK.sub(r"\\\1", text)
    text = _MARKDOWN_DOT.sub(r"\\.", text)
    return _MARKDOWN_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(found: re.Match[str]) -> str:
    space, mark, number, delimiter = found.groups()
    return f"{space}\\{mark}" if mark else f"{space}{number}\\{delimiter}"


def _spreadsheet(text: str) -> str:
    stripped = text.lstrip(" ")
    if stripped.startswith(_FORMULA_START) and not (
        stripped == "-" or _PLAIN_NUMBER.match(stripped)
    ):
        return "'" + text
    return text


_RULES: dict[str, Callable[[str], str]] = {
    "markdown": _markdown,
    "html": lambda text: html.escape(text, quote=True),
    "spreadsheet": _spreadsheet,
    "plain": lambda text: text,
}


class Trusted(str):
    """Text the package wrote itself (a formatted number, an interval such as
    "[0.14, 0.38]"): already inert, so :func:`inert` returns it unchanged and a Markdown
    paragraph keeps its numbers free of escapes. Never wrap a user's text in it."""

    __slots__ = ()


def inert(value: Any, into: Kind) -> str:
    r"""``value`` as text that shows as typed in an output of kind ``into``.

    Examples
    --------
    >>> inert("<b>[x](http://a.b)</b>", "html")
    '&lt;b&gt;[x](http://a.b)&lt;/b&gt;'
    >>> print(inert("[x](http://a.b) <b> p < .05", "markdown"))
    \[x\](http\://a\.b) \<b> p < .05
    >>> inert("=HYPERLINK(1)", "spreadsheet"), inert("-3.5", "spreadsheet")
    ("'=HYPERLINK(1)", '-3.5')
    """
    if isinstance(value, Trusted):
        return value
    return _RULES[into](_UNCARRIABLE.sub("", str(value)))


def _inert_value(value: Any, into: Kind) -> Any:
    """A cell made inert: text and containers of text (shown by their ``str``); numbers,
    booleans, dates and missing values as they are."""
    if isinstance(value, str):
        return inert(value, into)
    if isinstance(value, list | tuple | dict | set) or type(value).__name__ == "ndarray":
        return inert(str(value), into)
    return value


def _inert_labels(index: pd.Index, into: Kind) -> pd.Index:
    """Labels and the names of the index's levels made inert."""
    import pandas as pd

    names = [_inert_value(n, into) for n in index.names]
    if isinstance(index, pd.MultiIndex):
        levels = [_inert_labels(level, into) for level in index.levels]
        return index.set_levels(levels, verify_integrity=False).set_names(names)
    if index.dtype.kind in "biufcmM":  # numbers and dates: nothing to escape
        return index.set_names(names)
    return pd.Index([_inert_value(v, into) for v in index], name=names[0], dtype=object)


# What any change by a kind's rule starts from, in RE2 syntax (pyarrow's): an uncarriable
# character, or for a spreadsheet a formula's first mark after spaces. A text column with no
# match is left as it is without a Python call per distinct value (a national survey's
# participant codes are a million distinct values). Lone surrogates cannot be in Arrow text.
_MAY_CHANGE = {
    "spreadsheet": r"[\x00-\x08\x0b\x0c\x0e-\x1f]|^ *[=+\-@\t\r\n\x{ff1d}\x{ff0b}"
    r"\x{ff0d}\x{ff20}]",
    "plain": r"[\x00-\x08\x0b\x0c\x0e-\x1f]",
}


def _certainly_inert(values: pd.Series, into: Kind) -> bool:
    """Whether a text column (Arrow-backed, or Python strings Arrow can hold) has nothing the
    rule of ``into`` would change, checked in Arrow; False when it cannot tell."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    pattern = _MAY_CHANGE.get(into)
    if pattern is None:
        return False
    if isinstance(values.array, pd.arrays.ArrowExtensionArray | pd.arrays.ArrowStringArray):
        array = pa.array(values.array)
    elif values.dtype == object:
        try:  # other cells than text (numbers, lists, lone surrogates) are not Arrow text
            array = pa.array(values.to_numpy(), from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError, UnicodeError):
            return False
    else:
        return False
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return False
    # Distinct values first: a code repeats over a participant's rows, and hashing is cheaper
    # than the regular expression.
    return not pc.any(pc.match_substring_regex(pc.unique(array), pattern)).as_py()


def _inert_column(values: pd.Series, into: Kind) -> pd.Series:
    """Each distinct value made inert once: survey tables repeat a handful of labels over
    millions of rows."""
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories
        if categories.dtype.kind in "biufcmM":
            return values
        renamed = [_inert_value(c, into) for c in categories]
        if len(set(map(repr, renamed))) == len(renamed):
            return values.cat.rename_categories(renamed)
        values = values.astype(object)
    if _certainly_inert(values, into):
        return values
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists): made inert one by one
        return values.map(lambda v: _inert_value(v, into))
    changed = [_inert_value(u, into) for u in uniques]
    same = zip(uniques, changed, strict=True)
    if all(a is b or (isinstance(a, str) and a == b) for a, b in same):
        return values
    import numpy as np

    table = np.array([*changed, None], dtype=object)
    out = pd.Series(table[codes], index=values.index, name=values.name, dtype=object)
    return out.where(codes >= 0, values.astype(object))


def inert_frame(frame: pd.DataFrame, into: Kind) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, index labels and column names are made inert for
    an output of kind ``into`` (see :func:`inert`). Numeric columns are left alone."""
    # Shallow: changed columns are replaced (copy-on-write keeps ``frame``); a deep copy of a
    # survey's response table, its blocks merged, was the bundle's memory peak.
    out = frame.copy(deep=False)
    for position in range(out.shape[1]):
        values = out.iloc[:, position]
        if values.dtype.kind in "biufcmM":
            continue
        changed = _inert_column(values, into)
        if changed is not values:
            out.isetitem(position, changed)
    out.columns = _inert_labels(out.columns, into)
    out.index = _inert_labels(out.index, into)
    return out
