"""Coding answers by the item's outcome kind: Likert labels, test options and points, numbers.

Part of the ingest stage (answers to codes) and the score stage (codes to points):

- a ``likert`` item's label or number becomes its code (``ingest.code_answers``);
- a keyed ``test`` item's answer becomes the number of the option chosen (1 for the first of
  its ``options``), scored against the key later (:func:`test_points`); an answer that is not
  one of the options is a problem of its row;
- a key-less ``test`` item's cell is the points earned, read from the Google Forms quiz's
  ``… [Skor]`` column when the export has one (``2.00 / 2`` is 2), else from the answer cell;
- a ``score`` item's cell is a number (``85``, ``85,5`` or a quiz total such as ``8 / 10``).

Numbers outside an item's range are left for validation, which reports them with their row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config import Instrument
from pipeline.config.instrument import Item, normalize_option
from pipeline.errors import Problem, bilingual
from pipeline.stages.header_names import quiz_layout
from pipeline.text import normalize_text

__all__ = [
    "Coded",
    "code_numbers",
    "code_options",
    "option_labels",
    "parse_numbers",
    "quiz_added",
    "quiz_columns",
    "quiz_disagreement",
    "test_points",
]


@dataclass(frozen=True)
class Coded:
    """One column's answers as numbers.

    Attributes
    ----------
    codes
        Codes, points or numbers (NaN where blank or unreadable).
    unreadable
        Cells that were not blank but could not be read.
    problem
        The problem code for an unreadable cell.
    expected
        What a readable cell looks like (Indonesian and English).
    """

    codes: pd.Series
    unreadable: pd.Series
    problem: str
    expected: dict[str, str]


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers as exports write them: ``85``, ``85.5``, ``85,5`` (decimal comma), or a Google
    Forms quiz score ``8 / 10`` or ``2.00 / 2`` (the points earned, before the slash).

    Returns the numbers (NaN where blank or unreadable) and the mask of non-blank cells that
    are not numbers.
    """
    positions, uniques = pd.factorize(values.astype(str), use_na_sentinel=False)
    text = pd.Series(uniques, dtype=object).str.strip()
    earned = text.str.split("/", n=1).str[0].str.strip().str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(earned, errors="coerce").to_numpy(dtype=float)
    bad = text.ne("").to_numpy() & np.isnan(numbers)
    if not len(uniques):
        return pd.Series(np.nan, index=values.index), pd.Series(False, index=values.index)
    return (
        pd.Series(numbers[positions], index=values.index),
        pd.Series(bad[positions], index=values.index),
    )


def option_labels(item: Item, instrument: Instrument) -> list[str]:
    """A test item's options as the codebook writes them; option k has code k + 1."""
    return [str(option) for option in instrument.options_of(item)]


def code_options(values: pd.Series, item: Item, instrument: Instrument) -> Coded:
    """The number of the option chosen (1 for the first), NaN where blank or not an option."""
    lookup = {normalize_option(o): k for k, o in enumerate(instrument.options_of(item), start=1)}
    positions, uniques = pd.factorize(values.astype(str), use_na_sentinel=False)
    text = pd.Series(uniques, dtype=object).str.strip()
    codes = np.array([lookup.get(normalize_option(t), np.nan) for t in text], dtype=float)
    bad = text.ne("").to_numpy() & np.isnan(codes)
    shown = ", ".join(option_labels(item, instrument))
    expected = bilingual(f"one of the options: {shown}", f"salah satu pilihan: {shown}")
    if not len(uniques):
        codes, bad = np.array([np.nan]), np.array([False])
        positions = np.zeros(len(values), dtype=int)
    return Coded(
        pd.Series(codes[positions], index=values.index),
        pd.Series(bad[positions], index=values.index),
        "answer_not_option",
        expected,
    )


def code_numbers(values: pd.Series, *, low: float, high: float, what: str) -> Coded:
    """Numbers of a score item or a key-less test item (the points earned)."""
    numbers, bad = parse_numbers(values)
    words = {"score": ("a number", "bilangan"), "points": ("points earned", "poin yang diperoleh")}
    en, id_ = words[what]
    expected = bilingual(f"{en} from {low:g} to {high:g}", f"{id_} dari {low:g} sampai {high:g}")
    return Coded(numbers, bad, "number_unreadable", expected)


def quiz_columns(headers: Sequence[str]) -> dict[str, str]:
    """Question header (normalized) to its quiz score column ``… [Skor]``, when the export is
    a Google Forms quiz; empty otherwise."""
    layout = quiz_layout(list(headers))
    if layout is None:
        return {}
    return {normalize_text(question): column for question, column in layout.scores.items()}


def quiz_added(headers: Sequence[str]) -> set[str]:
    """The per-question columns a Google Forms quiz export adds (``… [Skor]``,
    ``… [Masukan]``): never items. The ``Total skor`` column is an item only when a score
    item declares it (``headers: [Total skor]``)."""
    layout = quiz_layout(list(headers))
    return {*layout.scores.values(), *layout.feedback.values()} if layout else set()


def test_points(codes: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Test items' codes turned into points earned; other columns are left as they are.

    A keyed item's option code earns the key's points (0 for another option); a key-less
    item's code already is its points. An unanswered question earns 0 when the codebook's
    ``test.omitted`` is ``wrong`` (the default), and stays missing when it is ``missing``.
    """
    out = codes.copy(deep=False)  # test columns are replaced; copy-on-write keeps ``codes``
    for item in instrument.items_of("test"):
        if item.id not in out:
            continue
        values = out[item.id].to_numpy(dtype=float)
        if item.key is not None:
            points = _points_by_code(item, instrument)
            known = ~np.isnan(values)
            earned = np.full(len(values), np.nan)
            earned[known] = points[values[known].astype(int) - 1]
            values = earned
        if instrument.test.omitted == "wrong":
            values = np.where(np.isnan(values), 0.0, values)
        out[item.id] = values
    return out


def _points_by_code(item: Item, instrument: Instrument) -> np.ndarray:
    """Points of each option code (index code - 1) of a keyed test item."""
    keyed = {
        normalize_option(option): points
        for option, points in item.key_points(instrument.test.points).items()
    }
    return np.array(
        [keyed.get(normalize_option(option), 0.0) for option in instrument.options_of(item)],
        dtype=float,
    )


def quiz_disagreement(
    coded: Coded, form_points: pd.Series, item: Item, instrument: Instrument, *, where: dict
) -> Problem | None:
    """A warning when the form's own scores of a keyed item differ from the codebook's key.

    Parameters
    ----------
    coded
        The item's option codes (cells that are not an option are reported already and
        left out here).
    form_points
        The points the quiz export's ``… [Skor]`` column gives, aligned with ``codes``.
    where
        ``file``, ``column`` (the score column), ``rows`` (spreadsheet rows aligned with
        ``codes``) and ``wave``.
    """
    points = test_points(pd.DataFrame({item.id: coded.codes}), instrument)[item.id]
    both = points.notna() & form_points.notna() & ~coded.unreadable
    differ = both & (np.abs(points - form_points) > 1e-9)
    if not differ.any():
        return None
    first = int(np.flatnonzero(differ.to_numpy())[0])
    return Problem(
        "quiz_score_differs",
        file=where["file"],
        row=int(where["rows"][first]),
        column=where["column"],
        value=form_points.iat[first],
        expected=bilingual(
            f"{points.iat[first]:g} by the codebook's key",
            f"{points.iat[first]:g} menurut kunci di codebook",
        ),
        details={"n": int(differ.sum()), "item": item.id},
        wave=where["wave"],
        severity="warning",
    )
