"""Presentation helpers for the report notebooks: words, number formats, display tables.

Nothing here computes a statistic; it formats what the bundle holds. Indonesian text uses the
decimal comma and a semicolon between interval limits; English uses the decimal point.
"""

from __future__ import annotations

import html
import math
import re
from functools import cache
from importlib import resources
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import yaml
from jinja2 import Environment, StrictUndefined

from pipeline.config import WAVE_ORDER
from pipeline.outputs import Bundle

__all__ = ["PALETTE", "fmt", "fmt_p", "texts"]

#: Okabe & Ito (2008) colour-blind-safe palette, used by every figure.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
_ENV = Environment(undefined=StrictUndefined, autoescape=False)


@cache
def _all_texts() -> dict[str, Any]:
    source = resources.files("pipeline.resources").joinpath("report_text.yaml")
    return yaml.safe_load(source.read_text("utf-8"))


def texts(language: str) -> dict[str, Any]:
    """The report's words in ``"id"`` or ``"en"``."""
    return _all_texts()[language]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def esc(text: Any) -> str:
    """User text made inert for Markdown output: HTML escaped, Markdown marks backslashed.

    Study titles, scale names and answer values come from users' files; a title such as
    ``<script>...`` or ``**x**`` must show as typed, not act.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def say(language: str, key: str, *, escape: bool = True, **values: Any) -> str:
    """Fill the sentence template ``key`` (dotted for nested keys). Values are escaped for
    Markdown output unless ``escape`` is False (plain text such as a Word document)."""
    node: Any = texts(language)
    for part in key.split("."):
        node = node[part]
    clean = {k: esc(v) for k, v in values.items()} if escape else values
    return _ENV.from_string(node).render(**clean)


def fmt(value: Any, language: str, decimals: int = 2) -> str:
    """A number with the language's decimal mark; '-' for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "-"
    text = f"{float(value):.{decimals}f}"
    return text.replace(".", ",") if language == "id" else text


def fmt_p(p: float, language: str) -> str:
    """p as APA 7 writes it (three decimals, '< .001'), with the comparison sign."""
    if p is None or math.isnan(p):
        return "-"
    if p < 0.001:
        return "< " + ("0,001" if language == "id" else ".001")
    text = f"{p:.3f}"
    text = text.replace(".", ",") if language == "id" else text.lstrip("0")
    return "= " + text


def interval(low: float, high: float, language: str, decimals: int = 2) -> str:
    sep = "; " if language == "id" else ", "
    return f"[{fmt(low, language, decimals)}{sep}{fmt(high, language, decimals)}]"


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
    table.index = [words["patterns"].get(p, p) for p in table.index]
    table.columns = [words["groups"].get(g, g) for g in table.columns]
    table.index.name = words["columns"]["pattern"]
    return table


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
            cols["group"]: d["group"].map(words["groups"]),
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
    return table.set_index([cols["outcome"], cols["group"], cols["wave"]])


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
            cols["group"]: t["group"].map(words["groups"]),
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
    return table.set_index([cols["outcome"], cols["group"], cols["test"]])


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
        [wide.index.levels[0].map(names), wide.index.levels[1].map(words["groups"])]
    )
    wide.index.names = [cols["outcome"], cols["group"]]
    wide.columns.name = None
    return wide


def changes_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    c = bundle["changes"]
    pct = lambda x: fmt(100 * x, language, 0) + "%"  # noqa: E731
    table = pd.DataFrame(
        {
            cols["outcome"]: c["outcome"].map(names),
            cols["group"]: c["group"].map(words["groups"]),
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
    return table.set_index([cols["outcome"], cols["group"]])


def power_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    pw = bundle["power"]
    table = pd.DataFrame(
        {
            cols["outcome"]: pw["outcome"].map(names),
            cols["group"]: pw["group"].map(words["groups"]),
            "n": pw["n"],
            cols["detectable"]: [fmt(x, language) for x in pw["detectable_dz"]],
            cols["power_observed"]: [fmt(x, language) for x in pw["power_observed"]],
        }
    )
    return table.set_index([cols["outcome"], cols["group"]])


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
            cols["interaction"]: s["term"],
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
    reason = _ENV.from_string(texts(language)["reasons"][rows["reason_code"].iloc[0]])
    return reason.render(**values)


def present_groups(bundle: Bundle) -> list[str]:
    """The groups tested, in reading order (treatment, control, all)."""
    found = set(bundle["tests"]["group"])
    return [g for g in ("treatment", "control", "all") if g in found]


def headline(bundle: Bundle, language: str, *, scale: str, group: str, escape: bool = True) -> str:
    """One results sentence for a scale and group, from its primary test, in APA style."""
    words = texts(language)
    t = bundle["tests"]
    row = t[(t["outcome"] == scale) & (t["group"] == group) & t["primary"]].iloc[0]
    effects = bundle["effects"].set_index(["outcome", "group", "effect"])
    common = {
        "group": words["groups"][group],
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


def limit_sentences(bundle: Bundle, language: str) -> list[str]:
    sentences = []
    for limit in bundle.results["limits"]:
        values = {k: v for k, v in limit.items() if k != "code"}
        if "share" in values:
            values["share"] = fmt(100 * values["share"], language, 0) + "%"
        sentences.append(say(language, f"limits.{limit['code']}", **values))
    return sentences


def score_figure(
    bundle: Bundle, language: str, *, scale: str, escape: bool = True
) -> tuple[plt.Figure, str]:
    """Box and dot plot of one scale's scores by wave and group, with its caption."""
    words = texts(language)
    data = bundle["scores"]
    data = data[(data["scale"] == scale) & data["mean"].notna()].assign(
        wave=lambda d: d["wave"].map(words["waves"]),
        group=lambda d: d["group"].map(words["groups"]),
    )
    sns.set_theme(style="whitegrid", palette=PALETTE)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    sns.boxplot(
        data=data,
        x="group",
        y="mean",
        hue="wave",
        ax=ax,
        showfliers=False,
        palette=PALETTE[: data["wave"].nunique()],
        boxprops={"alpha": 0.45},
    )
    sns.stripplot(
        data=data,
        x="group",
        y="mean",
        hue="wave",
        dodge=True,
        ax=ax,
        size=3.5,
        palette=PALETTE[: data["wave"].nunique()],
        legend=False,
        jitter=0.15,
    )
    low = bundle.results["instrument"]["response_scale"]["min"]
    high = bundle.results["instrument"]["response_scale"]["max"]
    ax.set_ylim(low - 0.1, high + 0.1)
    ax.set_xlabel(words["columns"]["group"])
    ax.set_ylabel(f"{scale_names(bundle, language)[scale]} ({words['columns']['mean']})")
    ax.legend(title=words["columns"]["wave"])
    fig.tight_layout()
    caption = say(
        language,
        "figure_caption",
        escape=escape,
        scale=scale_names(bundle, language)[scale],
        n=len(data),
    )
    return fig, caption


def reliability_table(bundle: Bundle, language: str) -> pd.DataFrame:
    cols, names = texts(language)["columns"], scale_names(bundle, language)
    waves = texts(language)["waves"]
    r = bundle["reliability"]
    table = pd.DataFrame(
        {
            cols["outcome"]: r["scale"].map(names),
            cols["wave"]: r["wave"].map(waves),
            "n": r["n"],
            cols["alpha_ci"]: [
                f"{fmt(a, language)} {interval(lo, hi, language)}"
                for a, lo, hi in zip(r["alpha"], r["alpha_ci_low"], r["alpha_ci_high"], strict=True)
            ],
            cols["std_alpha"]: [fmt(x, language) for x in r["std_alpha"]],
            "ω": [fmt(x, language) for x in r["omega_total"]],
            cols["note"]: r["note"].fillna(""),
        }
    )
    return table.set_index([cols["outcome"], cols["wave"]])


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
            words["yes"] if r >= c else words["no"]
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
        [part["group"].map(words["groups"]), part["wave"].map(words["waves"])], part["category"]
    ).reindex(columns=labels, fill_value=0)
    table.index.names = [words["columns"]["group"], words["columns"]["wave"]]
    table.columns.name = None
    return table


def bounds_text(cuts: list[float], labels: list[str], language: str) -> str:
    """Levels with their bounds in the report's number format; lower bounds inclusive."""
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
            cols["group"]: s["group"].map(words["groups"]),
            "n": s["n"],
            cols["up"]: s["up"],
            cols["stayed"]: s["stayed"],
            cols["down"]: s["down"],
        }
    )
    return table.set_index([cols["outcome"], cols["group"]])


def gain_table(bundle: Bundle, language: str) -> pd.DataFrame:
    words = texts(language)
    cols, names = words["columns"], scale_names(bundle, language)
    g = bundle["gain_summary"]
    table = pd.DataFrame(
        {
            cols["outcome"]: g["scale"].map(names),
            cols["group"]: g["group"].map(words["groups"]),
            "n": g["n_pairs"],
            "⟨g⟩": [
                f"{fmt(x, language)} ({words['hake'].get(h, '-')})"
                for x, h in zip(g["g_class"], g["hake_class"], strict=True)
            ],
            cols["gain_mean"]: [fmt(x, language) for x in g["gain_mean"]],
            cols["effectiveness"]: [
                f"{fmt(p, language, 1)}% ({e or '-'})"
                for p, e in zip(g["effectiveness_pct"], g["effectiveness"], strict=True)
            ],
            cols["ceiling"]: g["n_ceiling"],
            cols["declined"]: g["n_declined"],
        }
    )
    return table.set_index([cols["outcome"], cols["group"]])


# --------------------------------------------------------------------------- optional parts


def extra_tables(bundle: Bundle) -> dict[str, pd.DataFrame]:
    """The tables of the optional parts (attendance, service log, aspirations, plan, CBPR)
    that ``results.json`` lists under ``extras.tables``; personal tables are never read."""
    from pipeline.extras import EXTRA_TABLES

    listed = bundle.results.get("extras", {}).get("tables", [])
    found = {}
    for name in listed:
        if name not in EXTRA_TABLES:
            continue
        if name in bundle.tables:
            found[name] = bundle.tables[name]
        elif (bundle.folder / f"{name}.parquet").exists():
            found[name] = pd.read_parquet(bundle.folder / f"{name}.parquet")
    return found


def pct(value: Any, language: str, decimals: int = 0) -> str:
    """A share (0-1) as a percentage with the language's decimal mark; '-' for missing."""
    if value is None or pd.isna(value):
        return "-"
    return fmt(100 * float(value), language, decimals) + "%"


def _date(value: Any) -> str:
    if value is None or pd.isna(value):
        return "-"
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def cbpr_table(extras: dict[str, pd.DataFrame], language: str) -> pd.DataFrame:
    """The six stages of the CBPR cycle as lived: when, who, what was decided."""
    words = texts(language)["cbpr"]
    c = extras["cbpr_cycle"]
    when = [
        "-" if pd.isna(d) or d is None else _date(d) + ("" if e is None or pd.isna(e) else
                                                        f" - {_date(e)}")
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
            words["date"]: [_date(d) for d in s["date"]],
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
        group=texts(language)["groups"][group],
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
