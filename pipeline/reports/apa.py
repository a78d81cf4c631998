"""APA 7 text of the article kit: the kit's words (``resources/article_kit.yaml``), statistical
symbols as formatted runs, numbers without a leading zero where a value cannot exceed 1, and
tables with a title and a note that explains every symbol and mark.

Symbols are written in the YAML with a small markup (``*t*`` italic, ``_{z}`` subscript,
``^{2}`` superscript). :func:`marked` turns it into control characters that no user text can
carry (:func:`pipeline.inert.inert` drops them from every value filled in), so one marked
string renders as DOCX runs, Markdown, HTML or plain text without mistaking a user's ``*`` or
``_`` for markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from pipeline.inert import inert
from pipeline.reports.words import entry, fill, resource_words, texts

__all__ = [
    "BOUNDED",
    "ApaTable",
    "apa_table",
    "as_html",
    "as_markdown",
    "as_plain",
    "column_keys",
    "kit_say",
    "kit_words",
    "marked",
    "no_leading_zero",
    "runs",
]

ITALIC, END_ITALIC, SUB, END_SUB, SUP, END_SUP = "\x01\x02\x03\x04\x05\x06"
_MARKS = {ITALIC, END_ITALIC, SUB, END_SUB, SUP, END_SUP}
_MARKUP = (
    (re.compile(r"\*([^*]+)\*"), ITALIC + r"\1" + END_ITALIC),
    (re.compile(r"_\{([^{}]*)\}"), SUB + r"\1" + END_SUB),
    (re.compile(r"\^\{([^{}]*)\}"), SUP + r"\1" + END_SUP),
)
#: Column keys whose values cannot exceed 1 in absolute value: written without a leading zero
#: (APA 7, 6.36): p values, correlations, reliability coefficients, proportions, η².
BOUNDED = frozenset(
    {"p", "p_adj", "p_holm", "p_gg", "alpha_ci", "std_alpha", "omega", "pes", "ges", "r_rb",
     "r_pre_post", "kendall_w", "r_hitung", "r_tabel", "alpha_drop", "alpha_valid", "kr20",
     "kr21", "r_pbis", "r_pbis_rest", "difficulty", "discrimination", "coefficient", "epsilon",
     "mauchly"}
)  # fmt: skip
#: Headers the report's tables write literally (not from the column words), by key.
_LITERAL_HEADERS = {
    "n": "n",
    "ω": "omega",
    "η²p": "pes",
    "F (df)": "F_df",
    "t (df)": "t_df",
    "d_z": "d_z",
    "d_av": "d_av",
    "g_av": "g_av",
    "rank-biserial r": "r_rb",
}
_LEADING_ZERO = re.compile(r"(?<![\d.,])(-?)0(?=[.,]\d)")
_SUPERSCRIPT = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")


def kit_words(language: str) -> dict[str, Any]:
    """The article kit's words in ``"id"`` or ``"en"`` (glossary, titles, notes, sentences)."""
    return resource_words("article_kit.yaml")[language]


def marked(text: str) -> str:
    """``text`` with its symbol markup (``*t*``, ``_{z}``, ``^{2}``) turned into marks."""
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    return text


@cache
def _marked_glossary(language: str) -> dict[str, Any]:
    """The kit's glossary in ``language`` with its markup turned into marks, made once (the
    words are read once, :func:`kit_words`); templates only read it."""
    return _marked_tree(kit_words(language)["glossary"])


def _marked_tree(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _marked_tree(v) for k, v in node.items()}
    return marked(node) if isinstance(node, str) else node


def kit_say(language: str, key: str, **values: Any) -> str:
    """Fill the kit's template ``key`` (dotted) with ``values``; the glossary is ``g``.

    User text among ``values`` is made inert for plain text (which drops the marks, so it
    cannot pose as a symbol); numbers arrive formatted. Returns marked text (:func:`runs`).
    """
    words = kit_words(language)
    clean = {k: inert(v, "plain") if isinstance(v, str) else v for k, v in values.items()}
    glossary = _marked_glossary(language)
    return fill(marked(entry(words, key)), g=glossary, **clean)


def runs(text: str) -> list[tuple[str, bool, str]]:
    """Marked text as runs ``(text, italic, position)``; position is "", "sub" or "sup"."""
    out: list[tuple[str, bool, str]] = []
    italic, position, current = False, "", []
    for char in text:
        if char not in _MARKS:
            current.append(char)
            continue
        if current:
            out.append(("".join(current), italic, position))
            current = []
        if char in (ITALIC, END_ITALIC):
            italic = char == ITALIC
        else:
            position = {SUB: "sub", SUP: "sup"}.get(char, "")
    if current:
        out.append(("".join(current), italic, position))
    return out


def as_plain(text: str) -> str:
    """Marked text as plain text (CSV, SPSS labels): superscript digits as ², marks gone."""
    return "".join(t.translate(_SUPERSCRIPT) if pos == "sup" else t for t, _, pos in runs(text))


def as_markdown(text: str, *, line_start: bool = True) -> str:
    """Marked text as Markdown: symbols as ``*t*``, ``<sub>z</sub>``; the rest made inert.
    A table cell is not at a line's start (``line_start=False``): "3.80" needs no escape."""
    parts = []
    for k, (piece, italic, position) in enumerate(runs(text)):
        # only text at a line's start can open a list or a heading: "= 1.5" mid-line stays
        opens = line_start and k == 0
        piece = inert(piece, "markdown") if opens else inert("x" + piece, "markdown")[1:]
        if position:
            piece = f"<{position}>{piece}</{position}>"
        parts.append(f"*{piece}*" if italic else piece)
    return "".join(parts)


def as_html(text: str) -> str:
    """Marked text as HTML: symbols in ``<i>``, ``<sub>``, ``<sup>``; the rest escaped."""
    parts = []
    for piece, italic, position in runs(text):
        piece = html.escape(piece, quote=True)
        if position:
            piece = f"<{position}>{piece}</{position}>"
        parts.append(f"<i>{piece}</i>" if italic else piece)
    return "".join(parts)


def no_leading_zero(text: str) -> str:
    """Numbers in ``text`` without the zero before the decimal mark: "0.355" → ".355",
    "-0,03" → "-,03" (APA 7 for values that cannot exceed 1)."""
    return _LEADING_ZERO.sub(r"\1", text)


def column_keys(language: str) -> dict[str, str]:
    """The report's column headers (in ``language``) to their keys in the column words."""
    words = texts(language)
    keys = dict(_LITERAL_HEADERS)
    keys |= {v: k for k, v in words["design"]["columns"].items()}
    for key in ("p_holm", "adjusted_mean", "contrast"):
        keys[words["design"][key]] = key
    keys |= {v: k for k, v in words["columns"].items()}
    return keys


_HTML_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{label}</title><style>
body {{ font-family: "Times New Roman", Times, serif; font-size: 12pt; margin: 2em; }}
p {{ margin: 0 0 .6em 0; }} .label {{ font-weight: bold; }} .title {{ font-style: italic; }}
table {{ border-collapse: collapse; border-top: 1px solid #000; border-bottom: 1px solid #000; }}
th {{ border-bottom: 1px solid #000; font-weight: normal; text-align: center; }}
th, td {{ padding: .25em .6em; vertical-align: top; white-space: nowrap; }}
td {{ text-align: center; }} td:first-child, th:first-child {{ text-align: left; }}
.note {{ margin-top: .6em; max-width: 60em; }}
</style></head><body>
<p class="label">{label}</p><p class="title">{title}</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<p class="note">{note}</p>
</body></html>
"""


@dataclass(frozen=True)
class ApaTable:
    """One article table: title, headers, cells and note as marked text (:func:`runs`)."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str

    def plain_frame(self) -> pd.DataFrame:
        """The table as plain text (CSV): symbols without their formatting."""
        return pd.DataFrame(
            [[as_plain(c) for c in row] for row in self.rows],
            columns=[as_plain(h) for h in self.headers],
        )

    def html(self, *, number: int, language: str) -> str:
        """The table as a standalone HTML page laid out as APA 7 prints it (number in bold,
        title in italics, three horizontal rules, the note below): what the DOCX shows."""
        label = f"{kit_words(language)['glossary']['table']} {number}"
        head = "".join(f"<th>{as_html(h)}</th>" for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{as_html(c)}</td>" for c in row) + "</tr>" for row in self.rows
        )
        return _HTML_PAGE.format(
            lang=language, label=html.escape(label), title=as_html(self.title),
            head=head, body=body, note=as_html(self.note),
        )  # fmt: skip

    def markdown(self) -> str:
        """The table as a Markdown pipe table, then its note."""

        def cell(text: str) -> str:
            return as_markdown(text, line_start=False)

        head = "| " + " | ".join(cell(h) for h in self.headers) + " |"
        rule = "|" + "---|" * len(self.headers)
        body = ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.rows]
        return "\n".join([head, rule, *body, "", as_markdown(self.note)]) + "\n"


def apa_table(
    frame: pd.DataFrame, *, name: str, title: str, language: str, correction: str
) -> ApaTable:
    """An article table from a report table (headers in the report's words, cells formatted)
    and its title (marked text, :func:`kit_say`):
    APA headers with symbols, no leading zero where values cannot exceed 1, the test mark and
    a note defining every symbol and mark. Empty columns, and a group column that only says
    "all", are left out."""
    frame = frame.fillna("").astype(str)
    keys = column_keys(language)
    words = texts(language)
    every = words["groups"]["all"]
    keep = [
        c
        for c in frame.columns
        if frame[c].str.strip().ne("").any()
        and not (keys.get(c) == "group" and set(frame[c]) <= {every})
    ]
    frame = frame[keep]
    headers, columns, used = [], [], []
    for column in frame.columns:
        key = keys.get(column)
        used.append(key)
        headers.append(_header(column, key, language, correction))
        columns.append([_cell(v, key, language) for v in frame[column]])
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else []
    note = _note(used, rows, language, correction)
    return ApaTable(name, title, headers, rows, note)


def _header(column: str, key: str | None, language: str, correction: str) -> str:
    if key is not None and key in kit_words(language)["columns"]:
        return kit_say(language, f"columns.{key}", correction=correction)
    return inert(column, "plain")


def _cell(value: str, key: str | None, language: str) -> str:
    text = inert(value, "plain")
    if key in BOUNDED:
        text = no_leading_zero(text)
    if key == "test":
        paired = texts(language)["test_names"]["paired t"]
        text = text.replace(paired, kit_say(language, "glossary.test_t"))
    if key == "group" and text == texts(language)["groups"]["all"]:
        text = kit_say(language, "glossary.all_participants")
    return text


def _note(keys: list[str | None], rows: list[list[str]], language: str, correction: str) -> str:
    """ "Catatan." / "Note." and the meaning of every symbol and mark the table shows."""
    words = kit_words(language)
    symbols = words["symbols"]
    found = [k for k in keys if k in symbols]
    if "contrast" in found:  # the difference is the contrast's, not post minus pre
        found = [k for k in found if k != "diff_ci"]
    if any("✓" in cell for row in rows for cell in row):
        found.append("check")
    if any(k in {"d_z", "d_av", "g_av", "r_rb"} for k in keys):
        found.append("magnitude")
    if "r_pbis_rest" in keys and "r_pbis" not in keys:
        found.append("r_pbis")
    if "kr21" in keys and "kr20" not in keys:
        found.append("kr20")
    if any(words["glossary"]["ci"] in kit_say(language, f"columns.{k}", correction=correction)
           for k in keys if k in words["columns"]):  # fmt: skip
        found.insert(0, "ci")  # the abbreviation first, as APA notes begin
    definitions = list(
        dict.fromkeys(kit_say(language, f"symbols.{k}", correction=correction) for k in found)
    )
    head = ITALIC + words["glossary"]["note"] + "." + END_ITALIC
    return head + " " + "; ".join(definitions) + "." if definitions else ""
