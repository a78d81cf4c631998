"""The parts of a program beside the questionnaire, analysed after the compare stage.

A PKM program is more than a pre/post questionnaire. A study file may declare:

- ``attendance``: an attendance log, giving reach, dose per participant, completion and the
  dose-response of gain (with its caveat: dose is self-selected);
- ``service_log``: the time each case of a service reached each step of its procedure,
  giving step durations against the standard, the share within it and the bottleneck;
- ``aspirations``: the open question "what do you want to be?" in each wave, coded against
  the aspiration dictionary, with McNemar's test of the share naming an occupation;
- ``plan`` (and ``achieved``): planned targets by POAC pillar set against what happened;
- ``cbpr``: the Community-Based Participatory Research cycle as the program lived it.

:func:`program_parts` computes all of them for one finished analysis and returns tidy tables.
Participant codes are the pseudonyms of the clean stage; identities as entered (names, numbers)
appear only in :attr:`~pipeline.stages.result.ProgramParts.personal`, which stays in
``data/processed``. Problems found in the logs are returned, never dropped: the bundle lists
them with the survey's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.config import Study
from pipeline.errors import Problem
from pipeline.program import aspirations as asp
from pipeline.program.aspiration_dictionary import load_dictionary
from pipeline.program.attendance import Attendance, attendance_records, reach_dose
from pipeline.program.cbpr import cbpr_part
from pipeline.program.dose import DOSE_CAVEAT, dose_response
from pipeline.program.logs import ROW_COLUMNS
from pipeline.program.plan import plan_part
from pipeline.program.service import service_records, step_durations
from pipeline.stages.clean import normalize_id
from pipeline.stages.result import Analysis, IngestResult, ProgramParts
from pipeline.stages.score import analysis_groups
from pipeline.text import normalize_text

__all__ = ["program_parts", "withhold_identity"]


@dataclass
class _Work:
    """What the parts collect while :func:`program_parts` runs."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    personal: dict[str, pd.DataFrame] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _arm(analysis: Analysis) -> str:
    """The arm the program served: the first declared arm (treatment in the two-list form),
    else everyone."""
    return analysis_groups(analysis.scored.scores, analysis.study.arm_order())[0]


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


def _canonical_log(log: Attendance, enrolled: list[str], to_code: dict[str, str]):
    """The log with each participant under one id: a name matched across the waves may be
    spelt as in either wave, and every spelling (``to_code``: normalized spelling -> code)
    stands for the first wave's."""
    first = normalize_id(pd.Series(enrolled, dtype=object), kind=log.config.id_kind)
    canonical = {to_code[norm]: norm for norm in first if norm in to_code}
    alias = {n: canonical[code] for n, code in to_code.items() if n and code in canonical}
    participant = log.records["participant"]
    records = log.records.assign(participant=participant.map(alias).fillna(participant))
    return dataclasses.replace(log, records=records)


def withhold_identity(problem: Problem, *id_columns: str) -> Problem:
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
    rows = gain[gain["scale"].eq(analysis.study.primary_scale()) & gain["group"].eq(arm)]
    return rows.set_index("participant_code")["value"].astype(float)


def _attendance(analysis: Analysis, arm: str, out: _Work, actual: dict[str, Any]) -> None:
    study = analysis.study
    cfg = study.attendance
    assert cfg is not None
    log = attendance_records(analysis.ingested.logs["attendance"], cfg)
    enrolled, spellings = _identities(analysis, arm)
    normalized = normalize_id(pd.Series(list(spellings)), kind=cfg.id_kind)
    to_code = dict(zip(normalized, spellings.values(), strict=True))
    log = _canonical_log(log, enrolled, to_code)
    rd = reach_dose(log, enrolled)
    dose = rd.participants.assign(participant_code=rd.participants["participant"].map(to_code))
    dose = dose.drop(columns="participant")[
        ["participant_code", "enrolled", "in_log", "sessions_attended", "dose_share", "reached",
         "completed"]
    ]  # fmt: skip
    dose_by_code = dose.dropna(subset=["participant_code"]).set_index("participant_code")
    response = dose_response(
        dose_by_code["sessions_attended"],
        _gain(analysis, arm),
        ci_level=study.analysis.ci_level,
    )
    out.tables["attendance_summary"] = rd.summary
    out.tables["attendance_sessions"] = rd.sessions
    out.tables["dose"] = dose.reset_index(drop=True)
    out.tables["dose_response"] = response.table().assign(
        outcome=study.primary_scale(), group=arm, note=response.note
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
        "dose_caveat": dict(DOSE_CAVEAT),
        "dose_response_n": response.n,
        "dose_response_note": response.note,
    }
    actual.update(rd.actuals())
    out.problems += [withhold_identity(p, cfg.id_column) for p in (*log.problems, *rd.problems)]


# --------------------------------------------------------------------------- service log


def _service(study: Study, ingested: IngestResult, out: _Work, actual: dict[str, Any]) -> None:
    cfg = study.service_log
    assert cfg is not None
    log = service_records(ingested.logs["service_log"], cfg)
    found = step_durations(log)
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
    out.problems += [withhold_identity(p, cfg.case_column) for p in found.problems]


# --------------------------------------------------------------------------- aspirations


def _wave_answers(analysis: Analysis, wave: str) -> pd.DataFrame:
    """Answers of the rows kept for analysis, by participant code and group."""
    ledger = analysis.cleaned.ledger
    kept = ledger[ledger["wave"].eq(wave) & ledger["outcome"].isin(["matched", "unmatched"])]
    written = analysis.ingested.open_answers
    answers = written[written["wave"].eq(wave)].drop(columns="wave")
    answers = answers.merge(kept[["source_row", "participant_code"]], on="source_row", how="inner")
    groups = analysis.cleaned.responses.loc[
        analysis.cleaned.responses["wave"].eq(wave), ["participant_code", "group"]
    ]
    return answers.merge(groups, on="participant_code", how="inner").set_index("participant_code")


def _aspirations(analysis: Analysis, out: _Work, actual: dict[str, Any]) -> None:
    study = analysis.study
    cfg = study.aspirations
    assert cfg is not None
    dictionary = load_dictionary(study.base_dir / cfg.dictionary if cfg.dictionary else None)
    coded = {}
    for wave in ("pre", "post"):
        answers = _wave_answers(analysis, wave)
        frame = asp.code_answers(answers["answer"], dictionary)
        coded[wave] = frame.assign(wave=wave, group=answers["group"])
    both = pd.concat(coded.values()).rename_axis("participant_code").reset_index()
    public = ["participant_code", "wave", "group", "level", "code", "isco_major", "label_id",
              "label_en", "n_named", "method", "score"]  # fmt: skip
    out.tables["aspirations_coded"] = both[public]
    out.tables["aspirations_levels"] = asp.level_counts(both)
    review = asp.review_table(both, include_fuzzy=True)
    out.personal["aspirations_review"] = review
    transitions, isco, tests, notes = [], [], [], {}
    for group in analysis_groups(analysis.scored.scores, study.arm_order()):
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
    scale = analysis.study.primary_scale()
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


# --------------------------------------------------------------------------- entry point


def program_parts(analysis: Analysis) -> ProgramParts:
    """Analyse the optional parts the study declares (logs, aspirations, plan, CBPR cycle).

    Parameters
    ----------
    analysis
        The finished questionnaire analysis (through ``compare``).

    Returns
    -------
    ProgramParts
        Tables, facts and the logs' problems; empty when the study declares none.

    Raises
    ------
    ConfigError
        When ``achieved`` names a key no planned target reads, or the aspiration dictionary
        is invalid.

    Notes
    -----
    Reach, dose and dose-response are computed for the arm the program served (treatment,
    or everyone without groups) on the study's primary scale
    (:meth:`pipeline.config.Study.primary_scale`); the actual effect size of the plan is
    that arm's d_z on that scale. The share with complete data and the attrition share
    count participants of that arm who answered before. Values the team records by hand
    (facilitators, partners) come from the study's ``achieved`` and are marked so in
    ``plan_vs_actual.source``.
    """
    study = analysis.study
    if not study.declares_parts():
        return ProgramParts()
    out = _Work()
    arm = _arm(analysis)
    actual = _survey_actuals(analysis, arm)
    actual["sessions_held"] = None
    if study.attendance is not None:
        _attendance(analysis, arm, out, actual)
    if study.service_log is not None:
        _service(study, analysis.ingested, out, actual)
    if study.aspirations is not None:
        _aspirations(analysis, out, actual)
    if study.cbpr is not None:
        out.tables["cbpr_cycle"], out.facts["cbpr"] = cbpr_part(study.cbpr)
        actual["cbpr_stages_recorded"] = out.facts["cbpr"]["recorded"]
    if study.plan is not None:
        out.tables["plan_vs_actual"], out.facts["plan"] = plan_part(study, actual)
    out.facts["group"] = arm
    out.facts["outcome"] = study.primary_scale()
    out.facts["tables"] = sorted(out.tables)
    if "log_ledger" in out.tables:
        ledger = out.tables["log_ledger"]
        out.tables["log_ledger"] = ledger[["log", "file", *ROW_COLUMNS]]
    return ProgramParts(out.tables, out.personal, out.facts, tuple(out.problems))
