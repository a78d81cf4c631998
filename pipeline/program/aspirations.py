"""Coding open answers to "Kamu ingin menjadi apa?" and testing whether aspirations changed.

Children answer the open question before and after a career-awareness program in their own
words, in Indonesian, English or a regional language, with typos and fillers ("mau jadi
dokterrr", "i want to be a pilot", "belum tau"). This module codes each answer against a
user-editable dictionary (``resources/aspirations.yaml``) to one of four levels:

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

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from pipeline.config import _read_yaml
from pipeline.errors import ConfigError, Problem
from pipeline.stats.mcnemar import McNemarResult, mcnemar_table

__all__ = [
    "CODED_COLUMNS",
    "FUZZY_CUTOFF",
    "LEVELS",
    "MIN_FUZZY_LENGTH",
    "AspirationDictionary",
    "AspirationTransition",
    "code_answers",
    "default_dictionary_path",
    "load_dictionary",
    "normalize",
    "review_table",
    "simulate_answers",
    "transition",
]

LEVELS = ("occupation", "field", "none", "uncoded")
#: Fuzzy matches need this similarity (0-100): 100 x (1 - OSA edit distance / longer length),
#: where a swap of two neighbouring letters is one edit. At 80 a word of 5-9 letters may carry
#: one typo and one of 10-14 letters two; "dokter" with "doktr" or "dkoter" scores 83.
FUZZY_CUTOFF = 80.0
#: Answers and patterns shorter than this (without spaces) are matched exactly only.
MIN_FUZZY_LENGTH = 4
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
_SECTIONS = {"none": "none", "fields": "field", "occupations": "occupation"}
_TOP_KEYS = {"version", "isco_major_groups", "fillers", "separators", "ordinary_words"}
_TOP_KEYS |= set(_SECTIONS)
_ENTRY_KEYS = {"code", "label_id", "label_en", "patterns", "isco", "note"}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_SEPARATOR = ","
_BLANK, _VAGUE = "none_blank", "none_vague"


# --------------------------------------------------------------------------- the dictionary


@dataclass(frozen=True)
class AspirationDictionary:
    """A validated aspiration dictionary, ready for matching.

    ``entries`` has one row per code (index ``code``; columns ``level``, ``isco_major``,
    ``label_id``, ``label_en``). ``patterns`` maps each matching key (see :func:`_key`) to its
    code; ``fuzzy_patterns`` maps each pattern as read (cleaned, fillers removed) to its code,
    with its spaces, so a fuzzy match cannot run across word boundaries ("masuk akpol" is
    not "masak masak"), and doubled letters kept, since a dropped letter may leave two alike
    ("tentara" -> "tentaa"). A match on a key in ``label_keys`` (pairs of key and code, from
    the labels) is "exact", on any other pattern "synonym". Fuzzy matching leaves
    ``ordinary`` words alone. ``written`` holds each code's patterns as the file spells them;
    ``isco_groups`` labels the ISCO-08 major groups 0-9.
    """

    source: str
    entries: pd.DataFrame
    patterns: Mapping[str, str]
    fuzzy_patterns: Mapping[str, str]
    label_keys: frozenset[tuple[str, str]]
    written: Mapping[str, tuple[str, ...]]
    leading: tuple[tuple[str, ...], ...]
    trailing: tuple[tuple[str, ...], ...]
    separators: frozenset[str]
    ordinary: frozenset[str]
    isco_groups: pd.DataFrame


def default_dictionary_path() -> Path:
    """The dictionary shipped with pkm-eval (``pipeline/resources/aspirations.yaml``)."""
    return Path(str(resources.files("pipeline.resources").joinpath("aspirations.yaml")))


def load_dictionary(path: str | Path | None = None) -> AspirationDictionary:
    """Load and validate an aspiration dictionary.

    Parameters
    ----------
    path
        A YAML file laid out as the bundled one (whose header documents the format); None for
        the bundled dictionary. A study copies the bundled file and adds its own answers.

    Raises
    ------
    ConfigError
        With every problem found (not just the first), each naming the file, the entry
        (section, position and code) and what was expected: missing or unknown keys, codes
        that are not snake_case or are used twice, ISCO groups outside 0-9, patterns that are
        not text, contain a separator word or are only fillers, and patterns that two codes
        share once spaces and doubled letters are ignored.
    """
    path = Path(path) if path is not None else default_dictionary_path()
    data = _read_yaml(path, "aspiration dictionary")
    found = _Problems(str(path))
    _check_layout(data, found)
    found.raise_if_any()
    fillers = data["fillers"]
    builder = _Builder(
        found,
        leading=_phrases(fillers.get("leading", [])),
        trailing=_phrases(fillers.get("trailing", [])),
        separators=frozenset(_clean(word) for word in data.get("separators", [])),
    )
    for section, level in _SECTIONS.items():
        for position, entry in enumerate(data[section]):
            builder.add_entry(entry, level, f"{section}.{position}")
    found.raise_if_any()
    isco = pd.DataFrame.from_dict(data["isco_major_groups"], orient="index")
    isco.index = isco.index.astype(int).rename("isco_major")
    return AspirationDictionary(
        source=str(path),
        entries=pd.DataFrame(builder.rows).set_index("code").astype({"isco_major": "Int64"}),
        patterns=builder.patterns,
        fuzzy_patterns={
            text: code
            for text, code in builder.spelled.items()
            if len(text.replace(" ", "")) >= MIN_FUZZY_LENGTH
        },
        label_keys=frozenset(builder.label_keys),
        written=builder.written,
        leading=builder.leading,
        trailing=builder.trailing,
        separators=builder.separators,
        ordinary=frozenset(_clean(" ".join(data.get("ordinary_words", []))).split()),
        isco_groups=isco.sort_index()[["label_id", "label_en"]],
    )


@dataclass
class _Problems:
    """Problems of one dictionary file, collected so that all are reported at once."""

    file: str
    found: list[Problem] = field(default_factory=list)

    def add(self, code: str, where: str, value: Any = None, expected: str | None = None) -> None:
        self.found.append(Problem(code, file=self.file, column=where, value=value,
                                  expected=expected))  # fmt: skip

    def raise_if_any(self) -> None:
        if self.found:
            raise ConfigError(self.found, f"The aspiration dictionary {self.file} is invalid")


def _texts(values: Iterable[Any]) -> bool:
    return all(isinstance(v, str) and v.strip() for v in values)


def _check_layout(data: Mapping[str, Any], problems: _Problems) -> None:
    """Top-level sections, ISCO labels, fillers and separators; entries are checked later."""
    for key in data:
        if key not in _TOP_KEYS:
            problems.add("config_key_unknown", key, key, f"one of {sorted(_TOP_KEYS)}")
    for key in ("isco_major_groups", "fillers", *_SECTIONS):
        if key not in data:
            problems.add("config_key_missing", key)
    groups = data.get("isco_major_groups", {})
    fillers = data.get("fillers", {})
    separators = data.get("separators", [])
    ordinary = data.get("ordinary_words", [])
    rules = [  # (broken, where, value, expected)
        *[(not isinstance(data.get(key, []), list), key, data.get(key), "a list of entries")
          for key in _SECTIONS],
        (not isinstance(groups, Mapping) or set(groups) != set(range(10)), "isco_major_groups",
         groups, "the major groups 0-9 as keys, each with label_id and label_en"),
        *[(not (isinstance(labels, Mapping) and _texts(labels.get(k) for k in ("label_id",
                                                                             "label_en"))),
           f"isco_major_groups.{number}", labels, "label_id and label_en, both text")
          for number, labels in (groups.items() if isinstance(groups, Mapping) else [])],
        (not (isinstance(fillers, Mapping) and set(fillers) <= {"leading", "trailing"}
              and all(isinstance(v, list) and _texts(v) for v in fillers.values())),
         "fillers", fillers, "leading: and trailing: lists of text"),
        (not (isinstance(separators, list) and _texts(separators)), "separators", separators,
         "a list of words"),
        (not (isinstance(ordinary, list) and _texts(ordinary)), "ordinary_words", ordinary,
         "a list of words"),
    ]  # fmt: skip
    for broken, where, value, expected in rules:
        if broken:
            problems.add("config_value_invalid", where, value, expected)


def _entry_rules(entry: Mapping[str, Any], level: str, seen: Mapping[str, str]) -> list:
    """The rules one entry must follow, as (broken, key, value, expected) tuples."""
    code, isco, patterns = entry.get("code"), entry.get("isco"), entry.get("patterns")
    patterns_listed = isinstance(patterns, list)
    return [
        ("code" in entry and not (isinstance(code, str) and _CODE.match(code)), "code", code,
         "a snake_case code: lower-case letters, digits and _"),
        (isinstance(code, str) and code in seen, "code", code,
         f"a code used once; it is already used at {seen.get(code)}"),
        (level == "occupation" and "isco" in entry
         and not (type(isco) is int and 0 <= isco <= 9),
         "isco", isco, "an ISCO-08 major group, a whole number 0-9"),
        ("patterns" in entry and not (patterns_listed and patterns), "patterns", patterns,
         "a non-empty list of patterns"),
        (patterns_listed and not _texts(patterns), "patterns",
         next((p for p in patterns if not isinstance(p, str)), None) if patterns_listed else None,
         "text only; quote words YAML reads otherwise: 'no', 'yes', 'on', 'off', 'null'"),
        (not _texts(entry.get(k, "?") for k in ("label_id", "label_en")), "label_id",
         entry.get("label_id"), "label_id and label_en as text"),
    ]  # fmt: skip


@dataclass
class _Builder:
    """Checks entries one by one and indexes the patterns of the valid ones."""

    problems: _Problems
    leading: tuple[tuple[str, ...], ...]
    trailing: tuple[tuple[str, ...], ...]
    separators: frozenset[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    patterns: dict[str, str] = field(default_factory=dict)  # key -> code
    spelled: dict[str, str] = field(default_factory=dict)  # as read, spaces kept -> code
    label_keys: set[tuple[str, str]] = field(default_factory=set)
    written: dict[str, tuple[str, ...]] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # code -> where
    owners: dict[str, str] = field(default_factory=dict)  # key -> where

    def add_entry(self, entry: Any, level: str, where: str) -> None:
        if not isinstance(entry, Mapping):
            expected = "an entry with code, label_id, label_en and patterns"
            self.problems.add("config_value_invalid", where, entry, expected)
            return
        code = entry.get("code")
        where = f"{where} [{code}]" if isinstance(code, str) else where
        if not self._valid(entry, level, where):
            return
        self.codes[code] = where
        labels = {"label_id": entry["label_id"], "label_en": entry["label_en"]}
        self.rows.append({"code": code, "level": level, "isco_major": entry.get("isco"), **labels})
        self.label_keys |= {(_key(self._read(label)), code) for label in labels.values()}
        self.written[code] = tuple(entry["patterns"])
        for number, pattern in enumerate(entry["patterns"]):
            self._add_pattern(pattern, code, f"{where}.patterns.{number}")

    def _valid(self, entry: Mapping[str, Any], level: str, where: str) -> bool:
        before = len(self.problems.found)
        required = ["code", "label_id", "label_en", "patterns"]
        required += ["isco"] if level == "occupation" else []
        for key in required:
            if key not in entry:
                self.problems.add("config_key_missing", f"{where}.{key}")
        allowed = _ENTRY_KEYS - ({"isco"} if level != "occupation" else set())
        for key in set(entry) - allowed:
            self.problems.add(
                "config_key_unknown", f"{where}.{key}", key, ", ".join(sorted(allowed))
            )
        for broken, key, value, expected in _entry_rules(entry, level, self.codes):
            if broken:
                self.problems.add("config_value_invalid", f"{where}.{key}", value, expected)
        return len(self.problems.found) == before

    def _read(self, text: str) -> str:
        """A pattern as the matcher reads an answer: cleaned, fillers removed."""
        tokens = _clean(text).split()
        return " ".join(_strip_fillers(tokens, self.leading, self.trailing))

    def _add_pattern(self, pattern: str, code: str, where: str) -> None:
        read = self._read(pattern)
        key = _key(read)
        broken = None
        if self.separators & set(_clean(pattern).split()):
            broken = (f"'{pattern}' without a separator word (answers are split at "
                      f"{sorted(self.separators)} before matching)")  # fmt: skip
        elif not key and code != _VAGUE:  # emptied answers are none_vague anyway
            broken = f"'{pattern}' to be more than filler words"
        elif self.patterns.get(key, code) != code:
            broken = (f"one code per pattern; '{pattern}' reads as '{key}', which "
                      f"{self.owners[key]} already uses for {self.patterns[key]}")  # fmt: skip
        if broken:
            self.problems.add("config_rule_broken", where, pattern, broken)
        elif key:
            self.patterns.setdefault(key, code)
            self.owners.setdefault(key, where)
            self.spelled.setdefault(read, code)


# --------------------------------------------------------------------------- normalizing


def _clean(text: object) -> str:
    """Lower case, accents and punctuation removed, "cita2" read as "cita cita", letters
    repeated three or more times kept once; list punctuation becomes a "," token."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    text = unicodedata.normalize("NFKD", str(text).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"([a-z]+)2", r"\1 \1 ", text)  # Indonesian reduplication: anak2, cita2ku
    text = re.sub(r"[,;/&+|\n]", f" {_SEPARATOR} ", text)
    text = re.sub(r"[^a-z,]+", " ", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)
    return " ".join(text.split())


def _key(text: str) -> str:
    """The matching key: no spaces, every run of a repeated letter kept once."""
    return re.sub(r"(.)\1+", r"\1", text.replace(" ", ""))


def _phrases(words: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """Filler phrases as token tuples, longest first so the longest one is removed."""
    phrases = {tuple(_clean(w).split()) for w in words} - {()}
    return tuple(sorted(phrases, key=lambda p: (-len(p), p)))


def _strip_fillers(
    tokens: list[str],
    leading: tuple[tuple[str, ...], ...],
    trailing: tuple[tuple[str, ...], ...],
) -> list[str]:
    """Remove leading and trailing filler phrases for as long as any is found."""
    changed = True
    while tokens and changed:
        changed = False
        for phrase in leading:
            if tuple(tokens[: len(phrase)]) == phrase:
                tokens, changed = tokens[len(phrase) :], True
                break
        for phrase in trailing:
            if len(tokens) >= len(phrase) and tuple(tokens[-len(phrase) :]) == phrase:
                tokens, changed = tokens[: -len(phrase)], True
                break
    return tokens


def _parts(text: object, dictionary: AspirationDictionary) -> tuple[list[str], bool]:
    """The answers named in one text, fillers removed; and whether fillers emptied it."""
    tokens = [_SEPARATOR if t in dictionary.separators else t for t in _clean(text).split()]
    parts, current = [], []
    for token in [*tokens, _SEPARATOR]:
        if token != _SEPARATOR:
            current.append(token)
        elif current:
            parts.append(current)
            current = []
    kept = [_strip_fillers(p, dictionary.leading, dictionary.trailing) for p in parts]
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
    whole = _key(part)
    if whole in dictionary.patterns:
        code = dictionary.patterns[whole]
        method = "exact" if (whole, code) in dictionary.label_keys else "synonym"
        return _Match(code, dictionary.entries.at[code, "level"], method, 100.0)
    tokens = part.split()
    best, best_rank = _UNCODED, (0, 0, 0.0, 0)
    for size in range(len(tokens), 0, -1):
        for start in range(len(tokens) - size + 1):
            text = " ".join(tokens[start : start + size])
            key = _key(text)
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
        return "", 0, _Match(_VAGUE if emptied else _BLANK, "none", method, np.nan)
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

#: How often the simulation names each occupation, relative to 1 for the rest: a plausible
#: order for testing (doctor, teacher, police, soldier first), not an estimate from data.
_POPULAR = {
    "doctor": 12, "teacher": 10, "police": 9, "soldier": 8, "footballer": 7, "pilot": 6,
    "content_creator": 6, "religious_scholar": 4, "nurse": 4, "entrepreneur": 4, "cook": 3,
    "singer": 3, "actor": 3, "athlete": 3, "midwife": 2, "engineer": 2, "programmer": 2,
    "firefighter": 2, "farmer": 2, "trader": 2, "hafiz": 2, "quran_teacher": 2,
    "flight_attendant": 2, "astronaut": 2, "veterinarian": 2, "president": 2, "lecturer": 2,
}  # fmt: skip
_MIX = {  # level shares per wave; the program leaves fewer children without an answer
    "pre": {"occupation": 0.60, "field": 0.09, "none": 0.28, "uncoded": 0.03},
    "post": {"occupation": 0.75, "field": 0.12, "none": 0.10, "uncoded": 0.03},
}
_NONE_MIX = {"none_blank": 0.3, "none_dont_know": 0.52, "none_vague": 0.14, "none_fantasy": 0.04}
_LEAD = [
    "mau jadi", "ingin menjadi", "Cita-cita saya", "aku mau jadi", "pengen jadi", "jadi",
    "saya ingin menjadi seorang", "kalau sudah besar mau jadi", "I want to be a", "cita2 ku",
    "Mau jd", "pingin dadi", "pgn jadi", "hoyong janten", "menjadi",
]  # fmt: skip
_TRAIL = [" yang sukses", " amin", "!!", "...", " hehe", " yang baik", ".", " insyaallah"]
_FIELD_LEAD = ["di bidang", "kerja di bidang", "pengen kerja di", "bidang", "kerja di"]
_BLANKS = ["", "-", "?", None, " ", "...", "--"]
_SYLLABLES = [c + v for c in "qxvzf" for v in "aiueo"]


def _typo(text: str, rng: np.random.Generator) -> str:
    """One keyboard slip in a random word of three or more letters: two neighbouring letters
    swapped, one dropped, or one doubled (never the first letter)."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
    if not long_words:
        return text
    i = long_words[rng.integers(len(long_words))]
    word, at = words[i], int(rng.integers(1, len(words[i]) - 1))
    kind = rng.integers(3)
    if kind == 0:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind == 1:
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + word[at] + word[at:]
    words[i] = word
    return " ".join(words)


def _dress(text: str, rng: np.random.Generator, *, lead: list[str], p_lead: float) -> str:
    """Fillers, a typo, drawn-out letters and casing, as children write."""
    if rng.random() < 0.15:
        text = _typo(text, rng)
    if rng.random() < 0.05:
        text = text + text[-1] * int(rng.integers(2, 4))
    if rng.random() < p_lead:
        text = f"{lead[rng.integers(len(lead))]} {text}"
    if rng.random() < 0.08:
        text = text + _TRAIL[rng.integers(len(_TRAIL))]
    casing = rng.random()
    return text.upper() if casing < 0.15 else text.capitalize() if casing < 0.45 else text


def _pick(codes: list[str], weights: np.ndarray, rng: np.random.Generator) -> str:
    return codes[int(rng.choice(len(codes), p=weights / weights.sum()))]


def _surface(patterns: tuple[str, ...], rng: np.random.Generator) -> str:
    """The first pattern half of the time, else any (English and regional variants too)."""
    return patterns[0] if rng.random() < 0.5 else patterns[int(rng.integers(len(patterns)))]


def simulate_answers(
    rng: np.random.Generator,
    n: int,
    kind: str = "pre",
    *,
    dictionary: AspirationDictionary | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Messy open answers with known codes, for testing the coder.

    Parameters
    ----------
    rng
        A seeded ``numpy.random.Generator``.
    n
        Number of answers.
    kind
        "pre" or "post": post answers are less often "none" (:data:`_MIX`).
    dictionary
        Answers are drawn from its patterns; None for the bundled one.

    Returns
    -------
    answers : pandas.Series
        The answers (index 0..n-1), as children write them: fillers, typos (15%), drawn-out
        letters, casing, English and regional variants, second answers ("dokter atau guru"),
        blanks and "belum tau"s, field-only answers, and about 3% made-up words the
        dictionary cannot know.
    truth : pandas.DataFrame
        ``level`` and ``code`` of each answer (the first occupation named; "uncoded" and no
        code for made-up words).
    """
    if kind not in _MIX:
        raise ValueError(f"kind must be 'pre' or 'post'; got {kind!r}")
    dictionary = dictionary or load_dictionary()
    written = dictionary.written
    table = dictionary.entries
    occupations = table.index[table["level"] == "occupation"].tolist()
    weights = np.array([_POPULAR.get(c, 1.0) for c in occupations], dtype=float)
    fields = table.index[table["level"] == "field"].tolist()
    levels = list(_MIX[kind])
    answers, truth = [], []
    for _ in range(n):
        level = levels[int(rng.choice(len(levels), p=list(_MIX[kind].values())))]
        text, code = _simulate_one(level, rng, written, occupations, weights, fields)
        answers.append(text)
        truth.append((level, code))
    return pd.Series(answers, dtype=object, name="answer"), pd.DataFrame(
        truth, columns=["level", "code"]
    )


def _simulate_one(
    level: str,
    rng: np.random.Generator,
    written: Mapping[str, tuple[str, ...]],
    occupations: list[str],
    weights: np.ndarray,
    fields: list[str],
) -> tuple[str | None, str | None]:
    if level == "occupation":
        code = _pick(occupations, weights, rng)
        text = _dress(_surface(written[code], rng), rng, lead=_LEAD, p_lead=0.4)
        if rng.random() < 0.06:
            other = written[_pick(occupations, weights, rng)][0]
            text += [" dan ", ", ", " atau ", "/"][int(rng.integers(4))] + other
        return text, code
    if level == "field":
        code = fields[int(rng.integers(len(fields)))]
        return _dress(_surface(written[code], rng), rng, lead=_FIELD_LEAD, p_lead=0.5), code
    if level == "uncoded":
        word = "".join(rng.choice(_SYLLABLES, size=int(rng.integers(2, 4))))
        return _dress(word, rng, lead=_LEAD, p_lead=0.3), None
    code = _pick(list(_NONE_MIX), np.array(list(_NONE_MIX.values())), rng)
    if code == _BLANK:
        return _BLANKS[int(rng.integers(len(_BLANKS)))], code
    return _dress(_surface(written[code], rng), rng, lead=["", "hmm"], p_lead=0.1), code
