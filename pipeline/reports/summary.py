"""The funder's impact summary: a handful of indicators read from the results bundle.

One table (:data:`COLUMNS`) feeds both the one-page brief (:mod:`pipeline.reports.brief`) and
the workbook, so the two always agree; its numbers stay numbers until they are shown. Nothing
is computed here that the bundle does not already hold; the numbers are picked and labelled.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.bundle import files
from pipeline.bundle.read import Bundle
from pipeline.reports.effect import HeadlineEffect, focus_group, headline_effect
from pipeline.reports.part_tables import parts
from pipeline.reports.tables import group_names, limit_sentences, scale_facts, scale_names
from pipeline.reports.words import fmt, fmt_p, interval, pct, say, texts

__all__ = [
    "COLUMNS",
    "change_facts",
    "indicators",
    "reach_table",
    "scale_range",
    "shown",
    "workbook_sheets",
    "write_funder_xlsx",
]


#: The columns of the indicator table: a key, the label, the value (a number, or text where
#: the value is a word), its interval, how to show it (``int``, ``num`` with two decimals,
#: ``num3`` with three as reliabilities are written, ``pct`` for a share from 0 to 1,
#: ``text``) and a detail.
COLUMNS = ["key", "indicator", "value", "low", "high", "kind", "detail"]


#: The reach table's columns (their words in ``brief``).
REACH = ["reach_group", "reach_started", "reach_completed", "reach_both", "reach_share"]


#: Decimals of each numeric kind.
_DECIMALS = {"num": 2, "num3": 3}


def _row(key: str, label: str, value, kind: str, detail: str = "", low=None, high=None) -> dict:
    """One indicator; numbers stay numbers (the workbook types them, the HTML formats them)."""
    if kind != "text" and value is not None and not pd.isna(value):
        value = int(value) if kind == "int" else float(value)
    return {
        "key": key,
        "indicator": label,
        "value": value,
        "low": low,
        "high": high,
        "kind": kind,
        "detail": detail,
    }


def shown(row: pd.Series | dict, language: str) -> str:
    """An indicator's value as the page shows it, with its interval when it has one."""
    kind, value = row["kind"], row["value"]
    if kind == "text":
        return str(value)
    if kind == "int":
        text = str(int(value))
    elif kind == "pct":
        text = pct(value, language)
    else:
        text = fmt(value, language, _DECIMALS[kind])
    low, high = row.get("low"), row.get("high")
    if low is not None and not pd.isna(low):
        text += " " + (
            f"[{pct(low, language)}{'; ' if language == 'id' else ', '}{pct(high, language)}]"
            if kind == "pct"
            else interval(low, high, language, _DECIMALS.get(kind, 2))
        )
    return text


def _reach(bundle: Bundle, group: str) -> dict[str, int]:
    counts = bundle.results["flow"]["reach"][group]
    return {
        "enrolled": counts["started"],
        "completed": counts["completed"],
        "matched": counts["both"],
    }


def reach_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Reach and completion of each arm (everyone together without arms): who answered the
    first and the last questionnaire, who has both, and that share of the first."""
    words = texts(language)["brief"]
    reach = bundle.results["flow"]["reach"]
    if bundle.results["design"].get("kind") == "tryout":
        return pd.DataFrame(columns=[words[k] for k in REACH])
    arms = [a["name"] for a in bundle.results["design"].get("arms", [])] or ["all"]
    names = group_names(bundle, language)
    rows = []
    for arm in (a for a in arms if a in reach):
        r = _reach(bundle, arm)
        share = r["matched"] / r["enrolled"] if r["enrolled"] else float("nan")
        label = words["all_participants"] if arm == "all" else names.get(arm, arm)
        rows.append((label, r["enrolled"], r["completed"], r["matched"], share))
    return pd.DataFrame(rows, columns=[words[k] for k in REACH])


def change_facts(bundle: Bundle, group: str) -> dict | None:
    """The primary scale's paired change in ``group``: means before and after, the mean
    difference with its CI, n, and how many improved; None when the group was not tested."""
    scale = bundle.results["primary_scale"]
    tests = bundle["tests"]
    row = tests[
        (tests["outcome"] == scale) & (tests["group"] == group) & (tests["test"] == "paired t")
    ]
    changes = bundle["changes"]
    share = changes[(changes["outcome"] == scale) & (changes["group"] == group)]
    if row.empty or share.empty:
        return None
    r, c = row.iloc[0], share.iloc[0]
    return {
        "pre": r["mean_pre"],
        "post": r["mean_post"],
        "difference": r["estimate"],
        "low": r["ci_low"],
        "high": r["ci_high"],
        "n": int(c["n"]),
        "improved": int(c["improved"]),
        "share": float(c["share_improved"]),
    }


def scale_range(bundle: Bundle, scale: str) -> dict:
    """The scale's lowest and highest possible score."""
    facts = scale_facts(bundle)[scale]
    return facts if "min" in facts else bundle.results["instrument"]["response_scale"]


def indicators(bundle: Bundle, language: str) -> pd.DataFrame:
    """The summary's indicators in ``language``: one row each (see :data:`COLUMNS`)."""
    if bundle.results["design"].get("kind") == "tryout":
        return _tryout_indicators(bundle, language)
    words = texts(language)["funder"]
    group = focus_group(bundle)
    scale = bundle.results["primary_scale"]
    reach = _reach(bundle, group)
    targets = bundle.results["targets"]
    rows = []
    if targets.get("participants"):
        met = reach["enrolled"] >= targets["participants"]
        rows.append(
            _row(
                "target_participants",
                words["target_participants"],
                targets["participants"],
                "int",
                words["met"] if met else words["not_met"],
            )
        )
    change = change_facts(bundle, group)
    span = scale_range(bundle, scale)
    if change is not None:
        unit = f"({span['min']}-{span['max']})"
        rows += [
            _row("mean_pre", f"{words['mean_pre']} {unit}", change["pre"], "num"),
            _row("mean_post", f"{words['mean_post']} {unit}", change["post"], "num"),
            _row(
                "difference",
                words["mean_difference"],
                change["difference"],
                "num",
                "",
                change["low"],
                change["high"],
            ),
            _row(
                "improved",
                words["improved"],
                change["share"],
                "pct",
                f"{change['improved']} / {change['n']}",
            ),
        ]
    effect = headline_effect(bundle)
    if effect is not None:
        label = texts(language)["magnitude"][effect.magnitude]
        rows.append(
            _row(
                "headline_effect",
                effect.name(bundle, language),
                effect.value,
                "num",
                f"{label} (Cohen 1988)",
                effect.ci_low,
                effect.ci_high,
            )
        )
    if targets.get("effect_size") is not None:
        effects = bundle["effects"].set_index(["outcome", "group", "effect"])
        if (scale, group, "d_z") in effects.index:
            met = effects.loc[(scale, group, "d_z"), "value"] >= targets["effect_size"]
            rows.append(
                _row(
                    "target_effect",
                    words["target_effect"],
                    targets["effect_size"],
                    "num",
                    words["met"] if met else words["not_met"],
                )
            )
    rows += _program_rows(bundle, group, language)
    ancova = bundle.tables.get("ancova")
    if (effect is None or effect.effect != "ancova") and ancova is not None and not ancova.empty:
        a = ancova.set_index("outcome").loc[scale]
        rows.append(
            _row(
                "versus_control",
                words["versus_control"],
                a["adjusted_difference"],
                "num",
                f"p {fmt_p(a['p_value'], language)}",
                a["ci_low"],
                a["ci_high"],
            )
        )
    rows += _design_rows(bundle, group, scale, language, headline=effect)
    return _frame(rows)


def _frame(rows: list[dict]) -> pd.DataFrame:
    """The indicator rows as a table whose values keep their types (an int stays an int)."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("value", "low", "high"):
        frame[column] = pd.Series([r[column] for r in rows], dtype=object, index=frame.index)
    return frame


def _design_rows(
    bundle: Bundle, group: str, scale: str, language: str, *, headline: HeadlineEffect | None
) -> list[dict]:
    """Rows the design adds: mastery before and after, each treatment arm against the
    control (but the contrast the headline effect already states), the change kept at the
    follow-ups."""
    rows = []
    names = group_names(bundle, language)
    waves = texts(language)["waves"]
    if bundle.has("mastery_tests"):
        m = bundle["mastery_tests"]
        m = m[(m["scale"] == scale) & (m["group"] == group)]
        if len(m):
            r = m.iloc[0]
            passing = fmt(bundle.results["analysis"]["passing_score"], language, 0)
            label = say(language, "funder.mastery_share", escape=False, passing=passing)
            detail = f"McNemar p {fmt_p(r['p_value'], language)}; n = {int(r['n'])}"
            rows += [
                _row("mastery_pre", f"{label}: {waves['pre']}", r["p_pre"], "pct"),
                _row("mastery_post", f"{label}: {waves['post']}", r["p_post"], "pct", detail),
            ]
    if bundle.has("arms_contrasts"):
        c = bundle["arms_contrasts"]
        for r in c[(c["outcome"] == scale) & c["versus_control"]].itertuples():
            if (
                headline is not None
                and headline.effect == "ancova"
                and ((r.arm, r.reference) == (headline.group, headline.reference))
            ):
                continue
            label = say(
                language,
                "design.funder_arms",
                escape=False,
                arm=names[r.arm],
                control=names[r.reference],
            )
            rows.append(
                _row(
                    "arm_contrast",
                    label,
                    r.estimate,
                    "num",
                    f"p Holm {fmt_p(r.p_holm, language)}",
                    r.ci_low,
                    r.ci_high,
                )
            )
    if bundle.has("retained_gain"):
        kept = bundle["retained_gain"]
        kept = kept[(kept["outcome"] == scale) & (kept["group"] == group)]
        for r in kept[kept["reference"] == "pre"].itertuples():
            wave = waves.get(r.wave, r.wave)
            rows.append(
                _row(
                    "retained",
                    say(language, "design.funder_retained", escape=False, wave=wave),
                    r.mean_difference,
                    "num",
                    f"n = {int(r.n)}",
                    r.ci_low,
                    r.ci_high,
                )
            )
    return rows


def _tryout_indicators(bundle: Bundle, language: str) -> pd.DataFrame:
    """A try-out's indicators: respondents, valid items and reliability per scale."""
    words = texts(language)["design"]
    names = scale_names(bundle, language)
    scales = bundle["tryout_scales"]
    rows = [_row("respondents", words["funder_respondents"], int(scales["n"].max()), "int")]
    of = texts(language)["funder"]["of"]
    for r in scales.itertuples():
        rows.append(
            _row(
                "valid_items",
                f"{words['funder_tryout']}: {names[r.scale]}",
                r.k_valid,
                "int",
                f"{of} {r.k}",
            )
        )
        label = say(
            language,
            "design.funder_reliability",
            escape=False,
            coefficient=words["coefficient"][r.coefficient],
        )
        name = f"{label}: {names[r.scale]}"
        rows.append(_row("reliability", name, r.value, "num3", "", r.ci_low, r.ci_high))
    return _frame(rows)


def _program_rows(bundle: Bundle, group: str, language: str) -> list[dict]:
    """Rows of the optional parts a study declares: attendance, aspirations, service log, plan."""
    words, rows, extras = texts(language)["funder"], [], parts(bundle)
    waves = texts(language)["waves"]
    attendance = extras.get("attendance_summary")
    if attendance is not None and not attendance.empty:
        a = attendance.set_index("statistic")["value"]
        rows.append(
            _row(
                "attendance",
                words["attendance_completed"],
                a["completed_share"],
                "pct",
                f"{int(a['completed'])} / {int(a['enrolled'])}; "
                + words["attendance_rule"].format(n=int(a["completion_min_sessions"])),
            )
        )
    mcnemar = extras.get("aspirations_mcnemar")
    if mcnemar is not None and not mcnemar.empty:
        part = mcnemar[mcnemar["group"] == group].set_index("statistic")
        if len(part):
            diff, first = part.loc["difference"], part.iloc[0]
            n = int(first[["a", "b", "c", "d"]].sum())  # the pairs tested
            low, high = pct(diff["ci_low"], language), pct(diff["ci_high"], language)
            sep = "; " if language == "id" else ", "
            detail = (
                f"{words['difference']} {pct(diff['value'], language)} [{low}{sep}{high}], "
                f"McNemar p {fmt_p(part.loc['p_value', 'value'], language)}; n = {n}"
            )
            label = words["aspiration_share"]
            rows += [
                _row("aspiration_pre", f"{label}: {waves['pre']}", first["p_pre"], "pct"),
                _row(
                    "aspiration_post", f"{label}: {waves['post']}", first["p_post"], "pct", detail
                ),
            ]
    service = extras.get("service_summary")
    if service is not None and not service.empty:
        sv = service.iloc[0]
        within = 0 if pd.isna(sv["n_within"]) else int(sv["n_within"])  # no case measured
        detail = f"{within} / {int(sv['n'])}"
        if isinstance(sv["bottleneck"], str) and sv["bottleneck"]:
            detail += f"; {words['bottleneck']}: {sv['bottleneck']}"
        rows.append(_row("service", words["service_within"], sv["share_within"], "pct", detail))
    pillars = bundle.results.get("extras", {}).get("plan", {}).get("pillars", {})
    if pillars:
        met = sum(v["met"] for v in pillars.values())
        total = sum(v["targets"] for v in pillars.values())
        unmeasured = sum(v["not_measured"] for v in pillars.values())
        detail = f"{words['of']} {total}"
        if unmeasured:
            detail += "; " + words["plan_unmeasured"].format(n=unmeasured)
        rows.append(_row("plan", words["plan_met"], met, "int", detail))
    return rows


def _number_format(kind: str) -> str | None:
    """The workbook's number format of an indicator's kind."""
    return {"int": "0", "num": "0.00", "num3": "0.000", "pct": "0%"}.get(kind)


def workbook_sheets(bundle: Bundle, language: str) -> tuple[dict[str, pd.DataFrame], dict]:
    """The funder workbook's sheets (indicators, reach per arm, notes) and the number format
    of each numeric cell: values stay numbers, so a spreadsheet can sum and chart them."""
    words, brief = texts(language)["funder"], texts(language)["brief"]
    table = indicators(bundle, language)
    level = fmt(100 * bundle.results["analysis"].get("ci_level", 0.95), language, 0)
    low, high = f"{level}% CI {words['ci_low']}", f"{level}% CI {words['ci_high']}"
    sheet = pd.DataFrame(
        {
            words["indicator"]: table["indicator"],
            words["value"]: table["value"].astype(object),
            low: table["low"].astype(object),
            high: table["high"].astype(object),
            words["detail"]: table["detail"],
        }
    )
    reach = reach_table(bundle, language)
    kinds = list(table["kind"])
    interval_kinds = [k if k != "int" else "num" for k in kinds]
    formats = {
        words["title"]: {
            words["value"]: [_number_format(k) for k in kinds],
            low: [_number_format(k) for k in interval_kinds],
            high: [_number_format(k) for k in interval_kinds],
        },
        brief["reach"]: {brief["reach_share"]: ["0%"] * len(reach)},
    }
    sheets = {
        words["title"]: sheet,
        brief["reach"]: reach,
        words["limits"]: pd.DataFrame(
            {words["limits"]: limit_sentences(bundle, language, escape=False)}
        ),
    }
    return sheets, formats


def write_funder_xlsx(bundle: Bundle, path: Path, language: str) -> None:
    """The funder summary's indicators as a workbook (the same table the HTML shows), its
    numbers typed as numbers."""
    sheets, formats = workbook_sheets(bundle, language)
    files.write_xlsx(path, sheets, number_formats=formats)
