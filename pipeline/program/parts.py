"""The optional parts of a study besides the questionnaire, analysed after ``compare``.

A PKM program is more than a pre/post questionnaire. A study file may declare:

- ``attendance``: an attendance log, giving reach, dose per participant, completion and the
  dose-response of gain (with its caveat: dose is self-selected);
- ``service_log``: the time each case of a service reached each step of its procedure,
  giving step durations against the standard, the share within it and the bottleneck;
- ``aspirations``: the open question "what do you want to be?" in each wave, coded against
  the aspiration dictionary, with McNemar's test of the share naming an occupation;
- ``plan`` (and ``achieved``): planned targets by POAC pillar set against what happened;
- ``cbpr``: the Community-Based Participatory Research cycle as the program lived it.

:func:`extras` computes all of them for one finished analysis and returns tidy tables.
Participant codes are the pseudonyms of :mod:`pipeline.clean`; identities as entered (names,
numbers) appear only in :attr:`Extras.personal`, which stays in ``data/processed``. Problems
found in the logs are returned, never dropped: the bundle lists them with the survey's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline import aspirations as asp
from pipeline import process
from pipeline.clean import normalize_id
from pipeline.config import CBPR_STAGES, Study
from pipeline.errors import ConfigError, InputError, Problem, bilingual
from pipeline.ingest import TIMESTAMP_HEADERS, normalize_text, read_table
from pipeline.score import analysis_groups

if TYPE_CHECKING:
    from pipeline.run import Analysis

__all__ = ["EXTRA_TABLES", "PERSONAL_EXTRA_TABLES", "Extras", "extras", "headline_scale"]

#: Tables :func:`extras` may add to the bundle (none holds names or answers as written).
EXTRA_TABLES = {
    "attendance_summary": "reach, dose and completion from the attendance log",
    "attendance_sessions": "participants present per session held",
    "dose": "sessions attended, dose share, reached and completed per participant code",
    "dose_response": "Pearson r, Spearman rho and OLS slope of gain on sessions attended",
    "log_ledger": "every row of the attendance and service logs and what became of it",
    "service_steps": "duration of each procedure step against its standard; the bottleneck",
    "service_cases": "per case (pseudonymous) and step: start, end, hours, within standard",
    "service_summary": "first to last step per case: duration and share within the standards",
    "aspirations_coded": "aspiration level, code and ISCO-08 group per participant code and wave",
    "aspirations_levels": "aspiration levels per wave and group (counts and shares)",
    "aspirations_transition": "pre level x post level of the same participants, per group",
    "aspirations_isco": "ISCO-08 major groups named before and after, per group",
    "aspirations_mcnemar": "McNemar's test of the share naming an occupation, per group",
    "plan_vs_actual": "planned targets against what happened, by POAC pillar",
    "cbpr_cycle": "the six stages of the CBPR cycle as the program lived it",
}
#: Tables with text as participants wrote it: kept in data/processed, never read by a report.
PERSONAL_EXTRA_TABLES = {
    "aspirations_review": "aspiration answers the dictionary could not code, with examples as "
    "written (personal: answers may hold names)",
    "attendance_not_enrolled": "names in the attendance log that match no survey participant "
    "(personal)",
}


@dataclass
class _Work:
    """What the parts collect while :func:`extras` runs."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    personal: dict[str, pd.DataFrame] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Extras:
    """The analysed optional parts of one study.

    Attributes
    ----------
    tables
        Bundle tables by name (:data:`EXTRA_TABLES`); only the parts the study declares.
    personal
        Tables with text as entered (:data:`PERSONAL_EXTRA_TABLES`).
    facts
        Facts for ``results.json`` (the dose caveat, the bottleneck, counts of uncoded
        answers, plan attainment per pillar...).
    problems
        Problems found in the logs (errors quarantine a log row, warnings keep it).
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    personal: dict[str, pd.DataFrame] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()


def headline_scale(study: Study) -> str:
    """The scale the report leads with: the total scale, else the last subscale."""
    instrument = study.instrument_spec
    return instrument.total_scale.id if instrument.total_scale else instrument.scales[-1].id


def _arm(analysis: Analysis) -> str:
    """The arm the program served: treatment when groups are declared, else everyone."""
    return analysis_groups(analysis.scored.scores)[0]


# --------------------------------------------------------------------------- attendance


def _identities(analysis: Analysis, arm: str) -> tuple[list[str], dict[str, str]]:
    """The arm's identities as entered (pre wave first) and every spelling to its code."""
    key = analysis.cleaned.key
    groups = analysis.cleaned.responses[["participant_code", "group"]].drop_duplicates()
    codes = set(groups.loc[groups["group"].eq(arm), "participant_code"])
    mine = key[key["participant_code"].isin(codes)].copy()
    mine["order"] = mine["wave"].ne("pre")
    first = mine.sort_values(["order", "participant_code"], kind="stable").drop_duplicates(
        "participant_code"
    )
    return first["participant"].astype(str).tolist(), dict(
        zip(mine["participant"].astype(str), mine["participant_code"], strict=True)
    )


def _canonical_log(log: process.Attendance, enrolled: list[str], to_code: dict[str, str]):
    """The log with each participant under one id: a name matched across the waves may be
    spelt as in either wave, and every spelling (``to_code``: normalized spelling -> code)
    stands for the first wave's."""
    first = normalize_id(pd.Series(enrolled, dtype=object), kind=log.config.id_kind)
    canonical = {to_code[norm]: norm for norm in first if norm in to_code}
    alias = {n: canonical[code] for n, code in to_code.items() if n and code in canonical}
    participant = log.records["participant"]
    records = log.records.assign(participant=participant.map(alias).fillna(participant))
    return dataclasses.replace(log, records=records)


def _withhold_identity(problem: Problem, *id_columns: str) -> Problem:
    """A log problem without the name or case it found: problems reach the report, names must
    not (the row number locates it; attendance_not_enrolled.csv in data/processed has the
    name). Headers compare as the logs resolve them (case and spacing ignored)."""
    if problem.value in (None, "") or problem.column is None:
        return problem
    if normalize_text(problem.column) not in {normalize_text(c) for c in id_columns}:
        return problem
    return dataclasses.replace(problem, value="(withheld / disembunyikan)")


def _gain(analysis: Analysis, arm: str) -> pd.Series:
    """Per-participant gain (the study's gain method) on the headline scale in ``arm``."""
    gain = analysis.scored.gain
    rows = gain[gain["scale"].eq(headline_scale(analysis.study)) & gain["group"].eq(arm)]
    return rows.set_index("participant_code")["value"].astype(float)


def _attendance(analysis: Analysis, arm: str, out: _Work, actual: dict[str, Any]) -> None:
    study = analysis.study
    cfg = study.attendance
    assert cfg is not None
    log = process.read_attendance(cfg, study.base_dir, limits=study.limits)
    enrolled, spellings = _identities(analysis, arm)
    normalized = normalize_id(pd.Series(list(spellings)), kind=cfg.id_kind)
    to_code = dict(zip(normalized, spellings.values(), strict=True))
    log = _canonical_log(log, enrolled, to_code)
    rd = process.reach_dose(log, enrolled)
    dose = rd.participants.assign(participant_code=rd.participants["participant"].map(to_code))
    dose = dose.drop(columns="participant")[
        ["participant_code", "enrolled", "in_log", "sessions_attended", "dose_share", "reached",
         "completed"]
    ]  # fmt: skip
    dose_by_code = dose.dropna(subset=["participant_code"]).set_index("participant_code")
    response = process.dose_response(
        dose_by_code["sessions_attended"],
        _gain(analysis, arm),
        ci_level=study.analysis.ci_level,
    )
    out.tables["attendance_summary"] = rd.summary
    out.tables["attendance_sessions"] = rd.sessions
    out.tables["dose"] = dose.reset_index(drop=True)
    out.tables["dose_response"] = response.table().assign(
        outcome=headline_scale(study), group=arm, note=response.note
    )
    out.personal["attendance_not_enrolled"] = rd.not_enrolled
    out.tables.setdefault("log_ledger", pd.DataFrame())
    out.tables["log_ledger"] = pd.concat(
        [out.tables["log_ledger"], log.rows.assign(log="attendance", file=cfg.file)],
        ignore_index=True,
    )
    out.facts["attendance"] = {
        "file": cfg.file,
        "group": arm,
        "dose_caveat": dict(process.DOSE_CAVEAT),
        "dose_response_n": response.n,
        "dose_response_note": response.note,
    }
    actual.update(rd.actuals())
    out.problems += [_withhold_identity(p, cfg.id_column) for p in (*log.problems, *rd.problems)]


# --------------------------------------------------------------------------- service log


def _service(study: Study, out: _Work, actual: dict[str, Any]) -> None:
    cfg = study.service_log
    assert cfg is not None
    log = process.read_service_log(cfg, study.base_dir, limits=study.limits)
    found = process.step_durations(log)
    pseudonym = {case: f"C{i + 1:03d}" for i, case in enumerate(log.cases)}
    cases = found.durations.assign(case=found.durations["case"].map(pseudonym))
    out.tables["service_steps"] = found.summary
    out.tables["service_cases"] = cases
    out.tables["service_summary"] = found.end_to_end.assign(bottleneck=found.bottleneck)
    out.tables.setdefault("log_ledger", pd.DataFrame())
    out.tables["log_ledger"] = pd.concat(
        [out.tables["log_ledger"], found.rows.assign(log="service", file=cfg.file)],
        ignore_index=True,
    )
    share = found.end_to_end["share_within"].iat[0]
    out.facts["service"] = {
        "file": cfg.file,
        "cases": len(log.cases),
        "bottleneck": found.bottleneck,
        "share_within_end_to_end": None if pd.isna(share) else float(share),
    }
    actual["service_cases"] = len(log.cases)
    actual["service_share_within"] = None if pd.isna(share) else float(share)
    # Case ids are often a student number or a name: the report shows the row, not the case.
    out.problems += [_withhold_identity(p, cfg.case_column) for p in found.problems]


# --------------------------------------------------------------------------- aspirations


def _answer_column(study: Study, wave: str) -> pd.DataFrame:
    """``source_row, answer`` of the open aspiration question in one wave's export.

    The export is read again here (with :func:`pipeline.ingest.read_table`, as ingest reads
    it) because the questionnaire stages keep only items and declared columns.
    """
    cfg = study.aspirations
    assert cfg is not None
    spec, path = study.waves.named()[wave], study.wave_paths()[wave]
    wanted = cfg.column_of(wave)
    known = {normalize_text(h) for h in (wanted, study.columns.id, *TIMESTAMP_HEADERS)}
    table = read_table(
        path.read_bytes(),
        str(path),
        sheet=spec.sheet,
        score=lambda row: sum(normalize_text(c) in known for c in row if str(c).strip()),
    )
    headers = list(table.frame.columns)
    column = next((h for h in headers if normalize_text(h) == normalize_text(wanted)), None)
    if column is None:
        expected = bilingual(
            f"the aspiration question's column (aspirations.{wave} or aspirations.column)",
            f"kolom pertanyaan cita-cita (aspirations.{wave} atau aspirations.column)",
        )
        raise InputError(
            [Problem("column_missing", file=str(path), column=wanted, expected=expected)],
            f"The {wave} export lacks the aspiration column",
        )
    rows = np.arange(len(table.frame)) + table.header_row + 1
    return pd.DataFrame({"source_row": rows, "answer": table.frame[column].to_numpy()})


def _wave_answers(analysis: Analysis, wave: str) -> pd.DataFrame:
    """Answers of the rows kept for analysis, by participant code and group."""
    ledger = analysis.cleaned.ledger
    kept = ledger[ledger["wave"].eq(wave) & ledger["outcome"].isin(["matched", "unmatched"])]
    answers = _answer_column(analysis.study, wave).merge(
        kept[["source_row", "participant_code"]], on="source_row", how="inner"
    )
    groups = analysis.cleaned.responses.loc[
        analysis.cleaned.responses["wave"].eq(wave), ["participant_code", "group"]
    ]
    return answers.merge(groups, on="participant_code", how="inner").set_index("participant_code")


def _level_counts(coded: pd.DataFrame) -> pd.DataFrame:
    counts = coded.groupby(["group", "wave"])["level"].value_counts().rename("n").reset_index()
    counts["level"] = pd.Categorical(counts["level"], categories=list(asp.LEVELS), ordered=True)
    full = (
        counts.set_index(["group", "wave", "level"])["n"]
        .unstack("level", fill_value=0)
        .reindex(columns=list(asp.LEVELS), fill_value=0)
        .stack()
        .rename("n")
        .reset_index()
    )
    full["share"] = full["n"] / full.groupby(["group", "wave"])["n"].transform("sum")
    full["level"] = full["level"].astype(str)
    return full


def _aspirations(analysis: Analysis, out: _Work, actual: dict[str, Any]) -> None:
    study = analysis.study
    cfg = study.aspirations
    assert cfg is not None
    dictionary = asp.load_dictionary(study.base_dir / cfg.dictionary if cfg.dictionary else None)
    coded = {}
    for wave in ("pre", "post"):
        answers = _wave_answers(analysis, wave)
        frame = asp.code_answers(answers["answer"], dictionary)
        coded[wave] = frame.assign(wave=wave, group=answers["group"])
    both = pd.concat(coded.values()).rename_axis("participant_code").reset_index()
    public = ["participant_code", "wave", "group", "level", "code", "isco_major", "label_id",
              "label_en", "n_named", "method", "score"]  # fmt: skip
    out.tables["aspirations_coded"] = both[public]
    out.tables["aspirations_levels"] = _level_counts(both)
    review = asp.review_table(both, include_fuzzy=True)
    out.personal["aspirations_review"] = review
    transitions, isco, tests, notes = [], [], [], {}
    for group in analysis_groups(analysis.scored.scores):
        pre, post = (coded[w][coded[w]["group"].eq(group)] for w in ("pre", "post"))
        found = asp.transition(
            pre, post, dictionary=dictionary, uncoded=cfg.uncoded, level=study.analysis.ci_level
        )
        levels = found.levels.stack().rename("n").reset_index()
        transitions.append(levels.astype({"pre": str, "post": str}).assign(group=group))
        isco.append(found.isco.rename_axis("isco_major").reset_index().assign(group=group))
        m = found.mcnemar
        tests.append(
            found.mcnemar.as_frame().assign(
                group=group, n_pairs=found.n_pairs, n_excluded=found.n_excluded,
                a=m.a, b=m.b, c=m.c, d=m.d, p_pre=m.p_pre, p_post=m.p_post,
                primary_method=m.method, transition_note=found.note,
            )
        )  # fmt: skip
        notes[group] = {"n_pairs": found.n_pairs, "n_excluded": found.n_excluded,
                        "note": found.note, "method": m.method}  # fmt: skip
        if group == _arm(analysis):
            actual["aspiration_named_share_post"] = m.p_post
    out.tables["aspirations_transition"] = pd.concat(transitions, ignore_index=True)
    out.tables["aspirations_isco"] = pd.concat(isco, ignore_index=True)
    out.tables["aspirations_mcnemar"] = pd.concat(tests, ignore_index=True)
    uncoded = both["level"].eq("uncoded")
    out.facts["aspirations"] = {
        "dictionary": dictionary.source if cfg.dictionary else "builtin",
        "answers": len(both),
        "uncoded": int(uncoded.sum()),
        "uncoded_distinct": int(review["level"].eq("uncoded").sum()),
        "fuzzy": int(both["method"].eq("fuzzy").sum()),
        "uncoded_rule": cfg.uncoded,
        "groups": notes,
    }


# --------------------------------------------------------------------------- plan vs actual


def _survey_actuals(analysis: Analysis, arm: str) -> dict[str, Any]:
    """Actual values the questionnaire gives: who was measured, the effect, who improved."""
    responses = analysis.cleaned.responses
    mine = responses[responses["group"].eq(arm)]
    pre = set(mine.loc[mine["wave"].eq("pre"), "participant_code"])
    post = set(mine.loc[mine["wave"].eq("post"), "participant_code"])
    scale = headline_scale(analysis.study)
    effects = analysis.compared.effects
    dz = effects[
        effects["outcome"].eq(scale) & effects["group"].eq(arm) & effects["effect"].eq("d_z")
    ]["value"]
    changes = analysis.compared.changes
    improved = changes[changes["outcome"].eq(scale) & changes["group"].eq(arm)]["share_improved"]
    complete = len(pre & post) / len(pre) if pre else None
    return {
        "participants_enrolled": len(pre),
        "effect_size": float(dz.iat[0]) if len(dz) else None,
        "improved_share": float(improved.iat[0]) if len(improved) else None,
        "pre_measured": bool(pre),
        "post_measured": bool(post),
        "data_complete_share": complete,
        "attrition_share": None if complete is None else 1 - complete,
    }


def _check_achieved(study: Study, known: set[str]) -> None:
    unknown = sorted(set(study.achieved) - known)
    if unknown:
        raise ConfigError(
            [
                Problem(
                    "config_key_unknown",
                    file=str(study.source),
                    column=f"achieved.{key}",
                    value=study.achieved[key],
                    expected=f"a key of a planned target: {', '.join(sorted(known))}",
                )
                for key in unknown
            ],
            "The study file is invalid",
        )


def _plan(study: Study, out: _Work, actual: dict[str, Any]) -> None:
    plan = study.plan
    assert plan is not None
    known = set(process.ACTUAL_KEYS) | {c.actual_key or c.name for c in plan.custom}
    _check_achieved(study, known)
    values = {k: v for k, v in {**actual, **study.achieved}.items() if k in known}
    table = process.plan_vs_actual(plan, values)
    table["source"] = [
        "achieved" if k in study.achieved else ("data" if actual.get(k) is not None else "")
        for k in table["indicator"].map(_actual_key(plan))
    ]
    table.insert(table.columns.get_loc("direction"), "kind", _kinds(table))
    # one numeric type per column (bools as 1/0, their kind says so) so the table stores typed
    table["planned"] = pd.to_numeric(table["planned"].map(_number), errors="coerce")
    table["actual"] = pd.to_numeric(table["actual"].map(_number), errors="coerce")
    out.tables["plan_vs_actual"] = table
    pillars = {}
    for pillar, rows in table.groupby("pillar", sort=False):
        met = rows["met"].map(lambda x: x is True)
        missed = rows["met"].map(lambda x: x is False)
        pillars[pillar] = {
            "targets": len(rows),
            "met": int(met.sum()),
            "not_met": int(missed.sum()),
            "not_measured": int(len(rows) - met.sum() - missed.sum()),
        }
    out.facts["plan"] = {"pillars": pillars, "achieved": dict(study.achieved)}


def _kinds(table: pd.DataFrame) -> list[str]:
    """How a target reads: "bool" (done or not), "share" (0-1) or "number"."""
    return [
        "bool" if isinstance(planned, bool) else "share" if "share" in name else "number"
        for planned, name in zip(table["planned"], table["indicator"], strict=True)
    ]


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, str):
        return None
    return float(value)


def _actual_key(plan) -> dict[str, str]:
    keys = {name: spec.actual_key for (_, name), spec in process.INDICATORS.items()}
    keys.update({c.name: c.actual_key or c.name for c in plan.custom})
    return keys


# --------------------------------------------------------------------------- CBPR


def _cbpr(study: Study, out: _Work) -> None:
    cycle = study.cbpr
    assert cycle is not None
    rows = []
    for order, (name, stage) in enumerate(cycle.stages(), start=1):
        rows.append(
            {
                "stage_order": order,
                "stage": name,
                "recorded": stage is not None,
                "date": None if stage is None or stage.date is None else stage.date.isoformat(),
                "end_date": None
                if stage is None or stage.end_date is None
                else stage.end_date.isoformat(),
                "who": None if stage is None else stage.who,
                "decided": None if stage is None else stage.decided,
                "notes": None if stage is None else stage.notes,
            }
        )
    table = pd.DataFrame(rows)
    out.tables["cbpr_cycle"] = table
    out.facts["cbpr"] = {
        "stages": len(CBPR_STAGES),
        "recorded": int(table["recorded"].sum()),
        "missing": table.loc[~table["recorded"], "stage"].tolist(),
    }


# --------------------------------------------------------------------------- entry point


def extras(analysis: Analysis) -> Extras:
    """Analyse the optional parts the study declares (logs, aspirations, plan, CBPR cycle).

    Parameters
    ----------
    analysis
        The finished questionnaire analysis (through ``compare``).

    Returns
    -------
    Extras
        Tables, facts and the logs' problems; empty when the study declares none.

    Raises
    ------
    InputError
        When a declared log or the aspiration column cannot be read.
    ConfigError
        When ``achieved`` names a key no planned target reads, or the aspiration dictionary
        is invalid.

    Notes
    -----
    Reach, dose and dose-response are computed for the arm the program served (treatment,
    or everyone without groups) on the headline scale (the total scale, else the last
    subscale); the actual effect size of the plan is that arm's d_z on that scale. The
    share with complete data and the attrition share count participants of that arm who
    answered before. Values the team records by hand (facilitators, partners) come from
    the study's ``achieved`` and are marked so in ``plan_vs_actual.source``.
    """
    study = analysis.study
    if not study.declares_extras():
        return Extras()
    out = _Work()
    arm = _arm(analysis)
    actual = _survey_actuals(analysis, arm)
    actual["sessions_held"] = None
    if study.attendance is not None:
        _attendance(analysis, arm, out, actual)
    if study.service_log is not None:
        _service(study, out, actual)
    if study.aspirations is not None:
        _aspirations(analysis, out, actual)
    if study.cbpr is not None:
        _cbpr(study, out)
        actual["cbpr_stages_recorded"] = out.facts["cbpr"]["recorded"]
    if study.plan is not None:
        _plan(study, out, actual)
    out.facts["group"] = arm
    out.facts["outcome"] = headline_scale(study)
    out.facts["tables"] = sorted(out.tables)
    if "log_ledger" in out.tables:
        ledger = out.tables["log_ledger"]
        out.tables["log_ledger"] = ledger[["log", "file", *process.ROW_COLUMNS]]
    return Extras(out.tables, out.personal, out.facts, tuple(out.problems))
