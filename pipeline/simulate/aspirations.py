"""Simulated answers to the open aspiration question, messy the way children write them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pipeline.program.aspiration_dictionary import BLANK, AspirationDictionary, load_dictionary

__all__ = ["simulate_answers"]


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
    if code == BLANK:
        return _BLANKS[int(rng.integers(len(_BLANKS)))], code
    return _dress(_surface(written[code], rng), rng, lead=["", "hmm"], p_lead=0.1), code
