"""Coding open answers to "Kamu ingin menjadi apa?" and testing whether aspirations changed.

Children answer the open question before and after a career-awareness program in their own
words, in Indonesian, English or a regional language, with typos and fillers ("mau jadi
dokterrr", "i want to be a pilot", "belum tau"). This module codes each answer against the
aspiration dictionary (:mod:`pipeline.program.aspiration_dictionary`) to one of four levels:

``occupation``
    names an occupation, with its ISCO-08 major group (ILO 2012);
``field``
    names only a field or sector of work ("di bidang kesehatan", "PNS", "karyawan");
``none``
    names nothing: blank, "belum tahu", a general wish ("orang sukses") or a fantasy figure;
``uncoded``
    the dictionary does not know the answer; :func:`review_table` lists these for a human.

:func:`transition` then compares the waves per participant: the share naming a specific
occupation (McNemar's test), the level-by-level transitions and the ISCO groups named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from pipeline.program.aspiration_dictionary import (
    BLANK,
    MIN_FUZZY_LENGTH,
    SEPARATOR,
    VAGUE,
    AspirationDictionary,
    clean_answer,
    load_dictionary,
    match_key,
    strip_fillers,
)
from pipeline.stats.mcnemar import McNemarResult, mcnemar_table

__all__ = [
    "CODED_COLUMNS",
    "FUZZY_CUTOFF",
    "LEVELS",
    "AspirationTransition",
    "code_answers",
    "level_counts",
    "normalize",
    "review_table",
    "transition",
]

LEVELS = ("occupation", "field", "none", "uncoded")
#: Fuzzy matches need this similarity (0-100): 100 x (1 - OSA edit distance / longer length),
#: where a swap of two neighbouring letters is one edit. At 80 a word of 5-9 letters may carry
#: one typo and one of 10-14 letters two; "dokter" with "doktr" or "dkoter" scores 83.
FUZZY_CUTOFF = 80.0
#: Columns of :func:`code_answers`, in order.
CODED_COLUMNS = [
    "raw",
    "normalized",
    "n_named",
    "level",
    "code",
    "isco_major",
    "label_id",
    "label_en",
    "method",
    "score",
]
_RANK = {"occupation": 3, "field": 2, "none": 1}
#: Words that turn "jadi dokter" into "tidak mau jadi dokter". An answer naming an occupation
#: or field next to one of them is left uncoded for review (method "negated"), never coded as
#: the aspiration it rejects; answers coded "none" ("tidak tahu") are unaffected.
NEGATIONS = frozenset(
    {"tidak", "tak", "gak", "nggak", "ngga", "enggak", "engga", "ga", "bukan", "jangan",
     "not", "dont", "never", "no"}
)  # fmt: skip


# --------------------------------------------------------------------------- the dictionary


# --------------------------------------------------------------------------- normalizing


def _parts(text: object, dictionary: AspirationDictionary) -> tuple[list[str], bool]:
    """The answers named in one text, fillers removed; and whether fillers emptied it."""
    tokens = [SEPARATOR if t in dictionary.separators else t for t in clean_answer(text).split()]
    parts, current = [], []
    for token in [*tokens, SEPARATOR]:
        if token != SEPARATOR:
            current.append(token)
        elif current:
            parts.append(current)
            current = []
    kept = [strip_fillers(p, dictionary.leading, dictionary.trailing) for p in parts]
    kept_text = [" ".join(p) for p in kept if p]
    return kept_text, bool(parts) and not kept_text


def normalize(text: object, *, dictionary: AspirationDictionary | None = None) -> str:
    """Clean one answer for matching and display.

    Lower case; accents, digits and punctuation removed; "cita2" read as "cita cita"; a
    letter repeated three or more times kept once ("dokterrr" -> "dokter"); leading fillers
    ("cita-cita saya", "mau jadi", "i want to be a", "seorang") and trailing ones ("yang
    sukses", "amin") removed. Several answers ("dokter, guru", "polisi atau tentara") come
    back joined by ", ". Missing values give "".

    Examples
    --------
    >>> normalize("Cita-cita saya ingin menjadi seorang DOKTERRR!!")
    'dokter'
    >>> normalize("i want to be a Pilot / polisi atau tentara amin")
    'pilot, polisi, tentara'
    """
    dictionary = dictionary or load_dictionary()
    return ", ".join(_parts(text, dictionary)[0])


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Match:
    code: str | None
    level: str
    method: str | None
    score: float


_UNCODED = _Match(None, "uncoded", None, np.nan)


def _fuzzy(text: str, dictionary: AspirationDictionary, cutoff: float) -> tuple[str, float] | None:
    """Best fuzzy pattern code and score; None below the cutoff or when two codes tie."""
    if len(text.replace(" ", "")) < MIN_FUZZY_LENGTH:
        return None
    choices = dictionary.fuzzy_patterns
    # rapidfuzz's own cutoff drops 1 - 1/5 at a cutoff of 0.8 (a rounding error), so the
    # cutoff is applied here
    found = process.extract(
        text, list(choices), scorer=OSA.normalized_similarity, score_cutoff=cutoff / 200, limit=2
    )
    found = [hit for hit in found if hit[1] >= cutoff / 100 - 1e-9]
    if not found:
        return None
    codes = {choices[choice] for choice, score, _ in found if score == found[0][1]}
    if len(codes) > 1:  # an even tie between two codes is for a human to settle
        return None
    return choices[found[0][0]], round(100 * found[0][1], 1)


def _code_part(part: str, dictionary: AspirationDictionary, cutoff: float) -> _Match:
    """Code one answer: the whole text exactly, else the best pattern found in it.

    Candidates are ranked by level (occupation, field, none), then by how many words they
    cover (so "dokter hewan" beats "dokter"), then by score, then by position. Patterns of
    the none level are searched for in longer answers only when they span two or more words,
    so a lone "tidak" or "tau" inside an answer does not make it "none". Words made only of
    the dictionary's ordinary words are not fuzzy-matched.
    """
    whole = match_key(part)
    if whole in dictionary.patterns:
        code = dictionary.patterns[whole]
        method = "exact" if (whole, code) in dictionary.label_keys else "synonym"
        return _Match(code, dictionary.entries.at[code, "level"], method, 100.0)
    tokens = part.split()
    best, best_rank = _UNCODED, (0, 0, 0.0, 0)
    for size in range(len(tokens), 0, -1):
        for start in range(len(tokens) - size + 1):
            text = " ".join(tokens[start : start + size])
            key = match_key(text)
            found = (dictionary.patterns[key], 100.0) if key in dictionary.patterns else None
            method = "phrase"
            if found is None and not dictionary.ordinary.issuperset(tokens[start : start + size]):
                found, method = _fuzzy(text, dictionary, cutoff), "fuzzy"
            if found is None:
                continue
            level = dictionary.entries.at[found[0], "level"]
            if level == "none" and size == 1 < len(tokens):
                continue
            rank = (_RANK[level], size, found[1], -start)
            if rank > best_rank:
                best, best_rank = _Match(found[0], level, method, found[1]), rank
    return best


#: A negation before these words is about knowing, not wanting: "gak tau, mungkin pilot".
_UNSURE = frozenset({"tahu", "tau", "taw", "know", "sure", "yakin", "ngerti", "paham", "idea"})


def _negated(part: str) -> bool:
    """Whether an answer says what the child does not want ("tidak mau jadi dokter")."""
    tokens = part.replace("don t", "dont").split()
    return any(
        token in NEGATIONS and (i + 1 == len(tokens) or tokens[i + 1] not in _UNSURE)
        for i, token in enumerate(tokens)
    )


def _code_text(
    text: str, dictionary: AspirationDictionary, cutoff: float, memo: dict[str, _Match]
) -> tuple[str, int, _Match]:
    """Normalized text, number of answers named, and the match of the one that counts: the
    first occupation named, else the first field, else an uncoded answer, else a none."""
    parts, emptied = _parts(text, dictionary)
    if not parts:
        method = "filler" if emptied else "empty"
        return "", 0, _Match(VAGUE if emptied else BLANK, "none", method, np.nan)
    matches = []
    for part in parts:
        if part not in memo:
            memo[part] = _code_part(part, dictionary, cutoff)
            if memo[part].level in ("occupation", "field") and _negated(part):
                memo[part] = _Match(None, "uncoded", "negated", np.nan)
        matches.append(memo[part])
    order = {"occupation": 0, "field": 1, "uncoded": 2, "none": 3}
    chosen = min(matches, key=lambda m: order[m.level])  # min keeps the first of equals
    named = sum(m.level != "none" for m in matches)
    return ", ".join(parts), named, chosen


def code_answers(
    answers: pd.Series,
    dictionary: AspirationDictionary | None = None,
    *,
    cutoff: float = FUZZY_CUTOFF,
) -> pd.DataFrame:
    """Code open aspiration answers against the dictionary.

    Parameters
    ----------
    answers
        One answer per participant; the index (participant id) is kept.
    dictionary
        From :func:`load_dictionary`; None for the bundled one.
    cutoff
        Fuzzy similarity needed (0-100), see :data:`FUZZY_CUTOFF`.

    Returns
    -------
    pandas.DataFrame
        Indexed as ``answers``, columns :data:`CODED_COLUMNS`: ``raw`` (the answer as given;
        keep it out of reports, it belongs in the review file only), ``normalized``,
        ``n_named`` (answers named that are not "none": "dokter atau guru" names 2),
        ``level`` (:data:`LEVELS`), ``code``, ``isco_major`` (0-9 for occupations),
        ``label_id``, ``label_en``, ``method`` and ``score`` (0-100).

    Notes
    -----
    Methods: "exact" (the whole answer is the entry's label), "synonym" (the whole answer is
    another of its patterns), "phrase" (a pattern found inside a longer answer: "dokter yang
    baik hati"), "fuzzy" (within the cutoff, rapidfuzz OSA similarity, on the whole answer or
    part of it), "empty" (blank, "-", "?") and "filler" (only fillers, "mau jadi": coded
    none_vague). Patterns and answers are compared without spaces and with repeated letters
    kept once ("dokterr", "pemain sepakbola"). Answers shorter than
    :data:`MIN_FUZZY_LENGTH` letters are matched exactly only. When an answer names several
    ("polisi atau tentara"), the first occupation is coded. Each distinct normalized answer
    is coded once.
    """
    dictionary = dictionary or load_dictionary()
    texts = answers.map(lambda raw: "" if _missing(raw) else str(raw))
    memo: dict[str, _Match] = {}  # answers repeat a lot: each distinct part is coded once
    distinct = pd.unique(texts.to_numpy())
    found = [_code_text(text, dictionary, cutoff, memo) for text in distinct]
    table = pd.DataFrame(
        [(normalized, named, m.level, m.code, m.method, m.score) for normalized, named, m in found],
        index=pd.Index(distinct, name="text"),
        columns=["normalized", "n_named", "level", "code", "method", "score"],
    )
    labels = dictionary.entries.reindex(table["code"])
    for column in ("isco_major", "label_id", "label_en"):
        table[column] = labels[column].to_numpy()
    coded = table.reindex(texts.to_numpy()).set_axis(answers.index)
    coded.insert(0, "raw", answers)
    coded["isco_major"] = coded["isco_major"].astype("Int64")
    return coded[CODED_COLUMNS]


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or other container in a cell
        return False


def review_table(coded: pd.DataFrame, *, include_fuzzy: bool = False) -> pd.DataFrame:
    """Distinct answers a human should look at, most frequent first.

    Parameters
    ----------
    coded
        From :func:`code_answers`.
    include_fuzzy
        Also list fuzzy matches, so a reviewer can confirm them.

    Returns
    -------
    pandas.DataFrame
        One row per distinct normalized answer: ``normalized``, ``count``, ``level``,
        ``code``, ``method``, ``score`` and ``examples`` (up to three distinct raw answers,
        " | "-separated). Add the answers worth keeping to the study's copy of the dictionary.
    """
    keep = coded["level"].eq("uncoded")
    if include_fuzzy:
        keep |= coded["method"].eq("fuzzy")
    rows = coded[keep]
    columns = ["normalized", "count", "level", "code", "method", "score", "examples"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    grouped = rows.groupby("normalized", sort=False)
    table = grouped.agg(
        count=("raw", "size"),
        level=("level", "first"),
        code=("code", "first"),
        method=("method", "first"),
        score=("score", "first"),
        examples=("raw", lambda raw: " | ".join(pd.unique(raw.astype(str)).tolist()[:3])),
    ).reset_index()
    table = table.sort_values(["count", "normalized"], ascending=[False, True], ignore_index=True)
    return table[columns]


# --------------------------------------------------------------------------- pre vs post


@dataclass(frozen=True)
class AspirationTransition:
    """How aspirations changed between two waves, per participant.

    ``table`` is the paired 2x2 table of "names a specific occupation" (rows pre, columns
    post, "yes" first) and ``mcnemar`` its test. ``levels`` counts pre level (rows) x post
    level (columns) over all ``n_pairs`` pairs; ``isco`` (index 0-9; columns ``label_id``,
    ``label_en``, ``pre``, ``post``) counts the ISCO-08 major groups named at each wave by
    the same pairs. ``n_excluded`` pairs had an uncoded answer and were
    left out of ``table`` (with ``uncoded="exclude"``); ``n_pre_only``/``n_post_only`` had no
    partner. ``note`` says in words what was left out.
    """

    n_pairs: int
    n_excluded: int
    n_pre_only: int
    n_post_only: int
    table: pd.DataFrame
    mcnemar: McNemarResult
    levels: pd.DataFrame
    isco: pd.DataFrame
    note: str


def transition(
    pre_coded: pd.DataFrame,
    post_coded: pd.DataFrame,
    *,
    dictionary: AspirationDictionary | None = None,
    uncoded: str = "exclude",
    **mcnemar_options: Any,
) -> AspirationTransition:
    """Pre-to-post change in aspirations of the same participants (paired by index).

    Parameters
    ----------
    pre_coded, post_coded
        :func:`code_answers` of each wave, indexed by participant.
    dictionary
        For the ISCO group labels; None for the bundled one.
    uncoded
        "exclude" (default) leaves pairs with an uncoded answer out of the 2x2 table: the
        dictionary could not tell whether they name an occupation, so review them first.
        "no" counts an uncoded answer as not naming one.
    mcnemar_options
        Passed to :func:`pipeline.stats.mcnemar.mcnemar` (``exact``, ``correct``, ``level``).

    Returns
    -------
    AspirationTransition

    Notes
    -----
    The yes/no outcome is "names a specific occupation" (level "occupation"). A field ("di
    bidang kesehatan", "PNS") is not a specific occupation: career-awareness programs aim
    at children who can name a concrete job, and a field answer is the step before it; the
    ``levels`` table shows movements from field to occupation separately.
    """
    if uncoded not in ("exclude", "no"):
        raise ValueError(f"uncoded must be 'exclude' or 'no'; got {uncoded!r}")
    for wave, frame in (("pre", pre_coded), ("post", post_coded)):
        if frame.index.has_duplicates:
            repeated = frame.index[frame.index.duplicated()].unique().tolist()[:5]
            raise ValueError(f"{wave} answers repeat participant ids {repeated}; pair them first")
    dictionary = dictionary or load_dictionary()
    paired = pre_coded.index.intersection(post_coded.index)
    pre, post = pre_coded.loc[paired], post_coded.loc[paired]
    unknown = pre["level"].eq("uncoded") | post["level"].eq("uncoded")
    analysed = ~unknown if uncoded == "exclude" else pd.Series(True, index=paired)
    yes_no = pd.CategoricalDtype(["yes", "no"], ordered=True)

    def named(frame: pd.DataFrame) -> pd.Series:
        flags = np.where(frame["level"].eq("occupation"), "yes", "no")
        return pd.Series(flags, index=frame.index).astype(yes_no)

    table = pd.crosstab(
        named(pre[analysed]).rename("pre"), named(post[analysed]).rename("post"), dropna=False
    )
    level_dtype = pd.CategoricalDtype(list(LEVELS), ordered=True)
    levels = pd.crosstab(
        pre["level"].astype(level_dtype).rename("pre"),
        post["level"].astype(level_dtype).rename("post"),
        dropna=False,
    )
    isco = dictionary.isco_groups.copy()
    for wave, frame in (("pre", pre), ("post", post)):
        counts = frame["isco_major"].dropna().astype(int).value_counts()
        isco[wave] = counts.reindex(isco.index, fill_value=0).astype(int)
    n_excluded = int((~analysed).sum())
    return AspirationTransition(
        n_pairs=len(paired),
        n_excluded=n_excluded,
        n_pre_only=len(pre_coded.index.difference(paired)),
        n_post_only=len(post_coded.index.difference(paired)),
        table=table,
        mcnemar=mcnemar_table(table.to_numpy(), **mcnemar_options),
        levels=levels,
        isco=isco,
        note=_transition_note(len(paired), n_excluded, int(unknown.sum()), uncoded),
    )


def _transition_note(n_pairs: int, n_excluded: int, n_unknown: int, uncoded: str) -> str:
    if not n_unknown:
        return ""
    if uncoded == "exclude":
        return (
            f"{n_excluded} of {n_pairs} pairs had an uncoded answer and are left out of "
            "the test; add them to the dictionary to use them"
        )
    return f"{n_unknown} of {n_pairs} pairs had an uncoded answer, counted as naming none"


# --------------------------------------------------------------------------- simulation


def level_counts(coded: pd.DataFrame) -> pd.DataFrame:
    """Answers per group, wave and level (every level listed, zeros included), with shares."""
    counts = coded.groupby(["group", "wave"])["level"].value_counts().rename("n").reset_index()
    counts["level"] = pd.Categorical(counts["level"], categories=list(LEVELS), ordered=True)
    full = (
        counts.set_index(["group", "wave", "level"])["n"]
        .unstack("level", fill_value=0)
        .reindex(columns=list(LEVELS), fill_value=0)
        .stack()
        .rename("n")
        .reset_index()
    )
    full["share"] = full["n"] / full.groupby(["group", "wave"])["n"].transform("sum")
    full["level"] = full["level"].astype(str)
    return full
