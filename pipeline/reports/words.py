"""The report's words and number formats: sentence templates in Indonesian and English, user
text made inert, decimal marks, p values and intervals as APA 7 writes them.

Indonesian text uses the decimal comma and a semicolon between interval limits; English uses
the decimal point.
"""

from __future__ import annotations

import html
import math
import re
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml
from jinja2 import Environment, StrictUndefined

__all__ = ["PALETTE", "date_text", "esc", "fill", "fmt", "fmt_p", "interval", "pct", "say", "texts"]


#: Okabe & Ito (2008) colour-blind-safe palette, used by every figure.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]


_ENV = Environment(undefined=StrictUndefined, autoescape=False)


@cache
def _all_texts() -> dict[str, Any]:
    source = resources.files("pipeline.resources").joinpath("report_text.yaml")
    return yaml.safe_load(source.read_text("utf-8"))


def texts(language: str) -> dict[str, Any]:
    """The report's words in ``"id"`` or ``"en"``."""
    return _all_texts()[language]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def esc(text: Any) -> str:
    """User text made inert for Markdown output: HTML escaped, Markdown marks backslashed.

    Study titles, scale names and answer values come from users' files; a title such as
    ``<script>...`` or ``**x**`` must show as typed, not act.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def say(language: str, key: str, *, escape: bool = True, **values: Any) -> str:
    """Fill the sentence template ``key`` (dotted for nested keys). Values are escaped for
    Markdown output unless ``escape`` is False (plain text such as a Word document)."""
    node: Any = texts(language)
    for part in key.split("."):
        node = node[part]
    clean = {k: esc(v) for k, v in values.items()} if escape else values
    return _ENV.from_string(node).render(**clean)


def fill(template: str, **values: Any) -> str:
    """A sentence template (Jinja2) filled with ``values`` as given (no escaping)."""
    return _ENV.from_string(template).render(**values)


def fmt(value: Any, language: str, decimals: int = 2) -> str:
    """A number with the language's decimal mark; '-' for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "-"
    text = f"{float(value):.{decimals}f}"
    return text.replace(".", ",") if language == "id" else text


def fmt_p(p: float, language: str) -> str:
    """p as APA 7 writes it (three decimals, '< .001'), with the comparison sign."""
    if p is None or math.isnan(p):
        return "-"
    if p < 0.001:
        return "< " + ("0,001" if language == "id" else ".001")
    text = f"{p:.3f}"
    text = text.replace(".", ",") if language == "id" else text.lstrip("0")
    return "= " + text


def interval(low: float, high: float, language: str, decimals: int = 2) -> str:
    sep = "; " if language == "id" else ", "
    return f"[{fmt(low, language, decimals)}{sep}{fmt(high, language, decimals)}]"


def pct(value: Any, language: str, decimals: int = 0) -> str:
    """A share (0-1) as a percentage with the language's decimal mark; '-' for missing."""
    if value is None or pd.isna(value):
        return "-"
    return fmt(100 * float(value), language, decimals) + "%"


def date_text(value: Any) -> str:
    """A date as Indonesian and English reports write it (dd/mm/yyyy); '-' when missing."""
    if value is None or pd.isna(value):
        return "-"
    return pd.Timestamp(value).strftime("%d/%m/%Y")
