"""Service step times: the time each case of a service took from step to step of its procedure
(request form, recommendation letter, counselor agreement, session, report), against the time
standard of each step (SOP/SPM, e.g. "1x24 jam"), the share within it and the bottleneck."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config.parts import ServiceLog
from pipeline.errors import Problem, bilingual, reasons_by_row
from pipeline.program.logs import cell_problem, frame_rows, row_ledger
from pipeline.stages.read import LogTable, RawTable
from pipeline.stages.timestamps import parse_timestamps
from pipeline.text import normalize_text

__all__ = ["ServiceRecords", "StepDurations", "service_records", "step_durations"]


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
        cell_problem("value_not_allowed", cfg.file, rows[i], column, "", _CASE_EXPECTED)
        for i in np.flatnonzero(case.eq("").to_numpy())
    ]
    named = case.ne("").to_numpy()
    for i, first in _repeated(case.map(normalize_text)[named], rows[named]):
        expected = bilingual(
            f"one row per case; row {first} has the same case",
            f"satu baris per kasus; baris {first} memuat kasus yang sama",
        )
        row = rows[named][i]
        problems.append(cell_problem("value_not_allowed", cfg.file, row, column, case[named].iat[i],
                              expected))  # fmt: skip
    events = []
    for order in range(len(cfg.steps)):
        column = cols[f"step:{order}"]
        times, bad = parse_timestamps(frame[column], layout=cfg.timestamp_format)
        problems += [
            cell_problem("timestamp_invalid", cfg.file, rows[i], column, frame[column].iat[i],
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
        cell_problem(code, cfg.file, rows[i], cols[role], frame[cols[role]].iat[i], expected)
        for mask, code, role, expected in checks
        for i in np.flatnonzero(mask.to_numpy())
    ]
    events = pd.DataFrame({"case": case, "step_order": order, "time": times, "source_row": rows})
    clean = events[~events["source_row"].isin(set(reasons_by_row(problems)))]
    keys = clean["case"].map(normalize_text) + "\x00" + clean["step_order"].astype(str)
    for i, first in _repeated(keys, clean["source_row"].to_numpy()):
        expected = bilingual(
            f"one time per case and step; row {first} has this step of this case",
            f"satu waktu per kasus dan tahap; baris {first} memuat tahap ini untuk kasus ini",
        )
        label = frame[cols["step"]].loc[clean.index[i]]
        row = clean["source_row"].iat[i]
        problems.append(
            cell_problem("value_not_allowed", cfg.file, row, cols["step"], label, expected)
        )
    return events, events[["case", "source_row"]], problems


def service_records(log: LogTable, cfg: ServiceLog) -> ServiceRecords:
    """Check a service log in the wide or long layout.

    Parameters
    ----------
    log
        The log as the read stage found it (:func:`pipeline.stages.read.read_log`).
    cfg
        The log's configuration.

    Returns
    -------
    ServiceRecords
        The times each case reached each step; in the wide layout a blank time means the step
        was not reached. A row with an empty case, an unreadable time, an unknown step or a
        blank time (long layout), or a repeated case (wide) or case and step (long), is
        quarantined with a problem; the first row of a repeat is used.
    """
    table, cols = log.table, log.columns
    rows, blank = frame_rows(table)
    reader = _wide_events if cfg.layout == "wide" else _long_events
    events, cases, problems = reader(table, cols, cfg, rows.astype(int))
    blank_rows = set(rows[blank.to_numpy()].tolist())
    problems = sorted(
        (p for p in problems if p.row not in blank_rows), key=lambda p: (p.row or 0, p.column)
    )
    reasons = reasons_by_row(problems)
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
        row_ledger(rows, blank, reasons),
        cfg,
    )


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
                problems.append(cell_problem("value_not_allowed", cfg.file, r.source_row, column,
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
    reasons = reasons_by_row(problems)
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
