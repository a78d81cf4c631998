"""Which column identifies the participants of a study, judged before any row is merged.

The study's ``columns.id`` (one column, or several in order of preference) is judged in every
wave (:func:`pipeline.stages.identity.judge_id_column`): masked names, initials, very short or
highly repeated values cannot tell people apart, and rows are never deduplicated or matched on
such a column. The first declared column that can is used; when none can, a student-number or
e-mail column of the exports is the fallback (one warning says so); when there is none either,
the study stops with the remedy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from pipeline.config import IdKind, Study
from pipeline.errors import InputError, Problem
from pipeline.stages.header_names import header_key
from pipeline.stages.headers import CONTACT_PREFIX, KEY_PREFIX
from pipeline.stages.identity import (
    REASONS,
    IdJudgement,
    first_usable_key,
    guess_id_kind,
    judge_id_column,
)
from pipeline.text import normalize_text, resolve_column

__all__ = ["REASONS_ID", "IdChoice", "IdKey", "choose_key", "id_keys", "key_values"]

#: Headers of student-number columns, as header keys.
_NUMBER_HEADER = re.compile(r"\b(nim|npm|nis|nisn|nomor induk|no induk|student (id|number))\b")
#: Headers of e-mail columns, as header keys.
_EMAIL_HEADER = re.compile(r"\b(e ?mail|surel|email address|alamat email)\b")
#: Why a column cannot identify people, in Indonesian (English: ``identity.REASONS``).
REASONS_ID = {
    "blank": "kolom kosong",
    "masked": "nilai disamarkan dengan tanda (*, •, xxx)",
    "initials": "inisial, bukan nama",
    "short": "nilai terlalu pendek untuk membedakan orang",
    "repeated": "nilai yang sama dipakai banyak baris",
    "collisions": "terlalu banyak baris bernilai sama setelah dinormalkan",
}


@dataclass(frozen=True)
class IdKey:
    """A column that may identify participants.

    Attributes
    ----------
    name
        Its column in the ingested frame: ``participant`` for the first declared id column,
        ``key__1``, ``key__2`` ... for the others.
    header
        The export header (as declared, or as the first export spells it).
    kind
        The declared kind, or None (read off the values).
    declared
        True for the study's ``columns.id``; False for a student-number or e-mail column
        found in the exports.
    """

    name: str
    header: str
    kind: IdKind | None
    declared: bool


@dataclass(frozen=True)
class IdChoice:
    """The column that identifies participants, and why.

    Attributes
    ----------
    header
        The export header of the chosen column.
    kind
        How its values are compared (``name``, ``number``, ``email``).
    declared
        Whether the study declared it (False: a fallback found in the exports).
    names
        The frame column holding names usable beside student numbers (a declared name column
        judged identifying), for the near-miss review; None when there is none.
    judgements
        Every judgement made, in order.
    """

    header: str
    kind: IdKind
    declared: bool
    names: str | None
    judgements: tuple[IdJudgement, ...]


def _found_keys(headers: list[str], taken: set[str]) -> list[tuple[str, IdKind]]:
    """Student-number columns, then e-mail columns, by their headers."""
    numbers = [(h, "number") for h in headers if _NUMBER_HEADER.search(header_key(h))]
    emails = [(h, "email") for h in headers if _EMAIL_HEADER.search(header_key(h))]
    return [(h, k) for h, k in numbers + emails if normalize_text(h) not in taken]


def id_keys(study: Study, headers_by_wave: dict[str, list[str]]) -> list[IdKey]:
    """The declared id columns in order, then the student-number and e-mail columns the
    exports have (by header), each once."""
    columns = study.columns
    keys = [
        IdKey("participant" if k == 0 else f"{KEY_PREFIX}{k}", header, kind, True)
        for k, (header, kind) in enumerate(zip(columns.id_columns, columns.id_kinds, strict=True))
    ]
    taken = {normalize_text(h) for h in columns.id_columns}
    for headers in headers_by_wave.values():
        for header, kind in _found_keys(headers, taken):
            keys.append(IdKey(f"{KEY_PREFIX}{len(keys)}", header, kind, False))
            taken.add(normalize_text(header))
    return keys


def key_values(frame: pd.DataFrame, key: IdKey) -> pd.Series:
    """The key's column of one export as text ("" where the export lacks it)."""
    column = resolve_column(list(frame.columns), key.header)
    if column is None:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype(str).str.strip()


def choose_key(
    responses: pd.DataFrame, keys: list[IdKey], study: Study
) -> tuple[pd.DataFrame, IdChoice, list[Problem]]:
    """Judge the keys in every wave and put the first that identifies people in
    ``participant``.

    Parameters
    ----------
    responses
        The ingested rows of every wave: ``participant`` and the ``key__`` columns.
    keys
        The candidate keys (:func:`id_keys`), in order.
    study
        The study (its file is named in messages).

    Returns
    -------
    tuple
        The rows with ``participant`` holding the chosen key and no ``key__`` column (the
        other declared id columns kept as contacts: personal data, in the participant key
        only), the choice, and a warning when another column replaced the first declared one.

    Raises
    ------
    InputError
        When no key identifies people in every wave: nothing is merged, and the message says
        why and what to add.
    """
    waves = {wave: part for wave, part in responses.groupby("wave", sort=False)}
    kinds = {k.name: k.kind or guess_id_kind(responses[k.name]) for k in keys}
    headers = {k.name: k.header for k in keys}
    chosen, judgements = first_usable_key(waves, [(k.name, kinds[k.name]) for k in keys])
    if chosen is None:
        raise InputError(
            [_no_key_problem(judgements, headers, keys, study)],
            "No column can tell the participants apart",
        )
    key = next(k for k in keys if k.name == chosen[0])
    problems = []
    if key.name != "participant":
        problems.append(_fallback_problem(judgements, headers, key, study))
    names = _names_column(waves, keys, key, kinds)
    personal = {
        CONTACT_PREFIX + normalize_text(k.header): responses[k.name]
        for k in keys
        if k.declared and k is not key
    }
    out = responses
    if len(keys) > 1:
        extra = [k.name for k in keys if k.name != "participant"]
        out = responses.assign(**personal, participant=responses[key.name]).drop(columns=extra)
    if names is not None:
        names = CONTACT_PREFIX + normalize_text(headers[names])
    choice = IdChoice(key.header, kinds[key.name], key.declared, names, tuple(judgements))
    return out, choice, problems


def _names_column(
    waves: dict[str, pd.DataFrame], keys: list[IdKey], chosen: IdKey, kinds: dict[str, str]
) -> str | None:
    """A declared name column beside a chosen student-number key that identifies people in
    every wave (its frame column), for the near-miss review of student numbers."""
    if kinds[chosen.name] != "number":
        return None
    for key in keys:
        if key.declared and key is not chosen and kinds[key.name] == "name":
            verdicts = [judge_id_column(part[key.name], kind="name") for part in waves.values()]
            if all(v.usable for v in verdicts):
                return key.name
    return None


def _why(judgement: IdJudgement, headers: dict[str, str]) -> dict[str, object]:
    """The numbers behind a verdict, for the message template."""
    return {
        **judgement.details(),
        "reasons_en": "; ".join(REASONS[r] for r in judgement.reasons),
        "reasons_id": "; ".join(REASONS_ID[r] for r in judgement.reasons),
        "header": headers.get(judgement.column or "", judgement.column),
    }


def _fallback_problem(
    judgements: list[IdJudgement], headers: dict[str, str], key: IdKey, study: Study
) -> Problem:
    failed = next(j for j in judgements if not j.usable)
    return Problem(
        "id_fallback",
        file=str(study.source),
        column=headers[failed.column],
        value=failed.examples[0] if failed.examples else "",
        details={**_why(failed, headers), "chosen": key.header},
        severity="warning",
    )


def _no_key_problem(
    judgements: list[IdJudgement], headers: dict[str, str], keys: list[IdKey], study: Study
) -> Problem:
    failed = next(j for j in judgements if not j.usable)
    tried = ", ".join(f"'{k.header}'" for k in keys)
    return Problem(
        "id_not_identifying",
        file=str(study.source),
        column=headers[failed.column],
        value=failed.examples[0] if failed.examples else "",
        details={**_why(failed, headers), "tried": tried},
    )
