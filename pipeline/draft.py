"""Draft: a codebook and a study file proposed from one or two survey exports.

Writing a codebook by hand was the wall a new user hit first. Here the questionnaire is read
off the answers: questions answered with one family of labels (Sangat Setuju ... Sangat Tidak
Setuju, Selalu ... Tidak Pernah, Strongly agree ..., or numbers 1-7) are the items, and the
family's labels become the answer codes. The other columns are sorted by header and content
into the id (a student number first, a name next, as long as it can identify people), the
submission time, contacts (phone numbers and e-mail addresses by content), the group and
demographics (few distinct values). Items that correlate negatively with the rest are marked
reverse-keyed for review. :func:`render_codebook` and :func:`render_study` write the proposal
as YAML that loads with :func:`pipeline.config.load_instrument` and ``load_study``, with
comments in Indonesian and English on what to check.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import InputError, Problem, bilingual
from pipeline.stages.answer_scales import NUMERIC, family_of, label_codes, scale_for, scale_like
from pipeline.stages.header_names import header_key, quiz_layout, strip_numbering
from pipeline.stages.headers import TIMESTAMP_HEADERS
from pipeline.stages.identity import IdJudgement, first_usable_key, guess_id_kind
from pipeline.stages.ingest import code_answers
from pipeline.stages.timestamps import read_timestamps
from pipeline.text import map_unique, normalize_text

__all__ = [
    "ROLES",
    "Draft",
    "DraftCheck",
    "DraftDemographic",
    "DraftGroup",
    "DraftItem",
    "DraftScale",
    "propose",
    "render_codebook",
    "render_study",
]

#: What a column can be proposed as.
ROLES = (
    "item", "attention_check", "id", "timestamp", "contact", "group", "demographic",
    "likert_other", "quiz", "platform", "empty", "text",
)  # fmt: skip
# KoboToolbox and ODK bookkeeping columns (normalized).
_PLATFORM = {
    "_id", "_uuid", "_index", "__version__", "_version_", "_status", "_validation_status",
    "_notes", "_tags", "_submitted_by", "_submission_time", "start", "end", "today",
    "deviceid", "subscriberid", "simserial", "username", "meta/instanceid", "formhub/uuid",
    "_parent_index", "_parent_table_name",
}  # fmt: skip
_EMAIL = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
_PHONE = r"(?:\+?62|0)8\d{7,12}"
_NUMBER_HINT = re.compile(r"\b(nim|npm|nis|nisn|nomor induk|no induk|student (id|number))\b")
_NAME_HINT = re.compile(r"\b(nama|name|inisial|initials?)\b")
_GROUP_HINT = re.compile(r"\b(kelompok|group|grup|perlakuan|treatment|kondisi|condition|arm)\b")
_CONTROL = re.compile(r"kontrol|control|pembanding|comparison|tunggu|waiting")
_CHECK = re.compile(r"untuk memastikan|attention|perhatian|pilih(lah)? jawaban|choose|select")
_QUOTED = re.compile(r"['\"‘’“”]([^'\"‘’“”]{1,40})['\"‘’“”]")
_KNOWN_NAMES = {
    "jenis kelamin": "gender", "gender": "gender", "sex": "gender", "usia": "age",
    "umur": "age", "age": "age", "kelas": "class", "class": "class", "grade": "class",
    "program studi": "study_program", "prodi": "study_program", "asal sekolah": "school",
    "sekolah": "school", "semester": "semester", "pendidikan terakhir": "education",
}  # fmt: skip


@dataclass(frozen=True)
class DraftScale:
    """The response scale: codes, their labels (Indonesian, English) and extra spellings."""

    family: str
    labels: dict[int, tuple[str, str]]
    aliases: dict[str, int] = field(default_factory=dict)

    @property
    def min(self) -> int:
        return min(self.labels)

    @property
    def max(self) -> int:
        return max(self.labels)


@dataclass(frozen=True)
class DraftItem:
    """One proposed item: its text, the export headers it was read from, and whether it
    looks reverse-keyed (its item-rest correlation, None when too few answers)."""

    id: str
    text: str
    headers: tuple[str, ...]
    reverse: bool = False
    item_rest_r: float | None = None


@dataclass(frozen=True)
class DraftCheck:
    """A proposed attention check and the code of its one right answer."""

    id: str
    text: str
    headers: tuple[str, ...]
    expected: int


@dataclass(frozen=True)
class DraftGroup:
    """The group column; labels read as a control group go to ``control``."""

    column: str
    treatment: tuple[str, ...]
    control: tuple[str, ...]


@dataclass(frozen=True)
class DraftDemographic:
    """A demographic column with the values seen (one spelling per value)."""

    name: str
    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Draft:
    """What :func:`propose` found.

    Attributes
    ----------
    waves
        Wave names, in the order given.
    files
        Wave name to the export's file name (for the study file and the comments).
    columns
        One row per column: ``header`` (first wave's spelling), ``role`` (see ``ROLES``),
        ``reason`` (why, in a few words), ``waves`` (where it appears).
    scale, items, check
        The response scale, the items in column order and the attention check (or None).
    id_column, id_kind, id_usable, id_judgements
        The proposed id column and kind, whether it identifies people in every wave, and
        the judgements of the candidates tried (masked names explain a number id).
    timestamp, contacts, group, demographics
        The other proposed columns.
    dates
        First and last submission day, for the program dates (None without times).
    """

    waves: tuple[str, ...]
    files: dict[str, str]
    columns: pd.DataFrame
    scale: DraftScale
    items: tuple[DraftItem, ...]
    check: DraftCheck | None
    id_column: str | None
    id_kind: str
    id_usable: bool
    id_judgements: tuple[IdJudgement, ...]
    timestamp: str | None
    contacts: tuple[str, ...]
    group: DraftGroup | None
    demographics: tuple[DraftDemographic, ...]
    dates: tuple[dt.date, dt.date] | None


@dataclass
class _Column:
    """One question across the waves: its header per wave and all its answers."""

    key: str
    headers: dict[str, str]
    values: pd.Series
    role: str = ""
    reason: str = ""
    family: tuple[str, frozenset[str]] | None = None

    @property
    def header(self) -> str:
        return next(iter(self.headers.values()))


# --------------------------------------------------------------------------- columns


def _pool(frames: dict[str, pd.DataFrame]) -> list[_Column]:
    """Columns of all waves joined by header key, in first-seen order."""
    pooled: dict[str, _Column] = {}
    for wave, frame in frames.items():
        for header in frame.columns:
            key = header_key(header) or str(header)
            while key in pooled and wave in pooled[key].headers:
                key += "#"
            values = frame[header].astype(str).str.strip()
            if key in pooled:
                pooled[key].headers[wave] = header
                pooled[key].values = pd.concat([pooled[key].values, values], ignore_index=True)
            else:
                pooled[key] = _Column(key, {wave: header}, values.reset_index(drop=True))
    return list(pooled.values())


def _set(column: _Column, role: str, reason: str) -> None:
    column.role, column.reason = role, reason


def _share(values: pd.Series, pattern: str, *, phone: bool = False) -> float:
    """Share of filled cells matching ``pattern`` (phone numbers without their spaces,
    dashes, dots and brackets)."""
    filled = values[values.ne("")]
    if phone:
        filled = filled.str.replace(r"[\s\-().]", "", regex=True)
    return float(filled.str.fullmatch(pattern).mean()) if len(filled) else 0.0


def _first_roles(columns: list[_Column]) -> None:
    """Roles read off the header or the whole column: empty, quiz, time, platform, contact."""
    headers = [c.header for c in columns]
    quiz = quiz_layout(headers)
    quiz_columns = set(quiz.added_columns) | set(quiz.scores) if quiz else set()
    stamps = [k for k in TIMESTAMP_HEADERS if k in {normalize_text(h) for h in headers}]
    for column in columns:
        name = normalize_text(column.header)
        if column.values.eq("").all():
            _set(column, "empty", "no answer in any wave")
        elif column.header in quiz_columns:
            _set(column, "quiz", "a quiz export's score, feedback or graded question")
        elif stamps and name == stamps[0]:
            _set(column, "timestamp", "the export's submission-time column")
        elif name in _PLATFORM:
            _set(column, "platform", "a column the survey platform adds")
        elif _share(column.values, _EMAIL) >= 0.8:
            _set(column, "contact", "e-mail addresses")
        elif _share(column.values, _PHONE, phone=True) >= 0.8:
            _set(column, "contact", "phone numbers")
        else:
            column.family = family_of(column.values)


def _no_items(columns: list[_Column]) -> InputError:
    return InputError(
        [
            Problem(
                "column_missing",
                file=", ".join(sorted({w for c in columns for w in c.headers})),
                column="questionnaire items",
                expected=bilingual(
                    "at least two questions answered with one set of labels (Sangat Setuju"
                    " ... Sangat Tidak Setuju, Selalu ... Tidak Pernah) or numbers 1-7",
                    "sedikitnya dua pertanyaan yang dijawab dengan satu set label (Sangat "
                    "Setuju ... Sangat Tidak Setuju, Selalu ... Tidak Pernah) atau angka 1-7",
                ),
            )
        ]
    )


def _item_columns(columns: list[_Column]) -> tuple[list[_Column], DraftScale]:
    """The columns of the most common label family, those of other families whose scale is
    as long (their labels become aliases by position), and the scale they share."""
    counts: dict[str, int] = {}
    for column in columns:
        if column.family and not column.role:
            counts[column.family[0]] = counts.get(column.family[0], 0) + 1
    if not counts or max(counts.values()) < 2:
        raise _no_items(columns)
    main = max(counts, key=lambda name: (counts[name], -list(counts).index(name)))
    seen = set().union(*(c.family[1] for c in columns if c.family and c.family[0] == main))
    scale = scale_for(main, seen)
    items, aliases = [], {}
    for column in columns:
        if column.role or not column.family:
            continue
        name, points = column.family
        own = scale if name == main else scale_like(name, points, len(scale.points))
        if own is None or (main == NUMERIC and name != main):
            _set(column, "likert_other", f"answered with another scale ({name})")
            continue
        items.append(column)
        spellings = [*pd.unique(column.values), *(t for pair in own.labels.values() for t in pair)]
        aliases |= label_codes(own, spellings)
    labels = {normalize_text(t) for pair in scale.labels.values() for t in pair}
    aliases = {k: v for k, v in sorted(aliases.items()) if k not in labels}
    return items, DraftScale(scale.family, scale.labels, aliases)


def _item_text(header: str) -> str:
    """The question as the codebook states it: a grid's row text, else the header without
    its number, line breaks and trailing colon or required mark."""
    text = re.sub(r"\s+", " ", str(header)).strip()
    grid = re.match(r"^.*\[([^\[\]]+)\]\s*$", text)
    text = grid.group(1) if grid else strip_numbering(text)
    return re.sub(r"[\s:*]+$", "", text).strip()


def _unmatched_headers(column: _Column, text: str) -> tuple[str, ...]:
    """The headers today's ingest would not match to ``text`` by itself (it compares the
    whole header and a grid's row text, case and spacing aside): they go under
    ``headers:``."""
    wanted = normalize_text(text)
    out = []
    for header in dict.fromkeys(column.headers.values()):
        grid = re.search(r"\[([^\[\]]+)\]\s*$", header)
        found = {normalize_text(header)} | ({normalize_text(grid.group(1))} if grid else set())
        if wanted not in found:
            out.append(header)
    return tuple(out)


# --------------------------------------------------------------------------- items


def _codes(items: list[_Column], scale: DraftScale) -> pd.DataFrame:
    lookup = {normalize_text(t): code for code, pair in scale.labels.items() for t in pair}
    lookup |= scale.aliases
    return pd.DataFrame({c.key: code_answers(c.values, lookup)[0] for c in items})


def _item_rest(codes: pd.DataFrame) -> pd.Series:
    """Each item's correlation with the sum of the others, those others that a first pass
    found negative reversed (unreversed, they pull every correlation toward zero)."""
    filled = codes.fillna(codes.mean()).to_numpy(dtype=float)
    sign = np.ones(filled.shape[1])
    for _ in range(2):
        signed = filled * sign
        rest = signed.sum(axis=1, keepdims=True) - signed
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.array([np.corrcoef(filled[:, k], rest[:, k])[0, 1] for k in range(len(sign))])
        r = np.nan_to_num(r)
        sign = np.where(r < 0, -1.0, 1.0)
    return pd.Series(r, index=codes.columns)


def _draft_items(
    items: list[_Column], scale: DraftScale
) -> tuple[list[DraftItem], DraftCheck | None]:
    check = next((c for c in items if _CHECK.search(c.header.lower())), None)
    expected = _check_answer(check, scale) if check else None
    if expected is None:
        check = None
    kept = [c for c in items if c is not check]
    codes = _codes(kept, scale)
    enough = len(codes.dropna(how="all")) >= 5 and len(kept) >= 3
    rest = _item_rest(codes) if enough else pd.Series(np.nan, index=codes.columns)
    width = max(2, len(str(len(kept))))
    drafted = []
    for number, column in enumerate(kept, start=1):
        r = rest[column.key]
        text = _item_text(column.header)
        headers = _unmatched_headers(column, text)
        drafted.append(
            DraftItem(f"q{number:0{width}d}", text, headers, bool(r < 0), None if pd.isna(r) else r)
        )
        _set(column, "item", f"answered with the {scale.family} labels")
    if check is None:
        return drafted, None
    _set(check, "attention_check", f"asks for one answer (code {expected})")
    text = _item_text(check.header)
    headers = _unmatched_headers(check, text)
    return drafted, DraftCheck("ac1", text, headers, expected)


def _check_answer(column: _Column, scale: DraftScale) -> int | None:
    """The code the check asks for: the label quoted in its text, else None."""
    lookup = {normalize_text(t): code for code, pair in scale.labels.items() for t in pair}
    lookup |= scale.aliases
    for quoted in _QUOTED.findall(column.header):
        if normalize_text(quoted) in lookup:
            return lookup[normalize_text(quoted)]
    return None


# --------------------------------------------------------------------------- people columns


def _distinct_share(column: _Column) -> float:
    filled = column.values[column.values.ne("")]
    return filled.nunique() / len(filled) if len(filled) else 0.0


def _id_candidates(columns: list[_Column]) -> list[tuple[_Column, str]]:
    """Columns that could identify people, student numbers first, then names, e-mails."""
    free = [c for c in columns if not c.role or c.reason == "e-mail addresses"]
    numbers, names, emails = [], [], []
    for column in free:
        name = normalize_text(column.header)
        if column.reason == "e-mail addresses":
            emails.append((column, "email"))
        elif guess_id_kind(column.values) == "number" and (
            _NUMBER_HINT.search(name) or _distinct_share(column) > 0.5
        ):
            numbers.append((column, "number"))
        elif _NAME_HINT.search(name) and not column.family:
            names.append((column, "name"))
    return numbers + names + emails


def _choose_id(columns: list[_Column], frames: dict[str, pd.DataFrame]):
    """The first candidate that identifies people in every wave (judged per wave, under the
    first wave's spelling of its header), and the others made contacts. Every candidate is
    judged, so the study file can say why a name was not taken (masked, initials)."""
    candidates = _id_candidates(columns)
    if not candidates:
        return None, "name", False, ()
    aligned = {
        wave: pd.DataFrame(
            {c.header: frames[wave][c.headers[wave]] for c, _ in candidates if wave in c.headers}
        )
        for wave in frames
    }
    keys = [(c.header, kind) for c, kind in candidates]
    verdicts = [first_usable_key(aligned, [key]) for key in keys]
    chosen = next((found for found, _ in verdicts if found), None)
    judgements = [j for _, found in verdicts for j in found]
    column, kind = candidates[0] if chosen is None else candidates[keys.index(chosen)]
    _set(column, "id", "identifies people" if chosen else "the best candidate; cannot identify")
    for other, other_kind in candidates:
        if other is not column and other_kind in {"name", "number"} and not other.role:
            _set(other, "contact", "personal data: a name or number besides the id")
    return column.header, kind, chosen is not None, tuple(judgements)


def _slug(header: str, taken: set[str]) -> str:
    name = _KNOWN_NAMES.get(header_key(header)) or re.sub(r"[^a-z0-9]+", "_", header_key(header))
    name = name.strip("_") or "demographic"
    name = name if name[0].isalpha() else f"d_{name}"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _spellings(values: pd.Series) -> tuple[str, ...]:
    """One spelling per value (the most frequent), in order of frequency."""
    filled = values[values.ne("")]
    keys = map_unique(filled, normalize_text)
    counts = filled.groupby([keys.to_numpy(), filled.to_numpy()]).size()
    best = counts.sort_values(ascending=False, kind="stable").groupby(level=0).head(1)
    return tuple(best.index.get_level_values(1))


def _group_and_demographics(columns: list[_Column], *, max_levels: int):
    group, demographics, taken = None, [], set()
    for column in columns:
        if column.role:
            continue
        values = _spellings(column.values)
        filled = int(column.values.ne("").sum())
        if not (1 < len(values) <= max_levels and len(values) <= max(2, filled // 2)):
            _set(column, "text", "many different answers")
            continue
        if group is None and _GROUP_HINT.search(header_key(column.header)) and len(values) <= 6:
            control = tuple(v for v in values if _CONTROL.search(normalize_text(v)))
            treatment = tuple(v for v in values if v not in control)
            group = DraftGroup(column.header, treatment, control)
            _set(column, "group", "a group header with few labels")
            continue
        demographics.append(DraftDemographic(_slug(column.header, taken), column.header, values))
        _set(column, "demographic", f"{len(values)} distinct values")
    return group, tuple(demographics)


def _dates(frames: dict[str, pd.DataFrame], header: str | None):
    if header is None:
        return None
    days = []
    for frame in frames.values():
        if header in frame:
            reading = read_timestamps(frame[header], month_first=header_key(header) == "timestamp")
            days += list(reading.parsed.dropna())
    return (min(days).date(), max(days).date()) if days else None


# --------------------------------------------------------------------------- proposal


def propose(
    frames: dict[str, pd.DataFrame],
    *,
    files: dict[str, str] | None = None,
    max_levels: int = 8,
) -> Draft:
    """Propose a codebook and a study file from one or two exports.

    Parameters
    ----------
    frames
        Wave name (``pre``, ``post``, ``follow_up``) to the export read as text (blanks as
        "", e.g. ``pipeline.stages.parse.read_table(...).frame``).
    files
        Wave name to the export's file name, for the study file (default ``<wave>.csv``).
    max_levels
        Most distinct values a demographic (or group) column may have: 8.

    Returns
    -------
    Draft
        The proposal; render it with :func:`render_codebook` and :func:`render_study`.

    Raises
    ------
    InputError
        When no two questions share a set of answer labels (no questionnaire to draft).
    """
    columns = _pool(frames)
    _first_roles(columns)
    item_columns, scale = _item_columns(columns)
    items, check = _draft_items(item_columns, scale)
    id_column, id_kind, usable, judgements = _choose_id(columns, frames)
    group, demographics = _group_and_demographics(columns, max_levels=max_levels)
    timestamp = next((c.header for c in columns if c.role == "timestamp"), None)
    table = pd.DataFrame(
        {
            "header": [c.header for c in columns],
            "role": [c.role or "text" for c in columns],
            "reason": [c.reason for c in columns],
            "waves": ["+".join(c.headers) for c in columns],
        }
    )
    return Draft(
        waves=tuple(frames),
        files=files or {wave: f"{wave}.csv" for wave in frames},
        columns=table,
        scale=scale,
        items=tuple(items),
        check=check,
        id_column=id_column,
        id_kind=id_kind,
        id_usable=usable,
        id_judgements=judgements,
        timestamp=timestamp,
        contacts=tuple(c.header for c in columns if c.role == "contact"),
        group=group,
        demographics=demographics,
        dates=_dates(frames, timestamp),
    )


# --------------------------------------------------------------------------- rendering


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("pipeline", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # A JSON string is a YAML double-quoted scalar: any header text stays one safe value.
    env.filters["q"] = lambda text: json.dumps(str(text), ensure_ascii=False)
    env.filters["r"] = lambda value: f"{value:.2f}"
    return env


def render_codebook(
    draft: Draft,
    *,
    instrument_id: str = "kuesioner",
    scales: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The proposed codebook as YAML text (loads with :func:`pipeline.config.load_instrument`).

    Parameters
    ----------
    draft
        What :func:`propose` found.
    instrument_id
        The codebook's ``id``.
    scales
        Subscale name to its item ids, when the user named two or more subscales; they are
        written with a total scale over every item. Default: one scale of every item.

    Notes
    -----
    The English texts are copies of the Indonesian ones (today's model requires both); the
    items that look reverse-keyed get ``reverse: true`` with a comment asking to check it.
    """
    return (
        _environment()
        .get_template("draft_codebook.yaml.j2")
        .render(
            draft=draft,
            instrument_id=instrument_id,
            sources=_sources(draft),
            scales=_named_scales(scales) if scales and len(scales) > 1 else None,
        )
    )


def _named_scales(scales: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """Each named subscale with an id made from its name (unique, a letter first)."""
    taken: set[str] = set()
    named = []
    for name, items in scales.items():
        slug = re.sub(r"[^a-z0-9]+", "_", normalize_text(name)).strip("_") or "scale"
        slug = slug if slug[0].isalpha() else f"s_{slug}"
        base, n = slug, 2
        while slug in taken or slug == "total":
            slug, n = f"{base}_{n}", n + 1
        taken.add(slug)
        named.append({"id": slug, "name": name, "items": list(items)})
    return named


def render_study(
    draft: Draft,
    *,
    codebook: str = "codebook.yaml",
    program_id: str = "studi",
    language: str = "id",
    today: dt.date | None = None,
    program: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The proposed ``study.yaml`` as text (loads with :func:`pipeline.config.load_study`).

    Parameters
    ----------
    draft
        What :func:`propose` found.
    codebook
        The codebook's file name, relative to the study file.
    program_id
        The program's short name (folders ``data/processed/<id>``).
    language
        Report language, ``id`` or ``en``.
    today
        Program dates when the exports carry no times (default: the current date).
    program
        The program facts as the user gave them (``title``, ``partner``, ``place``,
        ``method``, ``start_date``, ``end_date``, ``funder`` ...); without them the file
        carries placeholders marked FILL IN. Empty values are left out.
    extra
        Further top-level keys written as they are (``match_review``, ``attendance``,
        ``service_log``).
    """
    start, end = draft.dates or (today or dt.date.today(),) * 2
    facts = None
    if program:
        facts = {"start_date": start, "end_date": end}
        facts |= {k: v for k, v in program.items() if v not in (None, "")}
    extra_text = ""
    if extra:
        import yaml

        extra_text = yaml.safe_dump(dict(extra), allow_unicode=True, sort_keys=False).rstrip()
    waves = dict(draft.files)
    # A try-out is one wave; a program needs its post-test, drafted as a placeholder.
    missing_post = "tryout" not in waves and "post" not in waves
    if missing_post:
        waves["post"] = "post.csv"
    return (
        _environment()
        .get_template("draft_study.yaml.j2")
        .render(
            draft=draft,
            codebook=codebook,
            program_id=program_id,
            language=language,
            facts=facts,
            extra=extra_text,
            start=start,
            end=end,
            waves=waves,
            missing_post=missing_post,
            sources=_sources(draft),
            unused=draft.columns[draft.columns["role"].isin(["text", "likert_other", "empty"])],
        )
    )


def _sources(draft: Draft) -> str:
    return ", ".join(draft.files[w] for w in draft.waves)
