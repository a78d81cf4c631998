"""Answer-label families: which set of labels a column's answers come from, and the scale
those labels make.

The families (agreement, frequency, self-description, each in Indonesian and English with
their common abbreviations) live in ``resources/answer_scales.yaml``, lowest answer first. A
column answered only with one family's labels, or only with whole numbers from 0 to 10, is a
questionnaire item; the smallest of the family's scales that holds every answer seen gives
the codes, from 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pandas as pd

from pipeline.resources import read_yaml
from pipeline.text import normalize_text

__all__ = ["NUMERIC", "AnswerScale", "family_of", "label_codes", "scale_for", "scale_like"]

#: The family name of answers written as numbers.
NUMERIC = "numeric"


@dataclass(frozen=True)
class AnswerScale:
    """A scale of one family: its points, lowest first, and each code's labels.

    Attributes
    ----------
    family
        ``agree``, ``frequency``, ``fit`` (see the resource file) or ``numeric``.
    points
        The family's point keys in code order (the numbers themselves for ``numeric``).
    labels
        Code to (Indonesian label, English label).
    """

    family: str
    points: tuple[str, ...]
    labels: dict[int, tuple[str, str]]


@cache
def _families() -> dict[str, dict]:
    families = read_yaml("answer_scales.yaml")
    for family in families.values():
        family["lookup"] = {
            normalize_text(spelling): key
            for key, point in family["points"].items()
            for spelling in [point["id"], point["en"], *point["spellings"]]
        }
    return families


def family_of(values: pd.Series) -> tuple[str, frozenset[str]] | None:
    """The family all non-blank answers of a column belong to, and the points seen.

    Returns
    -------
    tuple or None
        ``(family, points)``; ``("numeric", {"1", "4", ...})`` for whole numbers 0-10
        (``4``, ``4.0``, ``4,0``); None for any other column (free text, a mix of families).
        Abbreviations shared by two families (``SS``, ``TS``) go to the first listed.
    """
    seen = {normalize_text(v) for v in pd.unique(values.astype(str)) if str(v).strip()}
    if not seen:
        return None
    numbers = pd.to_numeric(pd.Series(sorted(seen)).str.replace(",", "."), errors="coerce")
    if numbers.notna().all():
        whole = numbers.eq(numbers.round()) & numbers.between(0, 10)
        return (NUMERIC, frozenset(numbers.astype(int).astype(str))) if whole.all() else None
    for name, family in _families().items():
        if seen <= family["lookup"].keys():
            return name, frozenset(family["lookup"][s] for s in seen)
    return None


def scale_for(family: str, points: Iterable[str]) -> AnswerScale:
    """The smallest scale of ``family`` holding every point seen (ties: the first listed).

    Numbers give the scale from 1 (from 0 when 0 was answered) to the largest seen: a
    numeric 1-5 item answered only 2-5 still makes a 1-5 scale, one answered 1-4 a 1-4 scale.
    """
    points = set(points)
    if family == NUMERIC:
        codes = sorted(int(p) for p in points)
        low = 0 if codes[0] == 0 else 1
        order = tuple(str(c) for c in range(low, max(codes[-1], low + 1) + 1))
        return AnswerScale(NUMERIC, order, {int(c): (c, c) for c in order})
    fitting = [s for s in _families()[family]["scales"] if points <= set(s)]
    return _scale(family, min(fitting, key=len))


def scale_like(family: str, points: Iterable[str], length: int) -> AnswerScale | None:
    """A scale of another label family with ``length`` points holding every point seen, so
    its answers can share the codes of the chosen scale position by position (Selalu ...
    Tidak Pernah beside Sangat Setuju ... Sangat Tidak Setuju); None when it has none."""
    if family == NUMERIC:
        return None
    points = set(points)
    fitting = [s for s in _families()[family]["scales"] if len(s) == length and points <= set(s)]
    return _scale(family, fitting[0]) if fitting else None


def _scale(family: str, order: list[str]) -> AnswerScale:
    spec = _families()[family]["points"]
    labels = {k: (spec[p]["id"], spec[p]["en"]) for k, p in enumerate(order, start=1)}
    return AnswerScale(family, tuple(order), labels)


def label_codes(scale: AnswerScale, spellings: Iterable[str]) -> dict[str, int]:
    """The code of every spelling (normalized) that names a point of ``scale``; spellings of
    other points or families are left out."""
    if scale.family == NUMERIC:
        return {}
    lookup = _families()[scale.family]["lookup"]
    code_of = {point: k for k, point in enumerate(scale.points, start=1)}
    normalized = {normalize_text(s) for s in spellings}
    return {s: code_of[lookup[s]] for s in sorted(normalized) if lookup.get(s) in code_of}
