"""Identity: whether an id column can tell people apart, comparable ids, and near-miss numbers.

Two rows are one person only when their ids are equal after normalization *and* the id column
can identify people at all. A form owner who masks names (``M*******n``), respondents who
give initials (``A.``, ``RS``) or a code shared by a class make equal ids of different people;
:func:`judge_id_column` says so, with the numbers behind it, before any row is merged, and
:func:`first_usable_key` walks a list of candidate keys (``[NIM, Nama Lengkap]``) to the first
that can. :func:`near_miss_ids` proposes student numbers one keystroke apart for review.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Hamming

from pipeline.text import map_unique, normalize_text

__all__ = [
    "NEAR_MISS_COLUMNS",
    "REASONS",
    "IdJudgement",
    "first_usable_key",
    "guess_id_kind",
    "judge_id_column",
    "near_miss_ids",
    "normalize_ids",
]

IdKind = Literal["name", "number", "email"]

#: Why a column cannot identify people, by reason code.
REASONS = {
    "blank": "no value in the column",
    "masked": "values hidden by mask characters (*, •, xxx)",
    "initials": "initials instead of names",
    "short": "values too short to tell people apart",
    "repeated": "values shared by many rows",
    "collisions": "too many rows share their value after normalization",
}
_MASK = re.compile(r"[*•●∙·∗⁎✱]|[xX]{3,}|_{3,}|#{3,}")
# Two capitals typed alone (RS) are initials; three may be a name typed in capitals (ANI).
_TWO_CAPITALS = re.compile(r"[A-Z]{2}\.?")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class IdJudgement:
    """Whether a column can identify people, and the numbers behind the verdict.

    Attributes
    ----------
    column
        The column judged (its export header), or None when unnamed.
    kind
        ``name``, ``number`` or ``email``: how the values were normalized.
    usable
        True when no reason below applies.
    reasons
        Reason codes (keys of :data:`REASONS`), most telling first; empty when usable.
    n_rows
        Rows judged (one wave's rows), blanks included.
    n_filled
        Rows with a value.
    n_distinct
        Distinct values after normalization.
    masked_share, initials_share, short_share
        Shares of filled rows that are masked, initials, or shorter than ``min_length``.
    repeated_share
        Share of filled rows whose normalized value appears more than ``max_repeats`` times.
    collision_share
        Share of filled rows that an equal normalized value would merge into an earlier row:
        ``1 - n_distinct / n_filled``.
    examples
        Up to three distinct values that show the first reason (as typed), for the message.
    """

    column: str | None
    kind: str
    usable: bool
    reasons: tuple[str, ...]
    n_rows: int
    n_filled: int
    n_distinct: int
    masked_share: float
    initials_share: float
    short_share: float
    repeated_share: float
    collision_share: float
    examples: tuple[str, ...] = ()

    def details(self) -> dict[str, object]:
        """The numbers as a flat mapping, for a problem record's message template."""
        return {
            "reasons": ", ".join(self.reasons),
            "rows": self.n_filled,
            "distinct": self.n_distinct,
            "masked": f"{self.masked_share:.0%}",
            "initials": f"{self.initials_share:.0%}",
            "short": f"{self.short_share:.0%}",
            "repeated": f"{self.repeated_share:.0%}",
            "collisions": f"{self.collision_share:.0%}",
            "examples": ", ".join(self.examples),
        }


def normalize_ids(values: pd.Series, *, kind: IdKind) -> pd.Series:
    """Comparable ids.

    Parameters
    ----------
    values
        Ids as typed.
    kind
        ``"name"``: lower-case, accents, punctuation and extra spaces removed.
        ``"number"``: spaces, dots, dashes, slashes, a leading apostrophe (Excel's text
        mark) and any other non-alphanumeric character removed, letters upper-cased, leading
        zeros dropped (Excel drops them from a number typed into a cell, so ``0012345`` and
        ``12345`` are one id). ``"email"``: lower-case, spaces removed.

    Returns
    -------
    Series
        The normalized ids; "" where the value is blank.

    Examples
    --------
    >>> normalize_ids(pd.Series(["'2021 004.517", "2021-004517"]), kind="number").tolist()
    ['2021004517', '2021004517']
    """
    text = values.astype(str)
    if kind == "number":
        if not text.str.isascii().all():
            text = text.str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True)
        digits = text.str.replace(r"[^0-9A-Za-z]", "", regex=True).str.upper()
        # Written without look-ahead so pyarrow's regular expressions take it (fast).
        return digits.str.replace(r"^0+(\d)", r"\1", regex=True)
    if kind == "email":
        return text.str.strip().str.lower().str.replace(r"\s+", "", regex=True)
    text = map_unique(text, normalize_text).astype(str)
    text = text.str.replace(r"[^\w\s]", " ", regex=True)
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


def _is_initials(text: str) -> bool:
    """``A.``, ``M. R.``, ``A R``, ``RS``: every word one letter, or two capitals alone."""
    if _TWO_CAPITALS.fullmatch(text):
        return True
    words = [w for w in re.split(r"[\s.]+", text) if w]
    return bool(words) and all(len(w) == 1 and w.isalpha() for w in words)


def guess_id_kind(values: pd.Series) -> IdKind:
    """``number`` when most filled values are digits (with separators), ``email`` when most
    look like e-mail addresses, else ``name``."""
    text = values.astype(str).str.strip()
    text = text[text.ne("")]
    if text.empty:
        return "name"
    if text.str.fullmatch(r"'?[\d\s.\-/]{4,}").mean() >= 0.8:
        return "number"
    if text.str.fullmatch(_EMAIL.pattern).mean() >= 0.8:
        return "email"
    return "name"


def judge_id_column(
    values: pd.Series,
    *,
    kind: IdKind = "name",
    column: str | None = None,
    max_masked_share: float = 0.05,
    max_initials_share: float = 0.2,
    min_length: int | None = None,
    max_short_share: float = 0.2,
    max_repeats: int = 3,
    max_repeated_share: float = 0.05,
    max_collision_share: float = 0.2,
) -> IdJudgement:
    """Judge whether one wave's id column can tell its respondents apart.

    Parameters
    ----------
    values
        The id column of one wave, as typed (a person may rightly appear twice: a repeated
        submission; pre and post are judged apart).
    kind
        How ids are compared (:func:`normalize_ids`). Initials are judged for names only.
    column
        The column's header, kept for the message.
    max_masked_share
        Largest share of masked values (``M*******n``, ``2021****17``, ``Rxxxxx``): 5 %. A
        masked value hides who answered, so a few suffice to distrust the column.
    max_initials_share
        Largest share of initials (``A.``, ``M. R.``, ``RS``): 20 %.
    min_length
        Shortest normalized value that can identify (default 3 characters for names and
        e-mails, 5 for numbers: a school's NIS has at least 5 digits).
    max_short_share
        Largest share of values shorter than ``min_length``: 20 %.
    max_repeats
        A value typed more often than this in one wave is "repeated": 3 (one person
        submits twice, rarely four times).
    max_repeated_share
        Largest share of rows holding a repeated value: 5 %.
    max_collision_share
        Largest share of rows that equal normalized values would merge away
        (``1 - distinct / filled``): 20 %, above the repeated submissions of a real wave
        (a few percent; two repeaters in a class of twelve make 14 %) and far below what
        masks and initials give.

    Returns
    -------
    IdJudgement
        ``usable`` with no reasons, or the reasons with the numbers and a few examples.

    Examples
    --------
    >>> judge_id_column(pd.Series(["M*******n", "M***n", "A****a", "S***i"])).reasons
    ('masked', 'short', 'collisions')
    """
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    filled = text[text.ne("")]
    norm = normalize_ids(filled, kind=kind)
    length = min_length if min_length is not None else (5 if kind == "number" else 3)
    flags = _row_flags(filled, norm, kind=kind, min_length=length, max_repeats=max_repeats)
    n, n_distinct = len(filled), int(norm[norm.ne("")].nunique())
    shares = {code: float(flag.mean()) if n else 0.0 for code, flag in flags.items()}
    shares["collisions"] = 1 - n_distinct / n if n else 0.0
    limits = {
        "masked": max_masked_share,
        "initials": max_initials_share,
        "short": max_short_share,
        "repeated": max_repeated_share,
        "collisions": max_collision_share,
    }
    reasons = tuple(code for code in limits if shares[code] > limits[code]) if n else ("blank",)
    shown = flags[reasons[0]] if n and reasons else pd.Series(False, index=filled.index)
    return IdJudgement(
        column=column,
        kind=kind,
        usable=not reasons,
        reasons=reasons,
        n_rows=len(text),
        n_filled=n,
        n_distinct=n_distinct,
        masked_share=shares["masked"],
        initials_share=shares["initials"],
        short_share=shares["short"],
        repeated_share=shares["repeated"],
        collision_share=shares["collisions"],
        examples=tuple(str(e) for e in pd.unique(filled[shown])[:3]),
    )


def _row_flags(
    filled: pd.Series, norm: pd.Series, *, kind: str, min_length: int, max_repeats: int
) -> dict[str, pd.Series]:
    """Per filled row: masked, initials, short, repeated, and colliding with another row."""
    counts = norm.map(norm[norm.ne("")].value_counts()).fillna(0)
    initials = (
        map_unique(filled, _is_initials).astype(bool)
        if kind == "name"
        else pd.Series(False, index=filled.index)
    )
    return {
        "masked": filled.str.contains(_MASK.pattern, regex=True),
        "initials": initials,
        "short": norm.str.replace(" ", "", regex=False).str.len().lt(min_length),
        "repeated": counts.gt(max_repeats),
        "collisions": counts.gt(1),
    }


def first_usable_key(
    waves: dict[str, pd.DataFrame],
    keys: Sequence[tuple[str, IdKind]],
    **thresholds: float,
) -> tuple[tuple[str, IdKind] | None, list[IdJudgement]]:
    """The first candidate key that identifies people in every wave.

    Parameters
    ----------
    waves
        Wave name to that wave's rows (text columns, as read).
    keys
        Candidate (column, kind) pairs in the order of preference, e.g. the study's
        ``columns.id`` list, then student number and e-mail columns found in the export.
    **thresholds
        Passed on to :func:`judge_id_column`.

    Returns
    -------
    tuple
        The first key usable in every wave that has its column (None when none is: stop and
        ask for one), and every judgement made, in order (one per key and wave), for the
        message that explains the choice. A key missing from a wave is not usable.
    """
    judgements: list[IdJudgement] = []
    for column, kind in keys:
        usable = True
        for frame in waves.values():
            if column not in frame:
                usable = False
                continue
            verdict = judge_id_column(frame[column], kind=kind, column=column, **thresholds)
            judgements.append(verdict)
            usable &= verdict.usable
        if usable:
            return (column, kind), judgements
    return None, judgements


# --------------------------------------------------------------------------- near misses

#: Columns of :func:`near_miss_ids`' table.
NEAR_MISS_COLUMNS = [
    "index_a",
    "index_b",
    "id_a",
    "id_b",
    "edit",
    "name_a",
    "name_b",
    "name_score",
]


def _variants(ids: np.ndarray) -> pd.DataFrame:
    """Each distinct id (by its position in ``ids``) with itself (position -1) and with each
    one character deleted (its position): two ids one edit apart share a variant, so joining
    on variants finds every such pair without comparing all pairs (the deletion neighbourhood
    of Bocek, Hunt & Stiller 2007). Ids of one length are cut at once as a character matrix."""
    lengths = np.fromiter(map(len, ids), dtype=int, count=len(ids))
    parts = [pd.DataFrame({"code": np.arange(len(ids)), "variant": ids, "position": -1})]
    for width in np.unique(lengths[lengths > 1]):
        rows = np.flatnonzero(lengths == width)
        matrix = np.array(ids[rows].tolist(), dtype=f"<U{width}").view(np.uint32)
        matrix = matrix.reshape(-1, width)
        for k in range(width):
            cut = np.ascontiguousarray(np.delete(matrix, k, axis=1)).view(f"<U{width - 1}")
            parts.append(
                pd.DataFrame({"code": rows, "variant": cut.ravel().astype(object), "position": k})
            )
    return pd.concat(parts, ignore_index=True)


def _one_edit_pairs(ids_a: pd.Series, ids_b: pd.Series) -> pd.DataFrame:
    """Distinct (id_a, id_b) pairs one edit apart, with the edit."""
    unique_a = pd.unique(ids_a[ids_a.ne("")]).astype(object)
    unique_b = pd.unique(ids_b[ids_b.ne("")]).astype(object)
    if not len(unique_a) or not len(unique_b):
        return pd.DataFrame(columns=["id_a", "id_b", "edit"])
    joined = _variants(unique_a).merge(_variants(unique_b), on="variant", suffixes=("_a", "_b"))
    # A real one-edit pair always shares a variant cut at the same or a neighbouring position
    # (or is itself a variant of the other); farther cuts only add candidates to discard.
    near = joined["position_a"].eq(-1) | joined["position_b"].eq(-1)
    near |= joined["position_a"].sub(joined["position_b"]).abs().le(1)
    codes = joined.loc[near, ["code_a", "code_b"]].drop_duplicates()
    id_a = unique_a[codes["code_a"].to_numpy()].tolist()
    id_b = unique_b[codes["code_b"].to_numpy()].tolist()
    one = process.cpdist(id_a, id_b, scorer=OSA.distance, workers=1) == 1
    id_a = np.asarray(id_a, dtype=object)[one]
    id_b = np.asarray(id_b, dtype=object)[one]
    length_a = np.fromiter(map(len, id_a), dtype=int, count=len(id_a))
    length_b = np.fromiter(map(len, id_b), dtype=int, count=len(id_b))
    same = length_a == length_b
    hamming = np.full(len(id_a), -1)
    if same.any():
        hamming[same] = process.cpdist(
            id_a[same].tolist(), id_b[same].tolist(), scorer=Hamming.distance, workers=1
        )
    edit = np.select(
        [length_a < length_b, length_a > length_b, hamming == 1],
        ["insertion", "deletion", "substitution"],
        "transposition",
    )
    return pd.DataFrame({"id_a": id_a, "id_b": id_b, "edit": edit})


def _name_scores(names_a: list[str], names_b: list[str]) -> np.ndarray:
    """Pairwise similarity (0-100) of normalized names, as :mod:`pipeline.matching` scores
    them: word order and a missing space do not matter."""
    by_tokens = process.cpdist(names_a, names_b, scorer=fuzz.token_sort_ratio, workers=1)
    squeeze_a = [n.replace(" ", "") for n in names_a]
    squeeze_b = [n.replace(" ", "") for n in names_b]
    by_letters = process.cpdist(squeeze_a, squeeze_b, scorer=fuzz.ratio, workers=1)
    return np.maximum(by_tokens, by_letters).astype(float)


def near_miss_ids(
    ids_a: pd.Series,
    ids_b: pd.Series,
    *,
    names_a: pd.Series | None = None,
    names_b: pd.Series | None = None,
    min_name_score: float = 80.0,
) -> pd.DataFrame:
    """Student numbers one edit apart across two waves, with similar names: typos to review.

    Parameters
    ----------
    ids_a, ids_b
        Student numbers of two waves as typed, indexed by row (normalized here as numbers).
        Ids found in both waves are matched already and left out on both sides.
    names_a, names_b
        The names given with them, on the same index; None proposes every pair one edit
        apart (names unknown).
    min_name_score
        Smallest name similarity (0-100) for a pair to be proposed: 80. Sequential student
        numbers are one digit apart from many classmates; the name tells the typo apart.

    Returns
    -------
    DataFrame
        ``NEAR_MISS_COLUMNS``: the rows' index labels, the normalized ids, the ``edit``
        turning ``id_a`` into ``id_b`` (``substitution``, ``transposition``, ``insertion``,
        ``deletion``), the names and their similarity (NaN without names); best first.

    Notes
    -----
    One edit is the optimal string alignment distance 1 (Damerau 1964): one character
    substituted, inserted or deleted, or two adjacent characters swapped. Candidates come
    from a join on deletion variants (Bocek, Hunt & Stiller 2007), so the cost grows with the
    number of ids, not with its square.

    References
    ----------
    Damerau, F. J. (1964). A technique for computer detection and correction of spelling
    errors. Communications of the ACM, 7(3), 171-176.

    Bocek, T., Hunt, E., & Stiller, B. (2007). Fast similarity search in large dictionaries
    (Technical Report ifi-2007.02). University of Zurich.
    """
    norm_a, norm_b = normalize_ids(ids_a, kind="number"), normalize_ids(ids_b, kind="number")
    # Object arrays: pandas' hash table is much faster here than the Arrow strings' isin.
    flat_a, flat_b = norm_a.astype(object), norm_b.astype(object)
    open_a, open_b = (
        norm_a[~flat_a.isin(flat_b).to_numpy()],
        norm_b[~flat_b.isin(flat_a).to_numpy()],
    )
    pairs = _one_edit_pairs(open_a, open_b)
    rows_a = pd.DataFrame({"index_a": open_a.index, "id_a": open_a.to_numpy()})
    rows_b = pd.DataFrame({"index_b": open_b.index, "id_b": open_b.to_numpy()})
    table = pairs.merge(rows_a, on="id_a").merge(rows_b, on="id_b")
    if names_a is None or names_b is None:
        table = table.assign(name_a="", name_b="", name_score=np.nan)
        return table[NEAR_MISS_COLUMNS].sort_values(["id_a", "id_b"], ignore_index=True)
    table["name_a"] = names_a.reindex(table["index_a"]).astype(str).to_numpy()
    table["name_b"] = names_b.reindex(table["index_b"]).astype(str).to_numpy()
    clean_a = normalize_ids(table["name_a"], kind="name").tolist()
    clean_b = normalize_ids(table["name_b"], kind="name").tolist()
    table["name_score"] = _name_scores(clean_a, clean_b) if len(table) else []
    table = table[table["name_score"] >= min_name_score]
    table = table.sort_values(["name_score", "id_a", "id_b"], ascending=[False, True, True])
    return table[NEAR_MISS_COLUMNS].reset_index(drop=True)
