"""Process evaluation: reach and dose from an attendance log, the step times of a service, and
the management (POAC) view of plan against actual.

Three concerns a PKM report has besides the pre/post change:

- **Reach and dose** (Steckler & Linnan 2002; Saunders, Evans & Joshi 2005): who was enrolled,
  who came at least once, who completed, how many sessions each attended, and whether change
  rises with dose. Dose is chosen by the participants, so its association with gain is
  reported with that caveat, never as an effect.
- **Service step times**: a counseling centre's procedure (request form, recommendation letter,
  counselor agreement, session, report) has a time standard per step (SOP/SPM, e.g. "1x24
  jam"); the per-case durations, the share within the standard and the bottleneck step.
- **Plan vs actual** by the POAC pillars (plan, organize, actuate, control; Terry 1977) that
  Indonesian PKM reports use.

Logs are read with :func:`pipeline.ingest.read_table`, so they take the same CSV and XLSX
shapes as survey exports; every input row ends used, quarantined with a :class:`Problem`, or
blank, and each result carries that ledger (``rows``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator
from scipy import stats

from pipeline.clean import normalize_id
from pipeline.config import Limits, Text, _Model
from pipeline.errors import InputError, Problem, bilingual
from pipeline.ingest import RawTable, normalize_text, read_table
from pipeline.validate import parse_timestamps

__all__ = [
    "ACTUAL_KEYS",
    "DOSE_CAVEAT",
    "INDICATORS",
    "ActuateTargets",
    "Attendance",
    "AttendanceLog",
    "ControlTargets",
    "CustomIndicator",
    "DoseResponse",
    "OrganizeTargets",
    "Plan",
    "PlanTargets",
    "ReachDose",
    "ServiceLog",
    "ServiceRecords",
    "Step",
    "StepDurations",
    "dose_response",
    "parse_duration",
    "plan_vs_actual",
    "reach_dose",
    "read_attendance",
    "read_service_log",
    "simulate_attendance",
    "simulate_service_log",
    "step_durations",
]

#: Ledger columns: every input row of a log, with what became of it.
ROW_COLUMNS = ["source_row", "status", "reason"]

# --------------------------------------------------------------------------- durations

_HOURS_PER_UNIT = {
    **dict.fromkeys(["menit", "mnt", "minute", "minutes", "min", "mins"], 1 / 60),
    **dict.fromkeys(["jam", "hour", "hours", "hr", "hrs"], 1.0),
    **dict.fromkeys(["hari", "day", "days"], 24.0),
    **dict.fromkeys(["minggu", "pekan", "week", "weeks"], 168.0),
}
_ONE = {"sejam": "1 jam", "sehari": "1 hari", "seminggu": "1 minggu", "sepekan": "1 pekan"}
_PREFIX = re.compile(
    r"^(?:(?:dalam|within|paling lama|selambat-lambatnya|maksimal|maksimum|maks|max|maximum"
    r"|at most|up to|no more than|tidak lebih dari|<=|≤|<)\s*)+(?:waktu\s+)?"
)
_NUMBER = r"\d+(?:[.,]\d+)?"
_TERM = re.compile(rf"({_NUMBER})\s*(?:[x×*]\s*({_NUMBER})\s*)?([a-z]+)")
_TERMS = re.compile(rf"(?:{_TERM.pattern})(?:\s*(?:,|dan|and|\+)?\s*(?:{_TERM.pattern}))*")
_WORKING = re.compile(r"hari kerja|working day|business day|workday")
DURATION_EXAMPLES = "'1 jam', '30 menit', '3 hari', '1 minggu', '1x24 jam', 'within 2 days'"


def parse_duration(text: str) -> float:
    """Hours in a time standard written in Indonesian or English.

    Parameters
    ----------
    text
        A number and a unit (menit/minute, jam/hour, hari/day, minggu/pekan/week), optionally
        multiplied (``1x24 jam``), summed (``1 jam 30 menit``), or after "dalam", "within",
        "maksimal", "paling lama"; "sejam", "sehari" and "seminggu" mean one of the unit.

    Returns
    -------
    float
        The duration in hours.

    Raises
    ------
    ValueError
        When the text is not such a duration, or counts working days (calendar time only:
        working days need the centre's calendar of holidays).

    Examples
    --------
    >>> parse_duration("1x24 jam"), parse_duration("dalam 3 hari"), parse_duration("1 week")
    (24.0, 72.0, 168.0)
    """
    clean = normalize_text(text)
    if _WORKING.search(clean):
        raise ValueError(
            f"a duration in calendar time such as {DURATION_EXAMPLES}; working days "
            f"('{text}') are not supported: write them as calendar days (5 hari kerja = 7 hari)"
        )
    clean = _PREFIX.sub("", clean).strip()
    for word, spelled in _ONE.items():
        clean = re.sub(rf"\b{word}\b", spelled, clean)
    if not _TERMS.fullmatch(clean):
        raise ValueError(f"a duration such as {DURATION_EXAMPLES}; found '{text}'")
    hours = 0.0
    for number, factor, unit in _TERM.findall(clean):
        if unit not in _HOURS_PER_UNIT:
            raise ValueError(
                f"a duration unit among menit/minute, jam/hour, hari/day, minggu/week; "
                f"found '{unit}' in '{text}'"
            )
        size = float(number.replace(",", ".")) * float((factor or "1").replace(",", "."))
        hours += size * _HOURS_PER_UNIT[unit]
    if hours <= 0:
        raise ValueError(f"a duration longer than zero; found '{text}'")
    return hours


# --------------------------------------------------------------------------- configuration

#: Present/absent answers, normalized; H/I/S/A are the Indonesian school register's hadir,
#: izin, sakit and alpa.
PRESENT_LABELS = ("hadir", "ya", "yes", "y", "1", "true", "benar", "present", "h", "v", "✓", "√")
ABSENT_LABELS = (
    *("tidak", "tidak hadir", "tdk", "no", "n", "0", "false", "absen", "absent"),
    *("alpa", "alpha", "a", "izin", "ijin", "i", "sakit", "s"),
)


class AttendanceLog(_Model):
    """An attendance (activity) log: one row per session and participant.

    ``completion_min_sessions`` sets the sessions a participant must attend to have completed
    the program; when it is not given, the threshold is ``completion_min_share`` (default
    0.75, the attendance rule of Indonesian higher education) of the sessions planned, or of
    those held when more were held or none were planned, rounded up.
    """

    file: str = Field(description="CSV or XLSX file, relative to the study file.")
    sheet: str | int | None = None
    session_column: str = Field(description="Session name or number.")
    id_column: str = Field(description="Participant identity, as in the survey exports.")
    date_column: str | None = Field(None, description="Date of the session (optional).")
    present_column: str | None = Field(
        None,
        description="Present or absent (hadir/ya/yes/1/H or tidak/no/0/I/S/A); without it every "
        "row is an attendance.",
    )
    id_kind: Literal["name", "number"] = "name"
    date_format: str | None = Field(None, description="strftime layout or 'ISO8601'.")
    present_labels: list[str] = Field(default_factory=list, description="Extra 'present' words.")
    absent_labels: list[str] = Field(
        default_factory=list, description="Extra 'absent' words; add '' to read blanks as absent."
    )
    sessions_planned: int | None = Field(None, ge=1)
    completion_min_sessions: int | None = Field(None, ge=1)
    completion_min_share: float = Field(0.75, gt=0, le=1)

    @model_validator(mode="after")
    def _threshold_reachable(self) -> AttendanceLog:
        planned, needed = self.sessions_planned, self.completion_min_sessions
        if planned is not None and needed is not None and needed > planned:
            raise ValueError(
                f"completion_min_sessions ({needed}) exceeds sessions_planned ({planned})"
            )
        return self

    def sessions_offered(self, held: int) -> int:
        """Denominator of the dose share: sessions planned, or held when more were held."""
        return max(self.sessions_planned or 0, held)

    def completion_threshold(self, held: int) -> int:
        """Sessions a participant must attend to count as having completed the program."""
        if self.completion_min_sessions is not None:
            return self.completion_min_sessions
        return max(1, math.ceil(self.completion_min_share * self.sessions_offered(held) - 1e-9))


class Step(_Model):
    """One step of a service procedure.

    ``column`` is the step's timestamp column (wide layout) or its label in the step column
    (long layout); it defaults to ``name``. ``standard`` is the time allowed from the previous
    step to this one ("1x24 jam", "3 hari", "within 1 week"); the first step has none.
    """

    name: str = Field(min_length=1)
    column: str | None = None
    standard: str | None = None

    @field_validator("standard")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @property
    def source(self) -> str:
        return self.column or self.name

    @property
    def standard_hours(self) -> float | None:
        return None if self.standard is None else parse_duration(self.standard)


class ServiceLog(_Model):
    """A service log: the time each case reached each step of the procedure.

    ``layout: wide`` has one row per case and one timestamp column per step; ``layout: long``
    has one row per case and step, with ``step_column`` naming the step and ``time_column``
    its time.
    """

    file: str
    sheet: str | int | None = None
    layout: Literal["wide", "long"] = "wide"
    case_column: str
    step_column: str | None = None
    time_column: str | None = None
    timestamp_format: str | None = Field(None, description="strftime layout or 'ISO8601'.")
    steps: list[Step] = Field(min_length=2)

    @model_validator(mode="after")
    def _consistent(self) -> ServiceLog:
        if self.layout == "long" and not (self.step_column and self.time_column):
            raise ValueError("layout 'long' needs step_column and time_column")
        if self.steps[0].standard is not None:
            raise ValueError(
                f"the first step ('{self.steps[0].name}') has no previous step, so no standard"
            )
        names = [normalize_text(s.name) for s in self.steps]
        sources = [normalize_text(s.source) for s in self.steps]
        if len(set(names)) < len(names) or len(set(sources)) < len(sources):
            raise ValueError("step names and columns must be unique")
        return self


Direction = Literal["at_least", "at_most", "equal"]


class PlanTargets(_Model):
    """Planning: the program's targets."""

    participants: int | None = Field(None, ge=0)
    sessions: int | None = Field(None, ge=0)
    effect_size: float | None = None
    improved_share: float | None = Field(None, ge=0, le=1)


class OrganizeTargets(_Model):
    """Organizing: people and partners planned."""

    facilitators: int | None = Field(None, ge=0)
    partners: int | None = Field(None, ge=0)


class ActuateTargets(_Model):
    """Actuating: how the sessions were to be attended."""

    participants_reached: int | None = Field(None, ge=0)
    attendance_share: float | None = Field(None, ge=0, le=1)
    completion_share: float | None = Field(None, ge=0, le=1)


class ControlTargets(_Model):
    """Controlling: measurement and data quality."""

    pre_measured: bool | None = None
    post_measured: bool | None = None
    data_complete_share: float | None = Field(None, ge=0, le=1)
    attrition_share: float | None = Field(None, ge=0, le=1)


class CustomIndicator(_Model):
    """A study's own indicator, compared with ``actual[actual_key]``."""

    pillar: Literal["plan", "organize", "actuate", "control"]
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    planned: float | bool
    direction: Direction = "at_least"
    actual_key: str | None = Field(None, description="Key of the actual value (default: name).")


class Plan(_Model):
    """Planned targets by POAC pillar; unset targets are left out of the comparison."""

    plan: PlanTargets = Field(default_factory=PlanTargets)
    organize: OrganizeTargets = Field(default_factory=OrganizeTargets)
    actuate: ActuateTargets = Field(default_factory=ActuateTargets)
    control: ControlTargets = Field(default_factory=ControlTargets)
    custom: list[CustomIndicator] = Field(default_factory=list)


@dataclass(frozen=True)
class IndicatorSpec:
    """How a planned target is compared: with which actual value, in which direction."""

    pillar: str
    name: str
    actual_key: str
    direction: Direction
    label_id: str
    label_en: str


def _spec(pillar, name, key, direction, label_id, label_en) -> tuple[tuple[str, str], Any]:
    return (pillar, name), IndicatorSpec(pillar, name, key, direction, label_id, label_en)


#: The built-in indicators, by (pillar, field of that pillar's targets).
INDICATORS: dict[tuple[str, str], IndicatorSpec] = dict(
    [
        _spec("plan", "participants", "participants_enrolled", "at_least",
              "Jumlah peserta", "Participants"),
        _spec("plan", "sessions", "sessions_held", "at_least",
              "Jumlah sesi terlaksana", "Sessions held"),
        _spec("plan", "effect_size", "effect_size", "at_least",
              "Ukuran efek (d)", "Effect size (d)"),
        _spec("plan", "improved_share", "improved_share", "at_least",
              "Proporsi peserta yang meningkat", "Share of participants improved"),
        _spec("organize", "facilitators", "facilitators", "at_least",
              "Jumlah konselor/fasilitator", "Counselors/facilitators"),
        _spec("organize", "partners", "partners", "at_least", "Jumlah mitra", "Partners"),
        _spec("actuate", "participants_reached", "participants_reached", "at_least",
              "Peserta yang hadir minimal sekali", "Participants attending at least once"),
        _spec("actuate", "attendance_share", "attendance_share", "at_least",
              "Rata-rata proporsi kehadiran", "Mean attendance share"),
        _spec("actuate", "completion_share", "completion_share", "at_least",
              "Proporsi peserta yang tuntas", "Share of participants completing"),
        _spec("control", "pre_measured", "pre_measured", "equal",
              "Pengukuran awal (pretest) dilakukan", "Pre-test measured"),
        _spec("control", "post_measured", "post_measured", "equal",
              "Pengukuran akhir (posttest) dilakukan", "Post-test measured"),
        _spec("control", "data_complete_share", "data_complete_share", "at_least",
              "Proporsi data pre-post lengkap", "Share with complete pre-post data"),
        _spec("control", "attrition_share", "attrition_share", "at_most",
              "Proporsi peserta yang keluar (atrisi)", "Attrition share"),
    ]
)  # fmt: skip
#: The keys :func:`plan_vs_actual` reads from ``actual`` for the built-in indicators.
ACTUAL_KEYS = tuple(spec.actual_key for spec in INDICATORS.values())

# --------------------------------------------------------------------------- reading


def _resolve(headers: Sequence[str], wanted: str) -> str | None:
    if wanted in headers:
        return wanted
    key = normalize_text(wanted)
    return next((h for h in headers if normalize_text(h) == key), None)


def _read_log(
    cfg: AttendanceLog | ServiceLog, base_dir: Path, wanted: dict[str, str], limits: Limits
) -> tuple[RawTable, dict[str, str]]:
    """Read a log file and find its declared columns (role -> header)."""
    path = Path(base_dir) / cfg.file
    if not path.is_file():
        expected = bilingual("an existing CSV or XLSX log", "berkas log CSV atau XLSX yang ada")
        raise InputError([Problem("config_file_missing", file=cfg.file, expected=expected)])
    size_mb = path.stat().st_size / 1e6
    if size_mb > limits.max_file_mb:
        raise InputError(
            [
                Problem(
                    "file_too_large",
                    file=cfg.file,
                    value=f"{size_mb:.1f} MB",
                    expected=f"{limits.max_file_mb:g} MB",
                )
            ]
        )
    keys = {normalize_text(h) for h in wanted.values()}
    table = read_table(
        path.read_bytes(),
        cfg.file,
        sheet=cfg.sheet,
        score=lambda row: sum(normalize_text(c) in keys for c in row if str(c).strip()),
    )
    if len(table.frame) > limits.max_rows:
        raise InputError(
            [Problem("too_many_rows", file=cfg.file, value=len(table.frame),
                     expected=str(limits.max_rows))]
        )  # fmt: skip
    headers = list(table.frame.columns)
    found = {role: _resolve(headers, header) for role, header in wanted.items()}
    missing = [
        Problem(
            "column_missing",
            file=cfg.file,
            column=wanted[role],
            expected=bilingual(
                f"the column declared as {role} (headers found: {', '.join(headers)})",
                f"kolom yang dinyatakan sebagai {role} (judul yang ada: {', '.join(headers)})",
            ),
        )
        for role, header in found.items()
        if header is None
    ]
    if missing:
        raise InputError(missing, f"The log {cfg.file} lacks declared columns")
    return table, found  # type: ignore[return-value]


def _frame_rows(table: RawTable) -> tuple[np.ndarray, pd.Series]:
    """Spreadsheet row numbers and a mask of rows without any content."""
    frame = table.frame
    rows = np.arange(len(frame)) + table.header_row + 1
    blank = frame.apply(lambda col: col.astype(str).str.strip().eq("")).all(axis=1)
    return rows, blank


def _ledger(rows: np.ndarray, blank: pd.Series, reasons: Mapping[int, str]) -> pd.DataFrame:
    status = np.where(
        blank.to_numpy(), "blank", [("problem" if r in reasons else "used") for r in rows]
    )
    reason = [reasons.get(int(r), "") for r in rows]
    return pd.DataFrame(dict(zip(ROW_COLUMNS, [rows.astype(int), status, reason], strict=True)))


def _reasons(problems: Iterable[Problem]) -> dict[int, str]:
    """Error messages per spreadsheet row; warnings leave a row in use."""
    out: dict[int, list[str]] = {}
    for p in problems:
        if p.row is not None and p.severity == "error":
            out.setdefault(p.row, []).append(p.message("en"))
    return {row: " | ".join(texts) for row, texts in out.items()}


def _cell(code: str, file: str, row: int, column: str, value: Any, expected, **extra) -> Problem:
    return Problem(code, file=file, row=int(row), column=column, value=value, expected=expected,
                   **extra)  # fmt: skip


# --------------------------------------------------------------------------- attendance


@dataclass(frozen=True)
class Attendance:
    """An attendance log read and checked.

    Attributes
    ----------
    records
        One row per usable input row: ``source_row, session, session_key, date, participant``
        (the comparable id, see :func:`pipeline.clean.normalize_id`), ``participant_raw`` (as
        entered) and ``present`` (bool).
    problems
        Rows that could not be used (errors) and duplicate rows (warnings).
    rows
        Every input row: ``source_row, status`` ("used", "problem" or "blank") and ``reason``.
    config
        The log's configuration.
    """

    records: pd.DataFrame
    problems: tuple[Problem, ...]
    rows: pd.DataFrame
    config: AttendanceLog


def _present_lookup(cfg: AttendanceLog) -> dict[str, bool]:
    lookup = {normalize_text(x): True for x in (*PRESENT_LABELS, *cfg.present_labels)}
    lookup.update({normalize_text(x): False for x in (*ABSENT_LABELS, *cfg.absent_labels)})
    return lookup


_DATE_EXPECTED = bilingual("a date such as 21/07/2026", "tanggal seperti 21/07/2026")
_PRESENT_WORDS = "hadir, ya, yes, 1, H, tidak, no, 0, I, S, A"


def _attendance_problems(
    frame: pd.DataFrame,
    cols: dict[str, str],
    rows: np.ndarray,
    parsed: dict[str, pd.Series],
    cfg: AttendanceLog,
) -> list[Problem]:
    """Errors per cell: empty id or session, unreadable date, unknown present answer."""
    checks = [
        ("id", "id_missing", normalize_id(frame[cols["id"]], kind=cfg.id_kind).eq(""),
         bilingual("the participant's name or number", "nama atau nomor peserta")),
        ("session", "value_not_allowed", frame[cols["session"]].str.strip().eq(""),
         bilingual("a session name or number", "nama atau nomor sesi")),
    ]  # fmt: skip
    if "date" in cols:
        checks.append(("date", "timestamp_invalid", parsed["date_bad"], _DATE_EXPECTED))
    if "present" in cols:
        expected = bilingual(f"one of {_PRESENT_WORDS}", f"salah satu dari {_PRESENT_WORDS}")
        checks.append(("present", "label_unknown", parsed["present"].isna(), expected))
    return [
        _cell(code, cfg.file, rows[i], cols[role], frame[cols[role]].iat[i], expected)
        for role, code, mask, expected in checks
        for i in np.flatnonzero(mask.to_numpy())
    ]


def _duplicate_warnings(records: pd.DataFrame, cfg: AttendanceLog, column: str) -> list[Problem]:
    """A second row of one participant in one session is kept (counted once) with a warning."""
    keys = ["session_key", "participant"]
    first = records.groupby(keys)["source_row"].transform("min")
    repeated = records.duplicated(keys, keep="first")
    problems = []
    for r, f in zip(records[repeated].itertuples(), first[repeated], strict=True):
        expected = bilingual(
            f"one row per participant and session; row {f} has session '{r.session}' too",
            f"satu baris per peserta dan sesi; baris {f} juga memuat sesi '{r.session}'",
        )
        problems.append(
            _cell("value_not_allowed", cfg.file, r.source_row, column, r.participant_raw,
                  expected, severity="warning")
        )  # fmt: skip
    return problems


def read_attendance(
    cfg: AttendanceLog, base_dir: str | Path, *, limits: Limits | None = None
) -> Attendance:
    """Read an attendance log, collecting a problem for every row that cannot be used.

    Parameters
    ----------
    cfg
        The log's configuration.
    base_dir
        Folder that ``cfg.file`` is relative to (the study file's folder).
    limits
        File size and row limits (default: :class:`pipeline.config.Limits`).

    Returns
    -------
    Attendance
        Usable rows, problems and the ledger of every input row. Rows with an empty id or
        session, an unreadable date or an unknown present answer are quarantined (errors);
        a repeated (session, participant) row is kept with a warning and counted once.

    Raises
    ------
    InputError
        When the file is missing, unreadable, too large, or lacks a declared column.
    """
    wanted = {"session": cfg.session_column, "id": cfg.id_column}
    wanted |= {"date": cfg.date_column} if cfg.date_column else {}
    wanted |= {"present": cfg.present_column} if cfg.present_column else {}
    table, cols = _read_log(cfg, Path(base_dir), wanted, limits or Limits())
    frame = table.frame.astype(str)
    rows, blank = _frame_rows(table)
    parsed: dict[str, pd.Series] = {}
    if "date" in cols:
        parsed["date"], parsed["date_bad"] = parse_timestamps(
            frame[cols["date"]], layout=cfg.date_format
        )
    if "present" in cols:
        parsed["present"] = frame[cols["present"]].map(normalize_text).map(_present_lookup(cfg))
    problems = [p for p in _attendance_problems(frame, cols, rows, parsed, cfg)
                if not blank.iat[int(p.row) - rows[0]]]  # fmt: skip
    reasons = _reasons(problems)
    keep = ~blank.to_numpy() & np.array([int(r) not in reasons for r in rows], dtype=bool)
    session = frame[cols["session"]].str.strip()
    records = pd.DataFrame(
        {
            "source_row": rows.astype(int),
            "session": session,
            "session_key": session.map(normalize_text),
            "date": parsed.get("date", pd.Series(pd.NaT, index=frame.index)),
            "participant": normalize_id(frame[cols["id"]], kind=cfg.id_kind),
            "participant_raw": frame[cols["id"]].str.strip(),
            "present": parsed.get("present", pd.Series(True, index=frame.index)),
        }
    )[keep].reset_index(drop=True)
    records["present"] = records["present"].astype(bool)
    problems += _duplicate_warnings(records, cfg, cols["id"])
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return Attendance(records, tuple(problems), _ledger(rows, blank, reasons), cfg)


# --------------------------------------------------------------------------- reach and dose


@dataclass(frozen=True)
class ReachDose:
    """Reach, dose and completion of a program.

    Attributes
    ----------
    participants
        One row per participant enrolled or in the log: ``participant, enrolled, in_log,
        sessions_attended, dose_share, reached, completed``.
    sessions
        One row per session held (in the order held): ``session, date, rows, present,
        present_enrolled, share_of_enrolled``.
    summary
        Tidy facts: ``statistic, value, base, note`` (see :func:`reach_dose`).
    not_enrolled
        Ids in the log that are not enrolled: ``participant, participant_raw, first_row,
        sessions_attended`` (a misspelt name shows here).
    never_attended
        Enrolled ids with no attendance: ``participant``.
    problems
        One warning per id in the log that is not enrolled, naming its first row.
    """

    participants: pd.DataFrame
    sessions: pd.DataFrame
    summary: pd.DataFrame
    not_enrolled: pd.DataFrame
    never_attended: pd.DataFrame
    problems: tuple[Problem, ...]

    def value(self, statistic: str) -> float:
        """One summary value by its statistic name."""
        return float(self.summary.set_index("statistic").at[statistic, "value"])

    def actuals(self) -> dict[str, float]:
        """The actual values :func:`plan_vs_actual` takes from attendance."""
        keys = {
            "participants_enrolled": "enrolled",
            "participants_reached": "reached",
            "sessions_held": "sessions_held",
            "attendance_share": "dose_share_mean",
            "completion_share": "completed_share",
        }
        return {key: self.value(statistic) for key, statistic in keys.items()}


def _session_order(records: pd.DataFrame) -> pd.DataFrame:
    """Sessions in the order held: by number when all labels are numbers, else by first date,
    then by first appearance in the log."""
    first = records.groupby("session_key", sort=False).agg(
        session=("session", "first"), date=("date", "min"), first_row=("source_row", "min")
    )
    number = pd.to_numeric(first["session"].str.replace(",", "."), errors="coerce")
    by = ["number", "first_row"] if number.notna().all() else ["date", "first_row"]
    return first.assign(number=number).sort_values(by, na_position="last")


def _session_table(records: pd.DataFrame, enrolled: set[str]) -> pd.DataFrame:
    order = _session_order(records)
    present = records[records["present"]]
    n_present = present.groupby("session_key")["participant"].nunique()
    n_enrolled = (
        present[present["participant"].isin(enrolled)]
        .groupby("session_key")["participant"]
        .nunique()
    )
    table = pd.DataFrame(
        {
            "session": order["session"],
            "date": order["date"],
            "rows": records.groupby("session_key").size().reindex(order.index),
            "present": n_present.reindex(order.index, fill_value=0),
            "present_enrolled": n_enrolled.reindex(order.index, fill_value=0),
        }
    )
    table["share_of_enrolled"] = table["present_enrolled"] / len(enrolled) if enrolled else np.nan
    return table.reset_index(drop=True)


def _participant_table(att: Attendance, enrolled: list[str], held: int) -> pd.DataFrame:
    cfg, records = att.config, att.records
    attended = records[records["present"]].groupby("participant")["session_key"].nunique()
    in_log = list(dict.fromkeys(records["participant"]))
    ids = list(dict.fromkeys([*enrolled, *in_log]))
    table = pd.DataFrame({"participant": ids})
    table["enrolled"] = table["participant"].isin(set(enrolled))
    table["in_log"] = table["participant"].isin(set(in_log))
    table["sessions_attended"] = attended.reindex(ids, fill_value=0).to_numpy().astype(int)
    offered = cfg.sessions_offered(held)
    table["dose_share"] = table["sessions_attended"] / offered if offered else np.nan
    table["reached"] = table["sessions_attended"] >= 1
    table["completed"] = table["sessions_attended"] >= cfg.completion_threshold(held)
    return table


def _summary(table: pd.DataFrame, cfg: AttendanceLog, held: int) -> pd.DataFrame:
    mine = table[table["enrolled"]]
    n = len(mine)
    share = (lambda k: k / n) if n else (lambda k: np.nan)
    reached, completed = int(mine["reached"].sum()), int(mine["completed"].sum())
    rows = [
        ("enrolled", n, "", ""),
        ("reached", reached, "enrolled", "attended at least one session"),
        ("reached_share", share(reached), "enrolled", ""),
        ("completed", completed, "enrolled",
         f"attended at least {cfg.completion_threshold(held)} session(s)"),
        ("completed_share", share(completed), "enrolled", ""),
        ("never_attended", n - reached, "enrolled", "enrolled, no attendance recorded"),
        ("attended_not_enrolled", int((~table["enrolled"] & table["reached"]).sum()), "log",
         "in the log, not among the enrolled ids"),
        ("sessions_planned", np.nan if cfg.sessions_planned is None else cfg.sessions_planned,
         "", ""),
        ("sessions_held", held, "", ""),
        ("sessions_offered", cfg.sessions_offered(held), "", "denominator of dose_share"),
        ("completion_min_sessions", cfg.completion_threshold(held), "", ""),
        ("sessions_attended_mean", mine["sessions_attended"].mean(), "enrolled", "zeros included"),
        ("sessions_attended_median", mine["sessions_attended"].median(), "enrolled",
         "zeros included"),
        ("dose_share_mean", mine["dose_share"].mean(), "enrolled", "zeros included"),
        ("dose_share_median", mine["dose_share"].median(), "enrolled", "zeros included"),
        ("dose_share_mean_reached", mine.loc[mine["reached"], "dose_share"].mean(), "reached", ""),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["statistic", "value", "base", "note"])
    return frame.astype({"value": float})


def reach_dose(att: Attendance, enrolled_ids: Iterable[object]) -> ReachDose:
    """Reach, dose and completion: who came, how often, and who completed.

    Parameters
    ----------
    att
        The attendance log read by :func:`read_attendance`.
    enrolled_ids
        Identities of the enrolled participants as entered in the survey (names or numbers,
        not pseudonymous codes); they are made comparable the same way as the log's ids
        (:func:`pipeline.clean.normalize_id` with the log's ``id_kind``).

    Returns
    -------
    ReachDose
        The ``summary`` statistics are ``enrolled, reached, reached_share, completed,
        completed_share, never_attended, attended_not_enrolled, sessions_planned,
        sessions_held, sessions_offered, completion_min_sessions, sessions_attended_mean,
        sessions_attended_median, dose_share_mean, dose_share_median,
        dose_share_mean_reached``. Shares and means are over the enrolled (those who never
        came count as zero), except ``dose_share_mean_reached``.

    Notes
    -----
    Reach is the share of the intended participants who attended at least once, dose the
    amount of the program each received (Steckler & Linnan 2002; Saunders et al. 2005). The
    dose share divides sessions attended by sessions planned, or by sessions held when more
    were held, so a program that held fewer sessions than planned shows as a lower dose.

    References
    ----------
    Steckler, A., & Linnan, L. (2002). *Process evaluation for public health interventions
    and research*. Jossey-Bass.
    Saunders, R. P., Evans, M. H., & Joshi, P. (2005). Developing a process-evaluation plan
    for assessing health promotion program implementation. *Health Promotion Practice, 6*(2),
    134-147.
    """
    cfg, records = att.config, att.records
    raw = pd.Series([str(x) for x in enrolled_ids], dtype=object)
    enrolled = [i for i in dict.fromkeys(normalize_id(raw, kind=cfg.id_kind)) if i]
    held = int(records["session_key"].nunique())
    table = _participant_table(att, enrolled, held)
    outsiders = table.loc[~table["enrolled"], ["participant", "sessions_attended"]]
    first = records.drop_duplicates("participant").set_index("participant")
    not_enrolled = outsiders.assign(
        participant_raw=first["participant_raw"].reindex(outsiders["participant"]).to_numpy(),
        first_row=first["source_row"].reindex(outsiders["participant"]).to_numpy(),
    )[["participant", "participant_raw", "first_row", "sessions_attended"]]
    problems = tuple(
        _cell("value_not_allowed", cfg.file, r.first_row, cfg.id_column, r.participant_raw,
              bilingual("a participant enrolled in the survey (a misspelt name?)",
                        "peserta yang terdaftar dalam survei (salah tulis nama?)"),
              severity="warning")
        for r in not_enrolled.itertuples()
    )  # fmt: skip
    never = table.loc[table["enrolled"] & ~table["reached"], ["participant"]]
    return ReachDose(
        participants=table,
        sessions=_session_table(records, set(enrolled)),
        summary=_summary(table, cfg, held),
        not_enrolled=not_enrolled.reset_index(drop=True),
        never_attended=never.reset_index(drop=True),
        problems=problems,
    )


# --------------------------------------------------------------------------- dose-response

#: Why a dose-response association is not an effect; shown with every dose-response result.
DOSE_CAVEAT = {
    "id": "Dosis dipilih sendiri oleh peserta: merekalah yang menentukan berapa sesi yang "
    "diikuti, dan peserta yang lebih termotivasi cenderung lebih sering hadir sekaligus lebih "
    "banyak berubah. Karena itu hubungan antara jumlah sesi yang diikuti dan peningkatan skor "
    "bukan hubungan sebab-akibat: hubungan ini tidak menunjukkan bahwa sesi tambahan "
    "menyebabkan peningkatan yang lebih besar.",
    "en": "Dose is self-selected: participants chose how many sessions to attend, and the more "
    "motivated tend both to attend more and to change more. The association between sessions "
    "attended and gain is therefore not causal: it does not show that extra sessions cause a "
    "larger gain.",
}


@dataclass(frozen=True)
class DoseResponse:
    """Association of dose (sessions attended) with gain.

    Attributes
    ----------
    n
        Participants with both a dose and a gain.
    pearson_r, pearson_ci_low, pearson_ci_high, pearson_p
        Pearson's r, its Fisher-z interval and the p-value of the t test of r = 0.
    spearman_rho, spearman_p
        Spearman's rho (average ranks for ties) and its asymptotic t p-value.
    slope, slope_ci_low, slope_ci_high, slope_p, intercept
        OLS of gain on sessions attended: gain change per extra session, its t interval and
        p-value.
    ci_level
        Level of the intervals.
    caveat
        ``{"id": ..., "en": ...}``: dose is self-selected, the association is not causal.
    note
        Why a statistic is missing (too few participants, no variation), else "".
    """

    n: int
    pearson_r: float
    pearson_ci_low: float
    pearson_ci_high: float
    pearson_p: float
    spearman_rho: float
    spearman_p: float
    slope: float
    slope_ci_low: float
    slope_ci_high: float
    slope_p: float
    intercept: float
    ci_level: float
    caveat: Mapping[str, str]
    note: str = ""

    def table(self) -> pd.DataFrame:
        """Tidy rows: ``statistic, estimate, ci_low, ci_high, p, n, method``."""
        rows = [
            ("pearson_r", self.pearson_r, self.pearson_ci_low, self.pearson_ci_high,
             self.pearson_p, "Pearson r, Fisher z interval"),
            ("spearman_rho", self.spearman_rho, np.nan, np.nan, self.spearman_p,
             "Spearman rho, asymptotic t p-value"),
            ("slope", self.slope, self.slope_ci_low, self.slope_ci_high, self.slope_p,
             "OLS slope of gain on sessions attended"),
        ]  # fmt: skip
        frame = pd.DataFrame(rows, columns=["statistic", "estimate", "ci_low", "ci_high", "p",
                                            "method"])  # fmt: skip
        frame.insert(5, "n", self.n)
        return frame


def _pearson(x: np.ndarray, y: np.ndarray, level: float) -> tuple[float, float, float, float]:
    n = len(x)
    r = float(np.corrcoef(x, y)[0, 1])
    t = r * math.sqrt((n - 2) / (1 - r * r)) if abs(r) < 1 else math.copysign(np.inf, r)
    p = float(2 * stats.t.sf(abs(t), n - 2))
    if n <= 3 or abs(r) >= 1:
        return r, np.nan, np.nan, p
    half = stats.norm.ppf((1 + level) / 2) / math.sqrt(n - 3)
    z = math.atanh(r)
    return r, math.tanh(z - half), math.tanh(z + half), p


def _ols(x: np.ndarray, y: np.ndarray, level: float) -> tuple[float, ...]:
    n = len(x)
    sxx = float(((x - x.mean()) ** 2).sum())
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * x.mean())
    resid = y - intercept - slope * x
    se = math.sqrt(float((resid**2).sum()) / (n - 2) / sxx)
    crit = stats.t.ppf((1 + level) / 2, n - 2)
    p = float(2 * stats.t.sf(abs(slope / se), n - 2)) if se > 0 else 0.0
    return slope, slope - crit * se, slope + crit * se, p, intercept


def dose_response(dose: pd.Series, gain: pd.Series, *, ci_level: float = 0.95) -> DoseResponse:
    """Pearson and Spearman correlation and OLS slope of gain on sessions attended.

    Parameters
    ----------
    dose
        Sessions attended per participant (index: participant).
    gain
        The participant's gain or change score (same index); participants missing either
        value are left out.
    ci_level
        Level of the intervals.

    Returns
    -------
    DoseResponse
        With the caveat that dose is self-selected, so the association is not causal.

    Notes
    -----
    r's interval is tanh(atanh(r) ± z_{1-α/2} / sqrt(n - 3)) (Fisher 1921); its p-value is the
    t test of r = 0 on n - 2 df. Spearman's p-value uses the t approximation, as R's
    ``cor.test(method = "spearman", exact = FALSE)``. The slope's interval is b ± t_{1-α/2,
    n-2} · SE(b). At least 3 participants with varying dose and gain are needed, 4 for r's
    interval.

    References
    ----------
    Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced from
    a small sample. *Metron, 1*, 3-32.
    """
    both = pd.concat({"dose": dose, "gain": gain}, axis=1, join="inner").dropna()
    x, y = both["dose"].to_numpy(float), both["gain"].to_numpy(float)
    n, nan = len(both), (np.nan,)
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        note = "fewer than 3 participants" if n < 3 else "dose or gain does not vary"
        return DoseResponse(n, *nan * 11, ci_level=ci_level, caveat=DOSE_CAVEAT, note=note)
    r, r_low, r_high, r_p = _pearson(x, y, ci_level)
    rho, _, _, rho_p = _pearson(stats.rankdata(x), stats.rankdata(y), ci_level)
    slope, s_low, s_high, s_p, intercept = _ols(x, y, ci_level)
    note = "" if n > 3 else "r's interval needs at least 4 participants"
    return DoseResponse(n, r, r_low, r_high, r_p, rho, rho_p, slope, s_low, s_high, s_p,
                        intercept, ci_level, DOSE_CAVEAT, note)  # fmt: skip


# --------------------------------------------------------------------------- service log


@dataclass(frozen=True)
class ServiceRecords:
    """A service log read and checked.

    Attributes
    ----------
    events
        One row per case and step reached: ``case, step, step_order, time, source_row``.
    cases
        Every usable case, also those without any time (spelled as first written).
    problems
        Cells that could not be used: empty case, unreadable time, unknown step, repeated case
        or step (errors).
    rows
        Every input row: ``source_row, status, reason`` (before the order check of
        :func:`step_durations`).
    config
        The log's configuration.
    """

    events: pd.DataFrame
    cases: tuple[str, ...]
    problems: tuple[Problem, ...]
    rows: pd.DataFrame
    config: ServiceLog


_TIME_EXPECTED = bilingual(
    "a date and time such as 21/07/2026 09:15", "tanggal dan jam seperti 21/07/2026 09:15"
)
_CASE_EXPECTED = bilingual("a case number or name", "nomor atau nama kasus")


def _canonical_case(case: pd.Series) -> pd.Series:
    """One spelling per case: 'K-01 ' and 'k-01' are the case first written 'K-01'."""
    return case.groupby(case.map(normalize_text)).transform("first")


def _repeated(keys: pd.Series, rows: np.ndarray) -> list[tuple[int, int]]:
    """(position, first spreadsheet row) of every repeat of a key."""
    first = pd.Series(rows, index=keys.index).groupby(keys).transform("min")
    return [(int(i), int(first.iat[i])) for i in np.flatnonzero(keys.duplicated().to_numpy())]


def _wide_events(table: RawTable, cols: dict[str, str], cfg: ServiceLog, rows: np.ndarray):
    frame = table.frame.astype(str)
    case = frame[cols["case"]].str.strip()
    column = cols["case"]
    problems = [
        _cell("value_not_allowed", cfg.file, rows[i], column, "", _CASE_EXPECTED)
        for i in np.flatnonzero(case.eq("").to_numpy())
    ]
    named = case.ne("").to_numpy()
    for i, first in _repeated(case.map(normalize_text)[named], rows[named]):
        expected = bilingual(
            f"one row per case; row {first} has the same case",
            f"satu baris per kasus; baris {first} memuat kasus yang sama",
        )
        row = rows[named][i]
        problems.append(_cell("value_not_allowed", cfg.file, row, column, case[named].iat[i],
                              expected))  # fmt: skip
    events = []
    for order in range(len(cfg.steps)):
        column = cols[f"step:{order}"]
        times, bad = parse_timestamps(frame[column], layout=cfg.timestamp_format)
        problems += [
            _cell("timestamp_invalid", cfg.file, rows[i], column, frame[column].iat[i],
                  _TIME_EXPECTED)
            for i in np.flatnonzero(bad.to_numpy())
        ]  # fmt: skip
        part = pd.DataFrame({"case": case, "step_order": order, "time": times, "source_row": rows})
        events.append(part[times.notna().to_numpy()])
    cases = pd.DataFrame({"case": case, "source_row": rows})
    return pd.concat(events, ignore_index=True), cases, problems


def _long_events(table: RawTable, cols: dict[str, str], cfg: ServiceLog, rows: np.ndarray):
    frame = table.frame.astype(str)
    case = frame[cols["case"]].str.strip()
    index = {normalize_text(s.source): i for i, s in enumerate(cfg.steps)}
    index |= {normalize_text(s.name): i for i, s in enumerate(cfg.steps)}
    order = frame[cols["step"]].map(normalize_text).map(index)
    times, _ = parse_timestamps(frame[cols["time"]], layout=cfg.timestamp_format)
    names = ", ".join(f"'{s.source}'" for s in cfg.steps)
    checks = [
        (case.eq(""), "value_not_allowed", "case", _CASE_EXPECTED),
        (order.isna(), "value_not_allowed", "step",
         bilingual(f"one of the declared steps: {names}", f"salah satu tahap: {names}")),
        (times.isna(), "timestamp_invalid", "time", _TIME_EXPECTED),
    ]  # fmt: skip
    problems = [
        _cell(code, cfg.file, rows[i], cols[role], frame[cols[role]].iat[i], expected)
        for mask, code, role, expected in checks
        for i in np.flatnonzero(mask.to_numpy())
    ]
    events = pd.DataFrame({"case": case, "step_order": order, "time": times, "source_row": rows})
    clean = events[~events["source_row"].isin(set(_reasons(problems)))]
    keys = clean["case"].map(normalize_text) + "\x00" + clean["step_order"].astype(str)
    for i, first in _repeated(keys, clean["source_row"].to_numpy()):
        expected = bilingual(
            f"one time per case and step; row {first} has this step of this case",
            f"satu waktu per kasus dan tahap; baris {first} memuat tahap ini untuk kasus ini",
        )
        label = frame[cols["step"]].loc[clean.index[i]]
        row = clean["source_row"].iat[i]
        problems.append(_cell("value_not_allowed", cfg.file, row, cols["step"], label, expected))
    return events, events[["case", "source_row"]], problems


def read_service_log(
    cfg: ServiceLog, base_dir: str | Path, *, limits: Limits | None = None
) -> ServiceRecords:
    """Read a service log in the wide or long layout.

    Parameters
    ----------
    cfg
        The log's configuration.
    base_dir
        Folder that ``cfg.file`` is relative to.
    limits
        File size and row limits (default: :class:`pipeline.config.Limits`).

    Returns
    -------
    ServiceRecords
        The times each case reached each step; in the wide layout a blank time means the step
        was not reached. A row with an empty case, an unreadable time, an unknown step or a
        blank time (long layout), or a repeated case (wide) or case and step (long), is
        quarantined with a problem; the first row of a repeat is used.

    Raises
    ------
    InputError
        When the file is missing, unreadable, too large, or lacks a declared column.
    """
    wanted = {"case": cfg.case_column}
    if cfg.layout == "wide":
        wanted |= {f"step:{i}": s.source for i, s in enumerate(cfg.steps)}
    else:
        wanted |= {"step": cfg.step_column, "time": cfg.time_column}  # type: ignore[dict-item]
    table, cols = _read_log(cfg, Path(base_dir), wanted, limits or Limits())
    rows, blank = _frame_rows(table)
    reader = _wide_events if cfg.layout == "wide" else _long_events
    events, cases, problems = reader(table, cols, cfg, rows.astype(int))
    blank_rows = set(rows[blank.to_numpy()].tolist())
    problems = sorted(
        (p for p in problems if p.row not in blank_rows), key=lambda p: (p.row or 0, p.column)
    )
    reasons = _reasons(problems)
    cases = cases[~cases["source_row"].isin(set(reasons) | blank_rows)]
    canonical = _canonical_case(cases["case"])
    events = events[events["source_row"].isin(set(cases["source_row"]))].assign(
        case=lambda e: e["source_row"].map(dict(zip(cases["source_row"], canonical, strict=True))),
        step_order=lambda e: e["step_order"].astype(int),
    )
    events = events.assign(step=[cfg.steps[i].name for i in events["step_order"]])
    columns = ["case", "step", "step_order", "time", "source_row"]
    return ServiceRecords(
        events[columns].sort_values(["case", "step_order"]).reset_index(drop=True),
        tuple(dict.fromkeys(canonical)),
        tuple(problems),
        _ledger(rows, blank, reasons),
        cfg,
    )


# --------------------------------------------------------------------------- step durations


@dataclass(frozen=True)
class StepDurations:
    """Times between the steps of a service, against their standards.

    Attributes
    ----------
    durations
        One row per case and step after the first: ``case, step, step_order, source_row,
        start, end, hours, standard_hours, within_standard`` (NA when not measurable) and
        ``note`` ("step not reached", "previous step missing" or "").
    summary
        One row per step: ``step, step_order, standard, standard_hours, n_cases, n_reached,
        n_missing, n_measured, mean_hours, median_hours, q1_hours, q3_hours, iqr_hours,
        n_within, share_within, bottleneck``.
    end_to_end
        One row: ``from_step, to_step, n, mean_hours, median_hours, q1_hours, q3_hours,
        iqr_hours, max_hours, standard_hours`` (the sum of the step standards), ``n_within,
        share_within``.
    bottleneck
        The step with the lowest share within its standard (ties: the longest median), or
        None when no step with a standard was measured.
    problems
        The log's problems and one per time out of order.
    rows
        Every input row: ``source_row, status ("used", "problem", "blank"), reason``.
    """

    durations: pd.DataFrame
    summary: pd.DataFrame
    end_to_end: pd.DataFrame
    bottleneck: str | None
    problems: tuple[Problem, ...]
    rows: pd.DataFrame


def _out_of_order(log: ServiceRecords) -> list[Problem]:
    """A time earlier than the latest time of an earlier step of the same case."""
    cfg, problems = log.config, []
    for _, case in log.events.groupby("case", sort=False):
        latest = None
        for r in case.sort_values("step_order").itertuples():
            if latest is not None and r.time < latest.time:
                column = cfg.time_column if cfg.layout == "long" else cfg.steps[r.step_order].source
                then = f"{latest.time:%d/%m/%Y %H:%M}"
                expected = bilingual(
                    f"a time after step '{latest.step}' ({then}, row {latest.source_row}): "
                    "the times are out of order",
                    f"waktu sesudah tahap '{latest.step}' ({then}, baris {latest.source_row}): "
                    "urutan waktunya terbalik",
                )
                problems.append(_cell("value_not_allowed", cfg.file, r.source_row, column,
                                      f"{r.time:%d/%m/%Y %H:%M}", expected))  # fmt: skip
            elif latest is None or r.time >= latest.time:
                latest = r
    return problems


def _pivot(events: pd.DataFrame, cases: Sequence[str], n_steps: int, values: str) -> pd.DataFrame:
    wide = events.pivot(index="case", columns="step_order", values=values)
    return wide.reindex(index=list(cases), columns=range(n_steps))


def _step_times(events: pd.DataFrame, cases: Sequence[str], cfg: ServiceLog) -> pd.DataFrame:
    """Each case's time at each step (cases x step order), NaT where missing. astype, not
    to_datetime per column: a column without any time (every case quarantined) must still
    be datetime, or the durations cannot subtract."""
    return _pivot(events, cases, len(cfg.steps), "time").astype("datetime64[ns]")


def _case_durations(events: pd.DataFrame, cases: Sequence[str], cfg: ServiceLog) -> pd.DataFrame:
    times = _step_times(events, cases, cfg)
    source = _pivot(events, cases, len(cfg.steps), "source_row")
    parts = []
    for order, step in enumerate(cfg.steps[1:], start=1):
        start, end = times[order - 1], times[order]
        hours = (end - start).dt.total_seconds() / 3600
        within = pd.Series(pd.NA, index=hours.index, dtype="boolean")
        if step.standard_hours is not None:
            within[hours.notna()] = hours[hours.notna()] <= step.standard_hours + 1e-9
        note = np.select([end.isna(), start.isna()], ["step not reached", "previous step missing"],
                         default="")  # fmt: skip
        part = pd.DataFrame(
            {"step": step.name, "step_order": order,
             "source_row": source[order].astype("Int64"), "start": start, "end": end,
             "hours": hours, "standard_hours": step.standard_hours, "within_standard": within,
             "note": note}
        )  # fmt: skip
        parts.append(part.rename_axis("case").reset_index())
    frame = pd.concat(parts, ignore_index=True)
    return frame.astype({"standard_hours": float})


def _describe(hours: pd.Series) -> dict[str, float]:
    """Mean, median and quartiles (R's type 7) of a set of durations."""
    if hours.empty:
        q1 = median = q3 = np.nan
    else:
        q1, median, q3 = (float(hours.quantile(q)) for q in (0.25, 0.5, 0.75))
    return {"mean_hours": hours.mean(), "median_hours": median, "q1_hours": q1, "q3_hours": q3,
            "iqr_hours": q3 - q1}  # fmt: skip


def _step_summary(events: pd.DataFrame, durations: pd.DataFrame, cases, cfg: ServiceLog):
    rows = []
    for order, step in enumerate(cfg.steps):
        mine = durations[(durations["step_order"] == order) & durations["hours"].notna()]
        reached = int((events["step_order"] == order).sum())
        within = mine["within_standard"].dropna()
        rows.append(
            {"step": step.name, "step_order": order, "standard": step.standard,
             "standard_hours": step.standard_hours, "n_cases": len(cases), "n_reached": reached,
             "n_missing": len(cases) - reached, "n_measured": len(mine),
             **_describe(mine["hours"]),
             "n_within": float(within.sum()) if len(within) else np.nan,
             "share_within": float(within.mean()) if len(within) else np.nan}
        )  # fmt: skip
    summary = pd.DataFrame(rows).astype({"standard_hours": float})
    ranked = summary.dropna(subset=["share_within"]).sort_values(
        ["share_within", "median_hours", "step_order"], ascending=[True, False, True]
    )
    bottleneck = None if ranked.empty else str(ranked["step"].iat[0])
    summary["bottleneck"] = summary["step"].eq(bottleneck)
    return summary, bottleneck


def _end_to_end(events: pd.DataFrame, cases: Sequence[str], cfg: ServiceLog) -> pd.DataFrame:
    last = len(cfg.steps) - 1
    times = _step_times(events, cases, cfg)
    hours = ((times[last] - times[0]).dt.total_seconds() / 3600).dropna()
    standards = [s.standard_hours for s in cfg.steps[1:]]
    standard = np.nan if None in standards else float(sum(standards))  # type: ignore[arg-type]
    measured = bool(len(hours)) and not np.isnan(standard)
    within = hours <= standard + 1e-9
    return pd.DataFrame(
        [{"from_step": cfg.steps[0].name, "to_step": cfg.steps[last].name, "n": len(hours),
          **_describe(hours), "max_hours": hours.max(), "standard_hours": standard,
          "n_within": float(within.sum()) if measured else np.nan,
          "share_within": float(within.mean()) if measured else np.nan}]
    )  # fmt: skip


def step_durations(log: ServiceRecords) -> StepDurations:
    """Time from each step to the next, per case and per step, against the standards.

    Parameters
    ----------
    log
        The service log read by :func:`read_service_log`.

    Returns
    -------
    StepDurations
        Per-case durations, a per-step summary, the end-to-end duration (first to last step)
        and the bottleneck step.

    Notes
    -----
    A step's duration runs from the previous step of the procedure; when the case has no time
    for the previous step the duration is not measured (noted), since the standard is set
    from that step. A time earlier than the latest time of an earlier step of its case is a
    problem, and the whole case is quarantined: which of the two times is wrong cannot be
    told. A duration equal to the standard is within it. Quartiles are Hyndman & Fan's type 7
    sample quantiles (R's default).

    References
    ----------
    Hyndman, R. J., & Fan, Y. (1996). Sample quantiles in statistical packages. *The American
    Statistician, 50*(4), 361-365.
    """
    cfg = log.config
    order_problems = _out_of_order(log)
    bad_rows = {p.row for p in order_problems}
    bad_cases = set(log.events.loc[log.events["source_row"].isin(bad_rows), "case"])
    events = log.events[~log.events["case"].isin(bad_cases)]
    cases = [c for c in log.cases if c not in bad_cases]
    problems = sorted([*log.problems, *order_problems], key=lambda p: (p.row or 0, p.column))
    reasons = _reasons(problems)
    for row in log.events.loc[log.events["case"].isin(bad_cases), "source_row"]:
        reasons.setdefault(int(row), "the case is quarantined: its times are out of order")
    rows = log.rows.copy()
    hit = rows["source_row"].isin(list(reasons)) & rows["status"].eq("used")
    rows.loc[hit, "status"] = "problem"
    rows.loc[hit, "reason"] = rows.loc[hit, "source_row"].map(reasons)
    durations = _case_durations(events, cases, cfg)
    summary, bottleneck = _step_summary(events, durations, cases, cfg)
    end_to_end = _end_to_end(events, cases, cfg)
    return StepDurations(durations, summary, end_to_end, bottleneck, tuple(problems), rows)


# --------------------------------------------------------------------------- plan vs actual


def _compare(planned: float | bool, actual: Any, direction: Direction) -> tuple[Any, str]:
    if actual is None or (pd.api.types.is_scalar(actual) and pd.isna(actual)):
        return None, "not measured"
    if direction == "equal" or isinstance(planned, bool):
        return bool(actual == planned), ""
    tol = 1e-9 * max(1.0, abs(float(planned)))
    if direction == "at_least":
        return bool(float(actual) >= float(planned) - tol), ""
    return bool(float(actual) <= float(planned) + tol), ""


def plan_vs_actual(plan: Plan, actual: Mapping[str, Any]) -> pd.DataFrame:
    """Planned targets against what the analysis found, by POAC pillar.

    Parameters
    ----------
    plan
        The planned targets; only those set are compared.
    actual
        Actual values by key. The built-in keys (:data:`ACTUAL_KEYS`) are
        ``participants_enrolled`` (enrolled participants), ``sessions_held``,
        ``effect_size`` (d of the primary outcome), ``improved_share`` (share with post >
        pre), ``facilitators``, ``partners``, ``participants_reached`` (attended at least
        once), ``attendance_share`` (mean dose share of the enrolled), ``completion_share``,
        ``pre_measured`` and ``post_measured`` (bool), ``data_complete_share`` (share of
        the enrolled with both waves) and ``attrition_share``; custom indicators add their
        ``actual_key``. A missing key or a None/NaN value means "not measured".

    Returns
    -------
    DataFrame
        One row per planned target: ``pillar, indicator, label_id, label_en, planned,
        actual, direction, met`` (True, False, or None when not measured), ``attainment``
        (actual / planned for numeric targets above zero) and ``note``.

    Raises
    ------
    KeyError
        When ``actual`` holds a key no indicator reads (a misspelt key would otherwise hide
        a target as "not measured").
    """
    specs = [
        (spec, getattr(getattr(plan, pillar), name)) for (pillar, name), spec in INDICATORS.items()
    ]
    specs += [
        (IndicatorSpec(c.pillar, c.name, c.actual_key or c.name, c.direction, c.label.id,
                       c.label.en), c.planned)
        for c in plan.custom
    ]  # fmt: skip
    unknown = set(actual) - {spec.actual_key for spec, _ in specs}
    if unknown:
        raise KeyError(f"actual values with unknown keys {sorted(unknown)}; known: {ACTUAL_KEYS}")
    rows = []
    for spec, planned in specs:
        if planned is None:
            continue
        value = actual.get(spec.actual_key)
        met, note = _compare(planned, value, spec.direction)
        numeric = not isinstance(planned, bool) and planned and note == ""
        rows.append({
            "pillar": spec.pillar, "indicator": spec.name, "label_id": spec.label_id,
            "label_en": spec.label_en, "planned": planned, "actual": value,
            "direction": spec.direction, "met": met,
            "attainment": float(value) / float(planned) if numeric else np.nan, "note": note,
        })  # fmt: skip
    columns = ["pillar", "indicator", "label_id", "label_en", "planned", "actual", "direction",
               "met", "attainment", "note"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns).astype({"planned": object, "actual": object})
    order = {p: i for i, p in enumerate(["plan", "organize", "actuate", "control"])}
    return frame.sort_values("pillar", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )


# --------------------------------------------------------------------------- simulation


def simulate_attendance(
    rng: np.random.Generator,
    ids: Sequence[str],
    sessions: int | Sequence[str],
    p_attend: float | Sequence[float],
    *,
    start: dt.date = dt.date(2026, 7, 4),
    every_days: int = 7,
    columns: Sequence[str] = ("Pertemuan", "Tanggal", "Nama", "Kehadiran"),
) -> pd.DataFrame:
    """An attendance log as a facilitator would keep it: every participant in every session.

    Parameters
    ----------
    rng
        Seeded generator.
    ids
        Participant identities.
    sessions
        Number of sessions (labelled 1, 2, ...) or their labels.
    p_attend
        Probability of attending a session, one for all or one per participant.
    start, every_days
        Date of the first session and days between sessions.
    columns
        Headers of the session, date, id and present columns.

    Returns
    -------
    DataFrame
        Text cells: session, date (dd/mm/yyyy), id and "hadir" or "tidak".
    """
    labels = [str(i + 1) for i in range(sessions)] if isinstance(sessions, int) else list(sessions)
    p = np.broadcast_to(np.asarray(p_attend, dtype=float), (len(ids),))
    came = rng.random((len(labels), len(ids))) < p
    session_col, date_col, id_col, present_col = columns
    return pd.DataFrame(
        {
            session_col: np.repeat(labels, len(ids)),
            date_col: np.repeat(
                [(start + dt.timedelta(days=every_days * k)).strftime("%d/%m/%Y")
                 for k in range(len(labels))], len(ids)),
            id_col: np.tile(np.asarray(ids, dtype=object), len(labels)),
            present_col: np.where(came.ravel(), "hadir", "tidak"),
        }
    )  # fmt: skip


def simulate_service_log(
    rng: np.random.Generator,
    n_cases: int,
    steps: Sequence[Step],
    *,
    start: dt.datetime = dt.datetime(2026, 2, 2, 8, 0),
    days: int = 120,
    speed: float = 0.6,
    spread: float = 0.7,
    p_stop: float = 0.05,
    case_column: str = "No. Kasus",
) -> pd.DataFrame:
    """A wide service log: one row per case, one time column per step.

    Each step takes ``standard × speed × lognormal(0, spread)`` hours (steps without a
    standard take a median of 24 hours), so about half of the steps at ``speed = 1`` exceed
    their standard; before each later step a case stops with probability ``p_stop`` (its
    later times blank). Requests arrive uniformly over ``days`` days during office hours.

    Returns
    -------
    DataFrame
        Text cells: the case number and times as dd/mm/yyyy HH:MM:SS.
    """
    arrivals = np.sort(rng.integers(0, days, n_cases)) * 24 + rng.uniform(0, 8, n_cases)
    hours = np.empty((n_cases, len(steps)))
    hours[:, 0] = arrivals
    for k, step in enumerate(steps[1:], start=1):
        median = (step.standard_hours or 24.0) * speed
        hours[:, k] = hours[:, k - 1] + median * rng.lognormal(0.0, spread, n_cases)
    goes_on = rng.random((n_cases, len(steps))) >= p_stop
    goes_on[:, 0] = True
    reached = np.cumprod(goes_on, axis=1).astype(bool)
    frame = pd.DataFrame({case_column: [f"K{i + 1:03d}" for i in range(n_cases)]})
    for k, step in enumerate(steps):
        stamps = [
            (start + dt.timedelta(hours=float(h))).strftime("%d/%m/%Y %H:%M:%S") if ok else ""
            for h, ok in zip(hours[:, k], reached[:, k], strict=True)
        ]
        frame[step.source] = stamps
    return frame
