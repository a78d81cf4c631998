"""Display tables and sentences of the program parts (CBPR cycle, attendance and dose, service
log, aspirations, plan vs actual), read from the bundle; nothing here computes a statistic."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.bundle.catalog import part_tables
from pipeline.bundle.read import Bundle
from pipeline.reports.words import date_text, esc, fmt, fmt_p, interval, pct, say, texts

__all__ = [
    "aspiration_levels_table",
    "aspiration_transition_table",
    "cbpr_table",
    "dose_caveat",
    "dose_response_table",
    "dose_table",
    "isco_table",
    "mcnemar_sentence",
    "parts",
    "plan_sentences",
    "plan_table",
    "process_sentence",
    "service_sentence",
    "service_table",
    "sessions_table",
    "uncoded_sentence",
]


def parts(bundle: Bundle) -> dict[str, pd.DataFrame]:
    """The program parts' tables the bundle holds (only the parts the study declares)."""
    return {name: bundle[name] for name in part_tables() if bundle.has(name)}


def cbpr_table(extras: dict[str, pd.DataFrame], language: str) -> pd.DataFrame:
    """The six stages of the CBPR cycle as lived: when, who, what was decided."""
    words = texts(language)["cbpr"]
    c = extras["cbpr_cycle"]
    when = [
        "-" if pd.isna(d) or d is None else date_text(d) + ("" if e is None or pd.isna(e) else
                                                        f" - {date_text(e)}")
        for d, e in zip(c["date"], c["end_date"], strict=True)
    ]  # fmt: skip
    table = pd.DataFrame(
        {
            words["stage"]: [f"{o}. {words['stages'][s]}" for o, s in
                             zip(c["stage_order"], c["stage"], strict=True)],
            words["when"]: when,
            words["who"]: c["who"].fillna("-"),
            words["decided"]: c["decided"].fillna(words["not_recorded"]),
            words["notes"]: c["notes"].fillna(""),
        }
    )  # fmt: skip
    return table.set_index(words["stage"])


def process_sentence(extras: dict[str, pd.DataFrame], language: str) -> str:
    """Reach, completion and dose of the attendance log in one sentence."""
    s = extras["attendance_summary"].set_index("statistic")["value"]
    return say(
        language,
        "process.summary",
        enrolled=fmt(s["enrolled"], language, 0),
        reached=fmt(s["reached"], language, 0),
        reached_share=pct(s["reached_share"], language),
        completed=fmt(s["completed"], language, 0),
        completed_share=pct(s["completed_share"], language),
        threshold=fmt(s["completion_min_sessions"], language, 0),
        offered=fmt(s["sessions_offered"], language, 0),
        held=fmt(s["sessions_held"], language, 0),
        sessions=fmt(s["sessions_attended_mean"], language, 1),
        dose=pct(s["dose_share_mean"], language),
    )


def sessions_table(extras: dict[str, pd.DataFrame], language: str) -> pd.DataFrame:
    words = texts(language)["process"]
    s = extras["attendance_sessions"]
    table = pd.DataFrame(
        {
            words["session"]: s["session"].astype(str),
            words["date"]: [date_text(d) for d in s["date"]],
            words["present"]: s["present_enrolled"].astype(int),
            words["share"]: [pct(x, language) for x in s["share_of_enrolled"]],
        }
    )
    return table.set_index(words["session"])


def dose_table(extras: dict[str, pd.DataFrame], language: str) -> pd.DataFrame:
    """How many participants attended how many sessions (the enrolled only)."""
    words = texts(language)["process"]
    d = extras["dose"]
    d = d[d["enrolled"]]
    counts = d["sessions_attended"].value_counts().sort_index()
    return pd.DataFrame(
        {words["sessions_attended"]: counts.index.astype(int).astype(str), "n": counts.to_numpy(),
         words["share"]: [pct(n / len(d), language) for n in counts.to_numpy()]}
    ).set_index(words["sessions_attended"])  # fmt: skip


def dose_response_table(extras: dict[str, pd.DataFrame], language: str) -> pd.DataFrame:
    words = texts(language)
    cols = words["columns"]
    r = extras["dose_response"]
    table = pd.DataFrame(
        {
            cols["statistic"].split(" ")[0]: r["statistic"].map(words["process"]["statistics"]),
            "n": r["n"],
            words["process"]["estimate_ci"]: [
                fmt(v, language, 3) + ("" if pd.isna(lo) else " " + interval(lo, hi, language, 3))
                for v, lo, hi in zip(r["estimate"], r["ci_low"], r["ci_high"], strict=True)
            ],
            cols["p"]: [fmt_p(p, language).removeprefix("= ") for p in r["p"]],
        }
    )
    return table.set_index(table.columns[0])


def dose_caveat(bundle: Bundle, language: str) -> str:
    caveat = bundle.results["extras"]["attendance"]["dose_caveat"]
    return esc(caveat[language])


def _hours(value: Any, language: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    unit = texts(language)["service"]
    if value >= 48:
        return f"{fmt(value / 24, language, 1)} {unit['days']}"
    return f"{fmt(value, language, 1)} {unit['hours']}"


def service_table(extras: dict[str, pd.DataFrame], language: str) -> pd.DataFrame:
    """Each step of the procedure: its standard, the median time and the share within it."""
    words = texts(language)["service"]
    s = extras["service_steps"]
    s = s[s["step_order"] > 0]
    table = pd.DataFrame(
        {
            words["step"]: [f"{n}{' ⚠' if b else ''}" for n, b in
                            zip(s["step"], s["bottleneck"], strict=True)],
            words["standard"]: s["standard"].fillna("-"),
            words["measured"]: s["n_measured"].astype(int),
            words["median"]: [_hours(x, language) for x in s["median_hours"]],
            words["quartiles"]: [f"{_hours(a, language)} - {_hours(b, language)}"
                                 for a, b in zip(s["q1_hours"], s["q3_hours"], strict=True)],
            words["within"]: [pct(x, language) for x in s["share_within"]],
        }
    )  # fmt: skip
    return table.set_index(words["step"])


def service_sentence(extras: dict[str, pd.DataFrame], language: str) -> str:
    row = extras["service_summary"].iloc[0]
    bottleneck = row["bottleneck"]
    return say(
        language,
        "service.summary",
        n=int(row["n"]),
        first=row["from_step"],
        last=row["to_step"],
        median=_hours(row["median_hours"], language),
        standard=_hours(row["standard_hours"], language),
        within=pct(row["share_within"], language),
        bottleneck=bottleneck if isinstance(bottleneck, str) and bottleneck else "-",
    )


def aspiration_levels_table(extras: dict[str, pd.DataFrame], language: str) -> pd.DataFrame:
    words = texts(language)
    levels = words["aspirations"]["levels"]
    a = extras["aspirations_levels"]
    cells = [f"{int(n)} ({pct(s, language)})" for n, s in zip(a["n"], a["share"], strict=True)]
    wide = a.assign(cell=cells).pivot_table(
        index=["group", "wave"], columns="level", values="cell", aggfunc="first", sort=False
    )
    wide = wide.reindex(columns=[c for c in levels if c in wide.columns])
    wide = wide.rename(columns=levels)
    wide.index = pd.MultiIndex.from_tuples(
        [(words["groups"][g], words["waves"][w]) for g, w in wide.index],
        names=[words["columns"]["group"], words["columns"]["wave"]],
    )
    wide.columns.name = None
    return wide


def aspiration_transition_table(
    extras: dict[str, pd.DataFrame], language: str, *, group: str
) -> pd.DataFrame:
    """Pre level (rows) by post level (columns) of the same participants."""
    words = texts(language)
    levels = words["aspirations"]["levels"]
    t = extras["aspirations_transition"]
    t = t[t["group"] == group]
    wide = t.pivot_table(index="pre", columns="post", values="n", aggfunc="sum", sort=False)
    order = [lvl for lvl in levels if lvl in wide.index]
    wide = wide.reindex(index=order, columns=order, fill_value=0).astype(int)
    wide.index = [f"{words['waves']['pre']}: {levels[x]}" for x in wide.index]
    wide.columns = [f"{words['waves']['post']}: {levels[x]}" for x in wide.columns]
    return wide


def mcnemar_sentence(extras: dict[str, pd.DataFrame], language: str, *, group: str) -> str:
    """The share naming an occupation before and after, and McNemar's test, in words."""
    m = extras["aspirations_mcnemar"]
    m = m[m["group"] == group]
    values = m.set_index("statistic")
    first = m.iloc[0]
    exact = first["primary_method"] == "exact binomial test"
    return say(
        language,
        "aspirations.mcnemar",
        group="" if group == "all" else texts(language)["groups"][group],  # all: no group
        n=int(first["n_pairs"]) - int(first["n_excluded"]),
        excluded=int(first["n_excluded"]),
        pre=pct(first["p_pre"], language),
        post=pct(first["p_post"], language),
        lost=int(first["b"]),
        gained=int(first["c"]),
        diff=pct(values.at["difference", "value"], language),
        low=pct(values.at["difference", "ci_low"], language),
        high=pct(values.at["difference", "ci_high"], language),
        p=fmt_p(values.at["p_value", "value"], language),
        p_exact=fmt_p(values.at["p_exact", "value"], language),
        p_asymptotic=fmt_p(values.at["p_asymptotic", "value"], language),
        method=texts(language)["aspirations"]["exact" if exact else "asymptotic"],
        level=f"{100 * values.at['difference', 'level']:g}",
    )


def isco_table(extras: dict[str, pd.DataFrame], language: str, *, group: str) -> pd.DataFrame:
    """ISCO-08 major groups named before and after (groups named at least once)."""
    words = texts(language)
    i = extras["aspirations_isco"]
    i = i[(i["group"] == group) & ((i["pre"] > 0) | (i["post"] > 0))]
    label = "label_id" if language == "id" else "label_en"
    table = pd.DataFrame(
        {
            "ISCO-08": [f"{int(g)}. {text}" for g, text in zip(i["isco_major"], i[label],
                                                              strict=True)],
            words["waves"]["pre"]: i["pre"].astype(int),
            words["waves"]["post"]: i["post"].astype(int),
        }
    )  # fmt: skip
    return table.set_index("ISCO-08")


def uncoded_sentence(bundle: Bundle, language: str) -> str:
    facts = bundle.results["extras"]["aspirations"]
    return say(
        language,
        "aspirations.uncoded",
        answers=facts["answers"],
        uncoded=facts["uncoded"],
        distinct=facts["uncoded_distinct"],
        fuzzy=facts["fuzzy"],
    )


def _target(value: Any, kind: str, language: str) -> str:
    words = texts(language)
    if value is None or pd.isna(value):
        return "-"
    if kind == "bool":
        return words["yes"] if value else words["no"]
    if kind == "share":
        return pct(value, language)
    value = float(value)
    return fmt(value, language, 0 if value.is_integer() else 2)


def _status(met: Any) -> str:
    """A target's status from ``met`` (True, False, or missing when not measured)."""
    if met is None or pd.isna(met):
        return "not_measured"
    return "met" if bool(met) else "not_met"


def plan_table(extras: dict[str, pd.DataFrame], language: str) -> pd.DataFrame:
    """Planned targets against what happened, by POAC pillar."""
    words = texts(language)
    plan = words["plan"]
    t = extras["plan_vs_actual"]
    label = "label_id" if language == "id" else "label_en"
    met = [plan[_status(m)] for m in t["met"]]
    table = pd.DataFrame(
        {
            plan["pillar"]: t["pillar"].map(plan["pillars"]),
            plan["indicator"]: t[label],
            plan["planned"]: [_target(v, k, language) for v, k in
                              zip(t["planned"], t["kind"], strict=True)],
            plan["actual"]: [_target(v, k, language) for v, k in
                             zip(t["actual"], t["kind"], strict=True)],
            plan["status"]: met,
            plan["source"]: t["source"].map(plan["sources"]).fillna(""),
        }
    )  # fmt: skip
    return table.set_index([plan["pillar"], plan["indicator"]])


def plan_sentences(extras: dict[str, pd.DataFrame], language: str) -> list[str]:
    """Per pillar: how many targets were met, and which were not (or not measured)."""
    words = texts(language)["plan"]
    t = extras["plan_vs_actual"]
    label = "label_id" if language == "id" else "label_en"
    sentences = []
    for pillar, rows in t.groupby("pillar", sort=False):
        status = rows["met"].map(_status)
        missed = rows.loc[status.eq("not_met"), label].tolist()
        unknown = rows.loc[status.eq("not_measured"), label].tolist()
        sentences.append(
            say(
                language,
                "plan.sentence",
                pillar=words["pillars"][pillar],
                met=int(status.eq("met").sum()),
                total=len(rows),
                missed="; ".join(missed),
                unknown="; ".join(unknown),
            )
        )
    return sentences
