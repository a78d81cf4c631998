"""The article kit: APA-style tables, figures and results/methods paragraphs from the bundle.

Everything here reads the results bundle and formats it; the numbers are the bundle's. Tables
go out as CSV, Markdown and one DOCX (APA 7 layout: table number in bold, title in italics,
horizontal rules only); figures as PNG at 300 dpi and SVG with a caption that gives n;
paragraphs in Indonesian or English from the templates in ``resources/report_text.yaml``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from pipeline import present as p
from pipeline.outputs import Bundle

__all__ = ["figures", "methods_paragraph", "results_paragraph", "tables"]


def tables(bundle: Bundle, language: str) -> dict[str, tuple[str, pd.DataFrame]]:
    """Article tables by file name: (title, table with formatted cells)."""
    words = p.texts(language)["article"]
    out = {
        "table1_descriptives": (
            words["table1"],
            p.descriptives_table(bundle, language).reset_index(),
        ),
        "table2_paired_tests": (words["table2"], p.tests_table(bundle, language).reset_index()),
        "table3_effect_sizes": (words["table3"], p.effects_table(bundle, language).reset_index()),
        "table4_reliability": (
            words["table4"],
            p.reliability_table(bundle, language).reset_index(),
        ),
    }
    ancova = p.ancova_table(bundle, language)
    if not ancova.empty:
        out["table5_ancova"] = (words["table5"], ancova.reset_index())
    return out


def results_paragraph(bundle: Bundle, language: str) -> str:
    """The results in prose: the primary test of the total scale per group, and the ANCOVA."""
    scale = bundle.results["instrument"]["scales"][-1]["id"]
    sentences = [
        p.headline(bundle, language, scale=scale, group=g, escape=False)
        for g in p.present_groups(bundle)
    ]
    ancova = bundle.tables.get("ancova")
    if ancova is not None and not ancova.empty:
        a = ancova.set_index("outcome").loc[scale]
        sentences.append(
            p.say(
                language,
                "article.ancova_sentence",
                escape=False,
                diff=p.fmt(a["adjusted_difference"], language),
                low=p.fmt(a["ci_low"], language),
                high=p.fmt(a["ci_high"], language),
                df=p.fmt(a["df_resid"], language, 0),
                F=p.fmt(a["F"], language),
                p=p.fmt_p(a["p_value"], language),
                pes=p.fmt(a["partial_eta_squared"], language, 3),
            )
        )
    return " ".join(sentences)


def methods_paragraph(bundle: Bundle, language: str) -> str:
    """Design, participants, instrument and reliability, and the analysis, in prose."""
    results = bundle.results
    instrument = results["instrument"]
    reliability = bundle["reliability"].dropna(subset=["alpha"])
    attrition = bundle["attrition"]
    pooled = attrition[
        attrition["group"]
        == ("all" if "all" in set(attrition["group"]) else attrition["group"].iloc[0])
    ]
    pairs = int(
        pooled[pooled["pattern"].str.contains("pre") & pooled["pattern"].str.contains("post")][
            "n"
        ].sum()
    )
    started = int(pooled[pooled["pattern"].str.startswith("pre")]["n"].sum())
    return p.say(
        language,
        "article.methods",
        escape=False,
        design=p.texts(language)["article"][
            "design_control" if results["design"]["has_control"] else "design_one_group"
        ],
        method=results["program"]["method"],
        started=started,
        pairs=pairs,
        title=instrument["title"][language],
        n_items=instrument["n_items"],
        low=instrument["response_scale"]["min"],
        high=instrument["response_scale"]["max"],
        alpha_min=p.fmt(reliability["alpha"].min(), language),
        alpha_max=p.fmt(reliability["alpha"].max(), language),
        correction=results["analysis"]["multiplicity"],
    )


def _gain_figure(bundle: Bundle, language: str):
    words = p.texts(language)
    gain = bundle["gain"]
    scale = bundle.results["instrument"]["scales"][-1]["id"]
    part = gain[gain["scale"] == scale].dropna(subset=["value"])
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for colour, (group, rows) in zip(p.PALETTE, part.groupby("group", sort=False), strict=False):
        ax.hist(
            rows["value"],
            bins=np.linspace(-1, 1, 21),
            alpha=0.6,
            color=colour,
            label=words["groups"].get(group, group),
        )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("N-gain (g)")
    ax.set_ylabel(words["article"]["participants"])
    ax.legend()
    fig.tight_layout()
    caption = p.say(
        language,
        "article.gain_caption",
        escape=False,
        scale=p.scale_names(bundle, language)[scale],
        n=len(part),
    )
    return fig, caption


def _shift_figure(bundle: Bundle, language: str):
    words = p.texts(language)
    scale = bundle.results["instrument"]["scales"][-1]["id"]
    scheme = f"hypothetical_{bundle.results['categories']['levels']}"
    cats = bundle["categories"]
    part = cats[(cats["scale"] == scale) & (cats["scheme"] == scheme)].dropna(subset=["category"])
    labels = list(
        bundle["category_schemes"].set_index(["scale", "scheme"]).loc[(scale, scheme), "labels"]
    )
    counts = pd.crosstab([part["group"], part["wave"]], part["category"]).reindex(
        columns=labels, fill_value=0
    )
    shares = counts.div(counts.sum(axis=1), axis=0) * 100
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    left = np.zeros(len(shares))
    names = [f"{words['groups'].get(g, g)} · {words['waves'].get(w, w)}" for g, w in shares.index]
    for colour, label in zip(p.PALETTE, labels, strict=False):
        ax.barh(names, shares[label], left=left, color=colour, label=label)
        left += shares[label].to_numpy()
    ax.set_xlabel("%")
    ax.legend(ncol=len(labels), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    caption = p.say(
        language,
        "article.shift_caption",
        escape=False,
        scale=p.scale_names(bundle, language)[scale],
        n=len(part),
    )
    return fig, caption


def _likert_figure(bundle: Bundle, language: str):
    """Diverging stacked bars of every item's answers, pre above post (Robbins & Heiberger
    2011): disagreement to the left of zero, agreement to the right, neutral split across."""
    words = p.texts(language)
    responses = bundle["responses"]
    low = bundle.results["instrument"]["response_scale"]["min"]
    high = bundle.results["instrument"]["response_scale"]["max"]
    codes = list(range(low, high + 1))
    middle = (low + high) / 2
    items = [c for c in responses.columns if c in bundle["items"]["item"].unique()]
    rows, names = [], []
    for item in items:
        for wave in ("pre", "post"):
            values = responses.loc[responses["wave"] == wave, item].dropna()
            counts = values.value_counts(normalize=True).reindex(codes, fill_value=0) * 100
            rows.append(counts.to_numpy())
            names.append(f"{item} · {words['waves'][wave]}")
    shares = np.array(rows)
    fig, ax = plt.subplots(figsize=(7, 0.22 * len(names) + 1.2))
    colours = [p.PALETTE[5], "#f4a582", "#d9d9d9", "#92c5de", p.PALETTE[0]][: len(codes)]
    neutral = [i for i, c in enumerate(codes) if c == middle]
    start = -shares[:, [i for i, c in enumerate(codes) if c < middle]].sum(axis=1)
    if neutral:
        start -= shares[:, neutral[0]] / 2
    y = np.arange(len(names))[::-1]
    for i, code in enumerate(codes):
        ax.barh(y, shares[:, i], left=start, color=colours[i], height=0.8, label=str(code))
        start = start + shares[:, i]
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_yticks(y, names, fontsize=6)
    ax.set_xlabel("%")
    ax.legend(ncol=len(codes), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    n = int(responses.groupby("wave").size().max())
    return fig, p.say(language, "article.likert_caption", escape=False, n=n)


def figures(bundle: Bundle, language: str) -> dict[str, tuple[plt.Figure, str]]:
    """Article figures by file name: (figure, caption with n)."""
    scale = bundle.results["instrument"]["scales"][-1]["id"]
    return {
        "figure1_scores": p.score_figure(bundle, language, scale=scale, escape=False),
        "figure2_category_shift": _shift_figure(bundle, language),
        "figure3_gain": _gain_figure(bundle, language),
        "figure4_items": _likert_figure(bundle, language),
    }


def markdown_table(frame: pd.DataFrame) -> str:
    """A table as Markdown (pipe table), cells escaped for the pipe character."""

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"
