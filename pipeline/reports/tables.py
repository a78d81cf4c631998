"""Display tables and sentences of the questionnaire's results, read from the bundle.

Nothing here computes a statistic; it formats what the bundle holds in the report's language.
"""

from __future__ import annotations

import pandas as pd

from pipeline.bundle.read import Bundle
from pipeline.reports.words import fill, fmt, fmt_p, interval, pct, say, texts
from pipeline.waves import WAVE_ORDER

__all__ = [
    "WEAK_ALPHA",
    "ancova_table",
    "attrition_table",
    "bounds_text",
    "category_table",
    "changes_table",
    "choice_reason",
    "descriptives_table",
    "effects_table",
    "flow_table",
    "gain_comparison_table",
    "gain_table",
    "group_names",
    "headline",
    "item_validity_table",
    "key_findings",
    "level_name",
    "limit_sentences",
    "mixed_table",
    "one_group",
    "pattern_text",
    "power_table",
    "present_groups",
    "problems_table",
    "program_facts",
    "reliability_table",
    "scale_facts",
    "scale_names",
    "score_unit",
    "shift_table",
    "subgroups_table",
    "table_caption",
    "tests_table",
    "weak_alpha",
    "weak_reliabilities",
    "without_one_group",
]


def without_one_group(table: pd.DataFrame, bundle: Bundle, language: str) -> pd.DataFrame:
    """``table`` without its group (an index level or a column) when the study has one group:
    a column of "all participants" in every row tells a reader nothing."""
    name = texts(language)["columns"]["group"]
    if not one_group(bundle):
        return table
    if name in table.index.names and table.index.nlevels > 1:
        return table.droplevel(name)
    return table.drop(columns=[name]) if name in table.columns else table


_one_group_unnamed = without_one_group


def scale_names(bundle: Bundle, language: str) -> dict[str, str]:
    return {s["id"]: s["name"][language] for s in bundle.results["instrument"]["scales"]}


def program_facts(bundle: Bundle, language: str) -> pd.DataFrame:
    words, program = texts(language)["facts"], bundle.results["program"]
    rows = [
        (words[key], program.get(key) or "-")
        for key in ("title", "partner", "place", "method", "funder", "participants")
    ]
    rows.insert(3, (words["dates"], f"{program['start_date']} - {program['end_date']}"))
    return pd.DataFrame(rows, columns=["", " "]).set_index("")


def flow_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    ledger = bundle["ledger"]
    waves = [w for w in WAVE_ORDER if w in set(ledger["wave"])]
    table = pd.crosstab(ledger["outcome"], ledger["wave"], margins=True, margins_name="Total")
    table = table[[*waves, "Total"]]
    table.index = [words["outcomes"].get(i, i) for i in table.index]
    table.columns = [words["waves"].get(c, c) for c in table.columns]
    table.index.name = words["columns"]["outcome_row"]
    return table


def attrition_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    table = bundle["attrition"].pivot(index="pattern", columns="group", values="n").fillna(0)
    table = table.astype(int)
    reading = [*present_groups(bundle), "all"]
    table = table[sorted(table.columns, key=lambda g: reading.index(g) if g in reading else 99)]
    table.index = [pattern_text(p, language) for p in table.index]
    names = {"all": words["columns"]["n"]} if one_group(bundle) else group_names(bundle, language)
    table.columns = [names.get(g, g) for g in table.columns]
    table.index.name = words["columns"]["pattern"]
    return table


def pattern_text(pattern: str, language: str) -> str:
    """A wave pattern of the attrition table ("pre+post", "post only") in words."""
    words = texts(language)
    if pattern in words["patterns"]:
        return words["patterns"][pattern]
    waves = [words["waves"].get(w, w) for w in pattern.removesuffix(" only").split("+")]
    if pattern.endswith(" only"):
        return fill(words["design"]["pattern_only"], wave=waves[0])
    return ", ".join(waves[:-1]) + f" {words['design']['pattern_and']} {waves[-1]}"


def problems_table(bundle: Bundle, language: str) -> pd.DataFrame:
    cols = texts(language)["columns"]
    problems = bundle["problems"]
    message = "message_id" if language == "id" else "message_en"
    table = problems[["file", "row", "column", message]]
    return table.rename(
        columns={
            "file": cols["file"],
            "row": cols["row"],
            "column": cols["column"],
            message: cols["message"],
        }
    )


def descriptives_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    d = bundle["descriptives"]
    table = pd.DataFrame(
        {
            cols["outcome"]: d["outcome"].map(names),
            cols["group"]: d["group"].map(group_names(bundle, language)),
            cols["wave"]: d["wave"].map(words["waves"]),
            cols["n"]: d["n"],
            cols["mean"]: [fmt(x, language) for x in d["mean"]],
            cols["sd"]: [fmt(x, language) for x in d["sd"]],
            cols["median"]: [fmt(x, language) for x in d["median"]],
            cols["iqr"]: [
                f"{fmt(a, language)}-{fmt(b, language)}"
                for a, b in zip(d["q1"], d["q3"], strict=True)
            ],
        }
    )
    # Scales as the instrument lists them, groups in reading order, waves in time order.
    reading = {g: i for i, g in enumerate(present_groups(bundle))}
    scales = {k: i for i, k in enumerate(names)}
    keys = pd.DataFrame(
        {
            "scale": d["outcome"].map(scales).fillna(99).to_numpy(),
            "group": d["group"].astype(str).map(reading).fillna(99).to_numpy(),
            "wave": d["wave"].astype(str).map(WAVE_ORDER).fillna(99).to_numpy(),
        }
    )
    table = table.iloc[keys.sort_values(["scale", "group", "wave"], kind="stable").index]
    return _one_group_unnamed(
        table.set_index([cols["outcome"], cols["group"], cols["wave"]]), bundle, language
    )


def _ci(value, low, high, language: str, decimals: int = 2) -> str:
    return f"{fmt(value, language, decimals)} {interval(low, high, language, decimals)}"


def tests_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Both paired tests per outcome and group; the primary one marked."""
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    t = bundle["tests"]
    table = pd.DataFrame(
        {
            cols["outcome"]: t["outcome"].map(names),
            cols["group"]: t["group"].map(group_names(bundle, language)),
            cols["test"]: [
                words["test_names"][x] + (" ✓" if p else "")
                for x, p in zip(t["test"], t["primary"], strict=True)
            ],
            cols["n"]: t["n"],
            cols["mean_pre"]: [fmt(x, language) for x in t["mean_pre"]],
            cols["mean_post"]: [fmt(x, language) for x in t["mean_post"]],
            cols["diff_ci"]: [
                _ci(e, lo, hi, language)
                for e, lo, hi in zip(t["estimate"], t["ci_low"], t["ci_high"], strict=True)
            ],
            cols["statistic"]: [
                fmt(s, language) + (f" ({fmt(df, language, 0)})" if not pd.isna(df) else "")
                for s, df in zip(t["statistic"], t["df"], strict=True)
            ],
            cols["p"]: [fmt_p(p, language).removeprefix("= ") for p in t["p_value"]],
            cols["p_adj"]: [fmt_p(p, language).removeprefix("= ") for p in t["p_adjusted"]],
            cols["note"]: t["note"].fillna(""),
        }
    )
    return _one_group_unnamed(
        table.set_index([cols["outcome"], cols["group"], cols["test"]]), bundle, language
    )


def effects_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """The effect sizes side by side per outcome and group, with CIs and Cohen's labels."""
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    e = bundle["effects"]
    cell = [
        f"{_ci(v, lo, hi, language)} {words['magnitude'][m]}"
        for v, lo, hi, m in zip(e["value"], e["ci_low"], e["ci_high"], e["magnitude"], strict=True)
    ]
    wide = e.assign(cell=cell).pivot_table(
        index=["outcome", "group"], columns="effect", values="cell", aggfunc="first", sort=False
    )
    wide = wide.reindex(
        columns=[c for c in ("d_z", "d_av", "g_av", "rank-biserial r") if c in wide.columns]
    )
    wide.index = wide.index.set_levels(
        [wide.index.levels[0].map(names), wide.index.levels[1].map(group_names(bundle, language))]
    )
    wide.index.names = [cols["outcome"], cols["group"]]
    wide.columns.name = None
    return _one_group_unnamed(wide, bundle, language)


def changes_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    c = bundle["changes"]
    pct = lambda x: fmt(100 * x, language, 0) + "%"  # noqa: E731
    table = pd.DataFrame(
        {
            cols["outcome"]: c["outcome"].map(names),
            cols["group"]: c["group"].map(group_names(bundle, language)),
            "n": c["n"],
            cols["up"]: [
                f"{n} ({pct(s)})" for n, s in zip(c["improved"], c["share_improved"], strict=True)
            ],
            cols["stayed"]: [
                f"{n} ({pct(s)})" for n, s in zip(c["stayed"], c["share_stayed"], strict=True)
            ],
            cols["down"]: [
                f"{n} ({pct(s)})" for n, s in zip(c["declined"], c["share_declined"], strict=True)
            ],
            cols["r_pre_post"]: [fmt(x, language) for x in c["r_pre_post"]],
        }
    )
    return _one_group_unnamed(table.set_index([cols["outcome"], cols["group"]]), bundle, language)


def power_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    pw = bundle["power"]
    table = pd.DataFrame(
        {
            cols["outcome"]: pw["outcome"].map(names),
            cols["group"]: pw["group"].map(group_names(bundle, language)),
            "n": pw["n"],
            cols["detectable"]: [fmt(x, language) for x in pw["detectable_dz"]],
            cols["power_observed"]: [fmt(x, language) for x in pw["power_observed"]],
        }
    )
    return _one_group_unnamed(table.set_index([cols["outcome"], cols["group"]]), bundle, language)


def ancova_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    a = bundle.tables.get("ancova")
    if a is None or a.empty:
        return pd.DataFrame()
    table = pd.DataFrame(
        {
            cols["outcome"]: a["outcome"].map(names),
            "n": a["n"],
            cols["adjusted_diff"]: [
                _ci(v, lo, hi, language)
                for v, lo, hi in zip(
                    a["adjusted_difference"], a["ci_low"], a["ci_high"], strict=True
                )
            ],
            "F (df)": [
                f"{fmt(f, language)} (1, {fmt(d, language, 0)})"
                for f, d in zip(a["F"], a["df_resid"], strict=True)
            ],
            cols["p"]: [fmt_p(p, language).removeprefix("= ") for p in a["p_value"]],
            cols["p_adj"]: [fmt_p(p, language).removeprefix("= ") for p in a["p_adjusted"]],
            "η²p": [fmt(x, language, 3) for x in a["partial_eta_squared"]],
        }
    )
    return table.set_index(cols["outcome"])


def gain_comparison_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    g = bundle.tables.get("gain_comparison")
    if g is None or g.empty:
        return pd.DataFrame()
    table = pd.DataFrame(
        {
            cols["outcome"]: g["outcome"].map(names),
            cols["gain_diff"]: [
                _ci(v, lo, hi, language)
                for v, lo, hi in zip(g["difference"], g["ci_low"], g["ci_high"], strict=True)
            ],
            "Welch t (df)": [
                f"{fmt(t, language)} ({fmt(d, language, 1)})"
                for t, d in zip(g["t"], g["df"], strict=True)
            ],
            cols["p"]: [fmt_p(p, language).removeprefix("= ") for p in g["p_value"]],
            "Hedges g [95% CI]": [
                _ci(v, lo, hi, language)
                for v, lo, hi in zip(g["hedges_g"], g["g_ci_low"], g["g_ci_high"], strict=True)
            ],
        }
    )
    return table.set_index(cols["outcome"])


def mixed_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    m = bundle.tables.get("mixed_anova")
    if m is None or m.empty:
        return pd.DataFrame()
    table = pd.DataFrame(
        {
            cols["outcome"]: m["outcome"].map(names),
            cols["source"]: m["effect"].map(lambda e: words["mixed_sources"].get(e, e)),
            "F (df)": [
                f"{fmt(f, language)} ({fmt(a, language, 0)}, {fmt(b, language, 0)})"
                for f, a, b in zip(m["F"], m["df1"], m["df2"], strict=True)
            ],
            cols["p"]: [fmt_p(p, language).removeprefix("= ") for p in m["p_value"]],
            "η²p": [fmt(x, language, 3) for x in m["partial_eta_squared"]],
        }
    )
    return table.set_index([cols["outcome"], cols["source"]])


def subgroups_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    s = bundle.tables.get("subgroups")
    if s is None or s.empty:
        return pd.DataFrame()
    table = pd.DataFrame(
        {
            cols["outcome"]: s["outcome"].map(names),
            cols["subgroup"]: s["subgroup"],
            "n": s["n"],
            cols["interaction"]: s["term"].map(lambda t: words["subgroup_terms"].get(t, t)),
            "F (df)": [
                f"{fmt(f, language)} ({fmt(a, language, 0)}, {fmt(b, language, 0)})"
                for f, a, b in zip(s["F"], s["df1"], s["df2"], strict=True)
            ],
            cols["p"]: [fmt_p(p, language).removeprefix("= ") for p in s["p_value"]],
            cols["note"]: s["note"].fillna(""),
        }
    )
    return table.set_index([cols["outcome"], cols["subgroup"]])


def choice_reason(bundle: Bundle, language: str, *, scale: str, group: str) -> str | None:
    """Why the primary test of a scale and group was chosen, in the report's language."""
    t = bundle["tests"]
    rows = t[(t["outcome"] == scale) & (t["group"] == group) & t["primary"]]
    if rows.empty:
        return None
    n = bundle["normality"]
    normal = n[(n["outcome"] == scale) & (n["group"] == group) & (n["target"] == "difference")]
    values = {
        "W": fmt(normal["W"].iloc[0], language, 3) if len(normal) else "-",
        "p": fmt(normal["p_value"].iloc[0], language, 3) if len(normal) else "-",
    }
    return fill(texts(language)["reasons"][rows["reason_code"].iloc[0]], **values)


def present_groups(bundle: Bundle) -> list[str]:
    """The groups tested, in reading order: the declared arms (treatment, control for the
    two-list form), or "all"."""
    tests = bundle.tables.get("tests")  # a try-out tests no change: no groups tested
    found = set(tests["group"]) if tests is not None and "group" in tests else set()
    arms = [arm["name"] for arm in bundle.results["design"].get("arms", [])]
    return [g for g in dict.fromkeys([*arms, "treatment", "control", "all"]) if g in found]


def one_group(bundle: Bundle) -> bool:
    """Whether the study has one group only ("all"): then no table, figure or sentence names
    a group, since "all" is not one."""
    return present_groups(bundle) == ["all"]


def group_names(bundle: Bundle, language: str) -> dict[str, str]:
    """Group (arm) name to how the report names it: the report's words for treatment,
    control and all; an arm's declared title; else its name."""
    names = dict(texts(language)["groups"])
    for arm in bundle.results["design"].get("arms", []):
        if arm.get("title"):
            names[arm["name"]] = arm["title"][language]
        else:
            names.setdefault(arm["name"], arm["name"])
    return names


def scale_facts(bundle: Bundle) -> dict[str, dict]:
    """Scale id to its facts in ``results.json``: name, kind, the score column its
    comparisons use and that score's range."""
    return {s["id"]: s for s in bundle.results["instrument"]["scales"]}


def headline(bundle: Bundle, language: str, *, scale: str, group: str, escape: bool = True) -> str:
    """One results sentence for a scale and group, from its primary test, in APA style."""
    words = texts(language)
    t = bundle["tests"]
    row = t[(t["outcome"] == scale) & (t["group"] == group) & t["primary"]].iloc[0]
    effects = bundle["effects"].set_index(["outcome", "group", "effect"])
    common = {
        "group": "" if one_group(bundle) else group_names(bundle, language)[group],
        "scale": scale_names(bundle, language)[scale],
        "n": int(row["n"]),
    }
    if row["note"]:
        return say(language, "headline_missing", escape=escape, note=row["note"], **common)
    kind = "d_z" if row["test"] == "paired t" else "rank-biserial r"
    effect = effects.loc[(scale, group, kind)]
    values = {
        "pre": fmt(row["mean_pre"], language),
        "post": fmt(row["mean_post"], language),
        "diff": fmt(row["estimate"], language),
        "low": fmt(row["ci_low"], language),
        "high": fmt(row["ci_high"], language),
        "df": fmt(row["df"], language, 0),
        "stat": fmt(row["statistic"], language),
        "p": fmt_p(row["p_value"], language),
        "es": fmt(effect["value"], language),
        "es_low": fmt(effect["ci_low"], language),
        "es_high": fmt(effect["ci_high"], language),
        "magnitude": words["magnitude"][effect["magnitude"]],
    }
    key = "headline" if row["test"] == "paired t" else "headline_wilcoxon"
    return say(language, key, escape=escape, **common, **values)


def limit_sentences(bundle: Bundle, language: str, *, escape: bool = True) -> list[str]:
    """Every caveat of the bundle as a sentence: for Markdown, or as plain text when
    ``escape`` is False (a workbook cell, or HTML that escapes it where it is shown)."""
    sentences = []
    for limit in bundle.results["limits"]:
        values = {k: v for k, v in limit.items() if k != "code"}
        if "share" in values:
            values["share"] = pct(values["share"], language)
        sentences.append(say(language, f"limits.{limit['code']}", escape=escape, **values))
    return sentences


#: Cronbach's α below this is flagged ⚠ where it stands: the habit the reliability note names
#: ("many reports take α > .60 as reliable").
WEAK_ALPHA = 0.60


def weak_alpha(value: float) -> bool:
    """Whether an α is below :data:`WEAK_ALPHA` (a missing α is not flagged: its note says why)."""
    return not pd.isna(value) and value < WEAK_ALPHA


def reliability_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """α, standardized α and ω per scale and wave; an α below :data:`WEAK_ALPHA` carries ⚠
    beside it and in its note."""
    cols, names = texts(language)["columns"], scale_names(bundle, language)
    waves = texts(language)["waves"]
    r = bundle["reliability"]
    r = r.iloc[r["wave"].astype(str).map(WAVE_ORDER).fillna(99).argsort(kind="stable")]
    threshold = fmt(WEAK_ALPHA, language)
    notes = [
        "; ".join(
            x
            for x in (say(language, "weak_alpha", threshold=threshold) if weak_alpha(a) else "",
                      "" if pd.isna(n) else str(n))
            if x
        )
        for a, n in zip(r["alpha"], r["note"], strict=True)
    ]  # fmt: skip
    table = pd.DataFrame(
        {
            cols["outcome"]: r["scale"].map(names),
            cols["wave"]: r["wave"].map(waves),
            "n": r["n"],
            cols["alpha_ci"]: [
                f"{fmt(a, language)} {interval(lo, hi, language)}" + (" ⚠" if weak_alpha(a) else "")
                for a, lo, hi in zip(r["alpha"], r["alpha_ci_low"], r["alpha_ci_high"], strict=True)
            ],
            cols["std_alpha"]: [fmt(x, language) for x in r["std_alpha"]],
            "ω": [fmt(x, language) for x in r["omega_total"]],
            cols["note"]: notes,
        }
    )
    scales = {k: i for i, k in enumerate(names)}
    table = table.iloc[r["scale"].map(scales).fillna(99).argsort(kind="stable").to_numpy()]
    return table.set_index([cols["outcome"], cols["wave"]])


def weak_reliabilities(bundle: Bundle) -> int:
    """How many α values (scale by wave) are below :data:`WEAK_ALPHA`."""
    return int(sum(weak_alpha(a) for a in bundle["reliability"]["alpha"]))


def score_unit(bundle: Bundle, language: str) -> str:
    """The unit of the scores the tables show: the Likert range when every scale is a Likert
    mean, else a pointer to each scale's unit."""
    captions = texts(language)["captions"]
    scales = bundle.results["instrument"]["scales"]
    if all(s.get("kind", "likert") == "likert" for s in scales):
        scale = bundle.results["instrument"]["response_scale"]
        return fill(captions["unit_likert"], low=scale["min"], high=scale["max"])
    return captions["unit_mixed"]


def table_caption(bundle: Bundle, language: str, key: str, **values: object) -> str:
    """A table's caption (plain text: :func:`pipeline.reports.notebook.table` escapes it)
    with its units and what n counts; it names groups only when the study has several."""
    template = texts(language)["captions"][key]
    return fill(template, groups=not one_group(bundle), unit=score_unit(bundle, language), **values)


def key_findings(bundle: Bundle, language: str) -> list[str]:
    """The report's key findings as sentences (plain text, for Markdown through ``esc``-free
    :func:`say`): the primary scale's change per group from its primary test, how many
    participants improved, the controlled comparison when there is one, and a caution when
    a reliability is weak."""
    scale = bundle.results["primary_scale"]
    found = [headline(bundle, language, scale=scale, group=g) for g in present_groups(bundle)]
    changes = bundle["changes"]
    names = group_names(bundle, language)
    for group in present_groups(bundle):
        row = changes[(changes["outcome"] == scale) & (changes["group"] == group)]
        if row.empty or not row["n"].iat[0]:
            continue
        found.append(
            say(language, "key_improved", up=int(row["improved"].iat[0]), n=int(row["n"].iat[0]),
                share=fmt(100 * row["share_improved"].iat[0], language, 0) + "%",
                group="" if one_group(bundle) else names.get(group, group))
        )  # fmt: skip
    ancova = bundle.tables.get("ancova")
    if ancova is not None and "outcome" in ancova and (ancova["outcome"] == scale).any():
        a = ancova.set_index("outcome").loc[scale]
        found.append(
            say(language, "key_ancova", diff=fmt(a["adjusted_difference"], language),
                low=fmt(a["ci_low"], language), high=fmt(a["ci_high"], language),
                p=fmt_p(a["p_value"], language))
        )  # fmt: skip
    weak = weak_reliabilities(bundle)
    if weak:
        found.append(say(language, "key_flags", n=weak, threshold=fmt(WEAK_ALPHA, language)))
    return found


def item_validity_table(bundle: Bundle, language: str) -> pd.DataFrame:
    """Each item once, in its subscale: r used for validity per wave, and the critical r."""
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    items = bundle["items"]
    subscales = [s["id"] for s in bundle.results["instrument"]["scales"] if s["id"] != "total"]
    items = items[items["scale"].isin(subscales)]
    wide = items.pivot_table(index=["scale", "item"], columns="wave", values="r_used", sort=False)
    crit = items.pivot_table(
        index=["scale", "item"], columns="wave", values="r_critical", sort=False
    )
    table = pd.DataFrame(index=wide.index)
    for wave in [w for w in ("pre", "post") if w in wide.columns]:
        label = words["waves"][wave]
        table[f"r {label}"] = [fmt(x, language, 3) for x in wide[wave]]
        table[f"r {cols['critical']} {label}"] = [fmt(x, language, 3) for x in crit[wave]]
        table[f"{cols['valid']} {label}"] = [
            words["yes"] if r >= c else f"{words['no']} ⚠"
            for r, c in zip(wide[wave], crit[wave], strict=True)
        ]
    table.index = table.index.set_levels([table.index.levels[0].map(names), table.index.levels[1]])
    table.index.names = [cols["outcome"], cols["item"]]
    return table


def category_table(bundle: Bundle, language: str, *, scale: str, scheme: str) -> pd.DataFrame:
    """How many participants fall in each level, per wave and group."""
    words = texts(language)
    cats = bundle["categories"]
    part = cats[(cats["scale"] == scale) & (cats["scheme"] == scheme)].dropna(subset=["category"])
    schemes = bundle["category_schemes"].set_index(["scale", "scheme"])
    labels = list(schemes.loc[(scale, scheme), "labels"])
    table = pd.crosstab(
        [part["group"].astype(str), part["wave"].astype(str)], part["category"]
    ).reindex(columns=labels, fill_value=0)
    # Groups in reading order and waves in time order, then named in the report's language.
    groups = {g: i for i, g in enumerate(present_groups(bundle))}
    order = sorted(table.index, key=lambda k: (groups.get(k[0], 99), WAVE_ORDER.get(k[1], 99)))
    table = table.reindex(order)
    names = group_names(bundle, language)
    table.index = pd.MultiIndex.from_tuples(
        [(names.get(g, g), words["waves"].get(w, w)) for g, w in table.index]
    )
    table.index.names = [words["columns"]["group"], words["columns"]["wave"]]
    table.columns = [level_name(label, language) for label in table.columns]
    return _one_group_unnamed(table, bundle, language)


def level_name(label: str, language: str) -> str:
    """A score level as the report's language names it: the bundle keeps the Indonesian names
    of Azwar's levels and of the N-gain effectiveness levels; a level named by the study
    stays as written."""
    return texts(language)["level_words"].get(label, label)


def bounds_text(cuts: list[float], labels: list[str], language: str) -> str:
    """Levels with their bounds in the report's number format; lower bounds inclusive."""
    labels = [level_name(label, language) for label in labels]
    edges = [None, *cuts, None]
    parts = []
    for label, low, high in zip(labels, edges[:-1], edges[1:], strict=True):
        if low is None:
            parts.append(f"{label}: X < {fmt(high, language)}")
        elif high is None:
            parts.append(f"{label}: X ≥ {fmt(low, language)}")
        else:
            parts.append(f"{label}: {fmt(low, language)} ≤ X < {fmt(high, language)}")
    return "; ".join(parts)


def shift_table(bundle: Bundle, language: str, *, scheme: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    s = bundle["category_shift"]
    s = s[s["scheme"] == scheme]
    table = pd.DataFrame(
        {
            cols["outcome"]: s["scale"].map(names),
            cols["group"]: s["group"].map(group_names(bundle, language)),
            "n": s["n"],
            cols["up"]: s["up"],
            cols["stayed"]: s["stayed"],
            cols["down"]: s["down"],
        }
    )
    return _one_group_unnamed(table.set_index([cols["outcome"], cols["group"]]), bundle, language)


def gain_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    g = bundle["gain_summary"]
    table = pd.DataFrame(
        {
            cols["outcome"]: g["scale"].map(names),
            cols["group"]: g["group"].map(group_names(bundle, language)),
            "n": g["n_pairs"],
            "⟨g⟩": [
                f"{fmt(x, language)} ({words['hake'].get(h, '-')})"
                for x, h in zip(g["g_class"], g["hake_class"], strict=True)
            ],
            cols["gain_mean"]: [fmt(x, language) for x in g["gain_mean"]],
            cols["effectiveness"]: [
                f"{fmt(p, language, 1)}% ({level_name(e, language) if e else '-'})"
                for p, e in zip(g["effectiveness_pct"], g["effectiveness"], strict=True)
            ],
            cols["ceiling"]: g["n_ceiling"],
            cols["declined"]: g["n_declined"],
        }
    )
    return _one_group_unnamed(table.set_index([cols["outcome"], cols["group"]]), bundle, language)


# --------------------------------------------------------------------------- optional parts
