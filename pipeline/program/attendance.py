"""Reach and dose from an attendance log: who was enrolled, who came at least once, who
completed, and how many sessions each attended (Steckler & Linnan 2002; Saunders, Evans &
Joshi 2005)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config.parts import ABSENT_LABELS, PRESENT_LABELS, AttendanceLog
from pipeline.errors import Problem, bilingual, reasons_by_row
from pipeline.program.logs import cell_problem, frame_rows, row_ledger
from pipeline.stages.identity import normalize_ids
from pipeline.stages.read import LogTable
from pipeline.stages.timestamps import parse_timestamps
from pipeline.text import normalize_text

__all__ = ["Attendance", "ReachDose", "attendance_records", "reach_dose"]


@dataclass(frozen=True)
class Attendance:
    """An attendance log read and checked.

    Attributes
    ----------
    records
        One row per usable input row: ``source_row, session, session_key, date, participant``
        (the comparable id, see :func:`pipeline.stages.identity.normalize_ids`),
        ``participant_raw`` (as entered) and ``present`` (bool).
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
        ("id", "id_missing", normalize_ids(frame[cols["id"]], kind=cfg.id_kind).eq(""),
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
        cell_problem(code, cfg.file, rows[i], cols[role], frame[cols[role]].iat[i], expected)
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
            cell_problem("value_not_allowed", cfg.file, r.source_row, column, r.participant_raw,
                  expected, severity="warning")
        )  # fmt: skip
    return problems


def attendance_records(log: LogTable, cfg: AttendanceLog) -> Attendance:
    """Check an attendance log row by row, collecting a problem for every row that cannot be
    used.

    Parameters
    ----------
    log
        The log as the read stage found it (:func:`pipeline.stages.read.read_log`).
    cfg
        The log's configuration.

    Returns
    -------
    Attendance
        Usable rows, problems and the ledger of every input row. Rows with an empty id or
        session, an unreadable date or an unknown present answer are quarantined (errors);
        a repeated (session, participant) row is kept with a warning and counted once.
    """
    table, cols = log.table, log.columns
    frame = table.frame.astype(str)
    rows, blank = frame_rows(table)
    parsed: dict[str, pd.Series] = {}
    if "date" in cols:
        parsed["date"], parsed["date_bad"] = parse_timestamps(
            frame[cols["date"]], layout=cfg.date_format
        )
    if "present" in cols:
        parsed["present"] = frame[cols["present"]].map(normalize_text).map(_present_lookup(cfg))
    problems = [p for p in _attendance_problems(frame, cols, rows, parsed, cfg)
                if not blank.iat[int(p.row) - rows[0]]]  # fmt: skip
    reasons = reasons_by_row(problems)
    keep = ~blank.to_numpy() & np.array([int(r) not in reasons for r in rows], dtype=bool)
    session = frame[cols["session"]].str.strip()
    records = pd.DataFrame(
        {
            "source_row": rows.astype(int),
            "session": session,
            "session_key": session.map(normalize_text),
            "date": parsed.get("date", pd.Series(pd.NaT, index=frame.index)),
            "participant": normalize_ids(frame[cols["id"]], kind=cfg.id_kind),
            "participant_raw": frame[cols["id"]].str.strip(),
            "present": parsed.get("present", pd.Series(True, index=frame.index)),
        }
    )[keep].reset_index(drop=True)
    records["present"] = records["present"].astype(bool)
    problems += _duplicate_warnings(records, cfg, cols["id"])
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return Attendance(records, tuple(problems), row_ledger(rows, blank, reasons), cfg)


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
        (:func:`pipeline.stages.identity.normalize_ids` with the log's ``id_kind``).

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
    enrolled = [i for i in dict.fromkeys(normalize_ids(raw, kind=cfg.id_kind)) if i]
    held = int(records["session_key"].nunique())
    table = _participant_table(att, enrolled, held)
    outsiders = table.loc[~table["enrolled"], ["participant", "sessions_attended"]]
    first = records.drop_duplicates("participant").set_index("participant")
    not_enrolled = outsiders.assign(
        participant_raw=first["participant_raw"].reindex(outsiders["participant"]).to_numpy(),
        first_row=first["source_row"].reindex(outsiders["participant"]).to_numpy(),
    )[["participant", "participant_raw", "first_row", "sessions_attended"]]
    problems = tuple(
        cell_problem("value_not_allowed", cfg.file, r.first_row, cfg.id_column, r.participant_raw,
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


# --------------------------------------------------------------------------- service log


# --------------------------------------------------------------------------- step durations


# --------------------------------------------------------------------------- plan vs actual


# --------------------------------------------------------------------------- simulation
