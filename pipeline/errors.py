"""Problems found in user input, and the one exception family that carries them.

Every stage collects :class:`Problem` records instead of raising at the first one; a stage
that cannot go on raises a :class:`PkmEvalError` subclass holding the whole list, and the CLI
prints that list and exits 1. A problem says what was found, where (file, the row number as a
spreadsheet shows it, the column or configuration key) and what was expected, in Indonesian and
English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from pipeline.resources import read_yaml

__all__ = [
    "ConfigError",
    "InputError",
    "OutputError",
    "PkmEvalError",
    "Problem",
    "ReportError",
    "bilingual",
    "mask",
    "problems_frame",
    "reasons_by_row",
]

_MAX_VALUE_CHARS = 80


@cache
def _templates() -> Mapping[str, Mapping[str, str]]:
    return read_yaml("messages.yaml")


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


_PHONE_MARKS = re.compile(r"[\s()+.\-]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def mask(value: Any, language: str) -> str:
    """What a cell held, by kind and length only ("a number of 12 digits", "an e-mail address",
    "a text of 14 characters"): a name, phone number or e-mail typed into the wrong column
    must not be quoted back in a report."""
    text = "" if value is None else str(value).strip()
    words = _templates()["masked_value"]
    digits = _PHONE_MARKS.sub("", text)
    if digits.isdigit():
        return words["number"][language].format(n=len(digits))
    if _EMAIL.match(text):
        return words["email"][language]
    return words["text"][language].format(n=len(text))


def bilingual(en: str, id: str) -> dict[str, str]:
    """An expectation in English and Indonesian, for :attr:`Problem.expected`."""
    return {"en": en, "id": id}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located precisely.

    Parameters
    ----------
    code
        Key of the message template in ``resources/messages.yaml``.
    file
        The file the problem is in (as the user named it).
    row
        Row number as a spreadsheet shows it (header row is 1), or None for file-level or
        configuration problems.
    column
        Column header, or the configuration key (dotted path) for configuration problems.
    value
        What was found (shortened for display).
    expected
        What was expected, in plain words: one text, or ``{"id": ..., "en": ...}``.
    details
        Extra named values the message template uses.
    wave
        The wave the row belongs to, so rows of two waves read from one file stay apart.
    severity
        ``"error"`` (the row is quarantined, or the file refused) or ``"warning"`` (reported,
        the row is kept).
    """

    code: str
    file: str
    row: int | None = None
    column: str | None = None
    value: Any = None
    expected: str | Mapping[str, str] | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    wave: str | None = None
    severity: str = "error"

    def message(self, language: str = "en", *, masked: bool = False) -> str:
        """The problem in plain words, in ``"id"`` (Indonesian) or ``"en"`` (English); with
        ``masked``, a value quoted from a cell is given by its kind and length only."""
        entry = _templates()[self.code]
        template = entry[language]
        value = _short(self.value)
        details = dict(self.details)
        if masked and self.quotes_cell and value:
            template = template.replace("'{value}'", "{value}")
            value = f"({mask(self.value, language)})"
        if masked:
            hidden = _templates()["masked_value"]["examples"][language]
            details.update({name: hidden for name in entry.get("cells_in", ()) if name in details})
        return template.format(
            file=self.file,
            row=self.row,
            column=self.column,
            value=value,
            expected=self.expected_in(language),
            **details,
        )

    @property
    def quotes_cell(self) -> bool:
        """Whether the value is a cell's content (messages.yaml says so per code)."""
        return bool(_templates()[self.code].get("quotes_cell", False))

    def expected_in(self, language: str) -> str | None:
        if isinstance(self.expected, Mapping):
            return self.expected[language]
        return self.expected

    def location(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(self.column)
        return ", ".join(parts)

    def as_record(self, *, masked: bool = True) -> dict[str, Any]:
        """The problem as a table row; a value quoted from a cell is masked unless
        ``masked`` is False (the row goes into tables that reports read)."""
        record = asdict(self)
        record.pop("details")
        record.pop("wave")
        hide = masked and self.quotes_cell and _short(self.value)
        record["value"] = mask(self.value, "en") if hide else _short(self.value)
        record["expected"] = self.expected_in("en")
        record["message_id"] = self.message("id", masked=masked)
        record["message_en"] = self.message("en", masked=masked)
        return record


def reasons_by_row(problems: Iterable[Problem], *, by_wave: bool = False) -> dict[Any, str]:
    """The error messages of each spreadsheet row, joined: the reason the row is set aside
    (values quoted from cells masked: the reasons go into the ledger, which reports read).

    Keys are row numbers, or ``(wave, row)`` with ``by_wave`` (two waves read from one file).
    Warnings leave a row in use and are not counted.
    """
    reasons: dict[Any, list[str]] = {}
    for p in problems:
        if p.row is not None and p.severity == "error":
            key = (p.wave, p.row) if by_wave else p.row
            reasons.setdefault(key, []).append(p.message("en", masked=True))
    return {key: " | ".join(texts) for key, texts in reasons.items()}


def problems_frame(problems: Iterable[Problem], *, masked: bool = True):
    """Problems as a tidy table: one row per problem, documented columns; values quoted from
    cells masked unless ``masked`` is False (see :func:`mask`)."""
    import pandas as pd

    columns = [
        "code",
        "severity",
        "file",
        "row",
        "column",
        "value",
        "expected",
        "message_id",
        "message_en",
    ]
    records = [p.as_record(masked=masked) for p in problems]
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.astype({"row": "Int64"})


class PkmEvalError(Exception):
    """Base of every error pkm-eval raises on purpose; carries a list of problems."""

    def __init__(self, problems: Iterable[Problem], summary: str | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        self.summary = summary or f"{len(self.problems)} problem(s) found"
        super().__init__(self._render())

    def _render(self) -> str:
        lines = [self.summary]
        lines += [f"- {p.location()}: {p.message('en')}" for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"... and {len(self.problems) - 20} more")
        return "\n".join(lines)


class ConfigError(PkmEvalError):
    """The study file or the instrument codebook is invalid."""


class InputError(PkmEvalError):
    """The survey exports cannot be used as they are."""


class ReportError(PkmEvalError):
    """A report could not be rendered from the results bundle."""


class OutputError(PkmEvalError):
    """An output folder cannot be written (read-only, disk full, a name too long); what was
    there before is unchanged."""
