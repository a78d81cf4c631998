"""The report's words and number formats: sentence templates in Indonesian and English, user
text made inert, decimal marks, p values and intervals as APA 7 writes them.

Indonesian text uses the decimal comma and a semicolon between interval limits; English uses
the decimal point.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache
from typing import Any

import pandas as pd
from jinja2 import Environment, StrictUndefined

from pipeline.inert import Trusted, inert
from pipeline.resources import read_yaml

__all__ = [
    "PALETTE",
    "date_text",
    "entry",
    "esc",
    "fill",
    "fmt",
    "fmt_p",
    "interval",
    "pct",
    "resource_words",
    "say",
    "texts",
]


#: Okabe & Ito (2008) colour-blind-safe palette, used by every figure.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]


_ENV = Environment(undefined=StrictUndefined, autoescape=False)


@cache
def resource_words(name: str) -> dict[str, Any]:
    """A words file of ``pipeline/resources`` (both languages), read once."""
    return read_yaml(name)


def texts(language: str) -> dict[str, Any]:
    """The report's words in ``"id"`` or ``"en"``."""
    return resource_words("report_text.yaml")[language]


def entry(words: dict[str, Any], key: str) -> Any:
    """The entry ``key`` of ``words``, dotted for nested keys ("design.funder_arms")."""
    node: Any = words
    for part in key.split("."):
        node = node[part]
    return node


def esc(text: Any) -> str:
    """User text made inert for Markdown output (:func:`pipeline.inert.inert`).

    Study titles, scale names and answer values come from users' files; a title such as
    ``<script>...``, ``**x**`` or ``[x](http://...)`` must show as typed, not act.
    """
    return inert(text, "markdown")


def say(language: str, key: str, *, escape: bool = True, **values: Any) -> str:
    """Fill the sentence template ``key`` (dotted for nested keys). Values are made inert for
    Markdown output unless ``escape`` is False: then for plain text (a Word document)."""
    kind = "markdown" if escape else "plain"
    clean = {k: inert(v, kind) if isinstance(v, str) else v for k, v in values.items()}
    return _template(entry(texts(language), key)).render(**clean)


def fill(template: str, **values: Any) -> str:
    """A sentence template (Jinja2) filled with ``values`` as given (no escaping)."""
    return _template(template).render(**values)


@lru_cache(maxsize=4096)
def _template(source: str):
    """A template compiled once: jinja2's ``from_string`` compiles the source to Python on
    every call, and the reports fill the same few hundred sentences again and again."""
    return _ENV.from_string(source)


def fmt(value: Any, language: str, decimals: int = 2) -> Trusted:
    """A number with the language's decimal mark; '-' for missing. A value that rounds to
    zero has no sign ("0.00", never "-0.00")."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return Trusted("-")
    text = f"{float(value):.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return Trusted(text.replace(".", ",") if language == "id" else text)


def fmt_p(p: float, language: str) -> Trusted:
    """p as APA 7 writes it (three decimals, '< .001'), with the comparison sign."""
    if p is None or math.isnan(p):
        return Trusted("-")
    if p < 0.001:
        return Trusted("< " + ("0,001" if language == "id" else ".001"))
    text = f"{p:.3f}"
    text = text.replace(".", ",") if language == "id" else text.lstrip("0")
    return Trusted("= " + text)


def interval(low: float, high: float, language: str, decimals: int = 2) -> Trusted:
    """A confidence interval "[low, high]" ("[low; high]" in Indonesian)."""
    sep = "; " if language == "id" else ", "
    return Trusted(f"[{fmt(low, language, decimals)}{sep}{fmt(high, language, decimals)}]")


def pct(value: Any, language: str, decimals: int = 0) -> Trusted:
    """A share (0-1) as a percentage with the language's decimal mark; '-' for missing."""
    if value is None or pd.isna(value):
        return Trusted("-")
    return Trusted(fmt(100 * float(value), language, decimals) + "%")


def date_text(value: Any) -> str:
    """A date as Indonesian and English reports write it (dd/mm/yyyy); '-' when missing."""
    if value is None or pd.isna(value):
        return "-"
    return pd.Timestamp(value).strftime("%d/%m/%Y")
