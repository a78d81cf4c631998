"""The aspiration dictionary: a user-editable YAML file of occupations, fields and "none"
answers with their spellings, checked entry by entry and built into lookup tables for coding
open answers to "Kamu ingin menjadi apa?" (see :mod:`pipeline.program.aspirations`)."""

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

from pipeline.config.base import read_yaml
from pipeline.errors import ConfigError, Problem

__all__ = [
    "BLANK",
    "MIN_FUZZY_LENGTH",
    "SEPARATOR",
    "VAGUE",
    "AspirationDictionary",
    "clean_answer",
    "default_dictionary_path",
    "load_dictionary",
    "match_key",
    "phrases",
    "strip_fillers",
]

#: Answers and patterns shorter than this (without spaces) are matched exactly only.
MIN_FUZZY_LENGTH = 4
#: The codes of an empty answer and of one only fillers ("mau jadi") leave.
BLANK, VAGUE = "none_blank", "none_vague"
_SECTIONS = {"none": "none", "fields": "field", "occupations": "occupation"}


_TOP_KEYS = {"version", "isco_major_groups", "fillers", "separators", "ordinary_words"}
_TOP_KEYS |= set(_SECTIONS)


_ENTRY_KEYS = {"code", "label_id", "label_en", "patterns", "isco", "note"}


_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


SEPARATOR = ","


@dataclass(frozen=True)
class AspirationDictionary:
    """A validated aspiration dictionary, ready for matching.

    ``entries`` has one row per code (index ``code``; columns ``level``, ``isco_major``,
    ``label_id``, ``label_en``). ``patterns`` maps each matching key (see :func:`match_key`) to its
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
    data = read_yaml(path, "aspiration dictionary")
    found = _Problems(str(path))
    _check_layout(data, found)
    found.raise_if_any()
    fillers = data["fillers"]
    builder = _Builder(
        found,
        leading=phrases(fillers.get("leading", [])),
        trailing=phrases(fillers.get("trailing", [])),
        separators=frozenset(clean_answer(word) for word in data.get("separators", [])),
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
        ordinary=frozenset(clean_answer(" ".join(data.get("ordinary_words", []))).split()),
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
        self.label_keys |= {(match_key(self._read(label)), code) for label in labels.values()}
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
        tokens = clean_answer(text).split()
        return " ".join(strip_fillers(tokens, self.leading, self.trailing))

    def _add_pattern(self, pattern: str, code: str, where: str) -> None:
        read = self._read(pattern)
        key = match_key(read)
        broken = None
        if self.separators & set(clean_answer(pattern).split()):
            broken = (f"'{pattern}' without a separator word (answers are split at "
                      f"{sorted(self.separators)} before matching)")  # fmt: skip
        elif not key and code != VAGUE:  # emptied answers are none_vague anyway
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


def clean_answer(text: object) -> str:
    """An answer or pattern as matching sees it: lower case, accents and punctuation
    removed, "cita2" read as "cita cita", letters repeated three or more times kept once;
    list punctuation becomes a "," token."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    text = unicodedata.normalize("NFKD", str(text).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"([a-z]+)2", r"\1 \1 ", text)  # Indonesian reduplication: anak2, cita2ku
    text = re.sub(r"[,;/&+|\n]", f" {SEPARATOR} ", text)
    text = re.sub(r"[^a-z,]+", " ", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)
    return " ".join(text.split())


def match_key(text: str) -> str:
    """The matching key: no spaces, every run of a repeated letter kept once."""
    return re.sub(r"(.)\1+", r"\1", text.replace(" ", ""))


def phrases(words: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """Filler phrases as token tuples, longest first so the longest one is removed."""
    phrases = {tuple(clean_answer(w).split()) for w in words} - {()}
    return tuple(sorted(phrases, key=lambda p: (-len(p), p)))


def strip_fillers(
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
