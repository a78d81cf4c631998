"""The article kit: APA-style tables, figures and results/methods paragraphs from the bundle.

Everything here reads the results bundle and formats it; the numbers are the bundle's. Tables
go out as CSV, Markdown and one DOCX (APA 7 layout: table number in bold, title in italics,
horizontal rules only); figures as PNG at 300 dpi and SVG with a caption that gives n;
paragraphs in Indonesian or English from the templates in ``resources/report_text.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.bundle import files
from pipeline.bundle.read import Bundle, load_bundle
from pipeline.inert import inert
from pipeline.reports.article_designs import (
    design_sentences,
    design_tables,
    tryout_paragraphs,
    tryout_tables,
)
from pipeline.reports.docx import write_docx
from pipeline.reports.figures import figures
from pipeline.reports.tables import (
    ancova_table,
    descriptives_table,
    effects_table,
    headline,
    present_groups,
    reliability_table,
    tests_table,
)
from pipeline.reports.words import fmt, fmt_p, say, texts

__all__ = [
    "markdown_table",
    "methods_paragraph",
    "results_paragraph",
    "tables",
    "write_article_kit",
]


def tables(bundle: Bundle, language: str) -> dict[str, tuple[str, pd.DataFrame]]:
    """Article tables by file name: (title, table with formatted cells). A try-out has its
    own ("Hasil uji validitas dan reliabilitas instrumen" first); a program's design adds
    its tables after the paired tests and the ANCOVA."""
    if _is_tryout(bundle):
        return tryout_tables(bundle, language)
    words = texts(language)["article"]
    out = {
        "table1_descriptives": (
            words["table1"],
            descriptives_table(bundle, language).reset_index(),
        ),
        "table2_paired_tests": (words["table2"], tests_table(bundle, language).reset_index()),
        "table3_effect_sizes": (words["table3"], effects_table(bundle, language).reset_index()),
        "table4_reliability": (
            words["table4"],
            reliability_table(bundle, language).reset_index(),
        ),
    }
    ancova = ancova_table(bundle, language)
    if not ancova.empty:
        out["table5_ancova"] = (words["table5"], ancova.reset_index())
    return out | design_tables(bundle, language, first=len(out) + 1)


def _is_tryout(bundle: Bundle) -> bool:
    return bundle.results["design"].get("kind") == "tryout"


def results_paragraph(bundle: Bundle, language: str) -> str:
    """The results in prose: the primary test of the total scale per group, and the ANCOVA."""
    scale = bundle.results["instrument"]["scales"][-1]["id"]
    sentences = [
        headline(bundle, language, scale=scale, group=g, escape=False)
        for g in present_groups(bundle)
    ]
    ancova = bundle.tables.get("ancova")
    if ancova is not None and not ancova.empty:
        a = ancova.set_index("outcome").loc[scale]
        sentences.append(
            say(
                language,
                "article.ancova_sentence",
                escape=False,
                diff=fmt(a["adjusted_difference"], language),
                low=fmt(a["ci_low"], language),
                high=fmt(a["ci_high"], language),
                df=fmt(a["df_resid"], language, 0),
                F=fmt(a["F"], language),
                p=fmt_p(a["p_value"], language),
                pes=fmt(a["partial_eta_squared"], language, 3),
            )
        )
    return " ".join([*sentences, *design_sentences(bundle, language, scale=scale)])


def methods_paragraph(bundle: Bundle, language: str) -> str:
    """Design, participants, instrument and reliability, and the analysis, in prose."""
    results = bundle.results
    instrument = results["instrument"]
    reliability = bundle["reliability"].dropna(subset=["alpha"])
    reach = results["flow"]["reach"]
    pooled = reach.get("all") or next(iter(reach.values()))
    pairs, started = pooled["both"], pooled["started"]
    primary = next(s for s in instrument["scales"] if s["id"] == results["primary_scale"])
    scale = primary if "min" in primary else instrument["response_scale"]
    return say(
        language,
        "article.methods",
        escape=False,
        design=_design_words(results, language),
        method=results["program"]["method"],
        started=started,
        pairs=pairs,
        title=instrument["title"][language],
        n_items=instrument["n_items"],
        low=fmt(scale["min"], language, 0),
        high=fmt(scale["max"], language, 0),
        alpha_min=fmt(reliability["alpha"].min(), language),
        alpha_max=fmt(reliability["alpha"].max(), language),
        correction=results["analysis"]["multiplicity"],
    )


def _design_words(results: dict, language: str) -> str:
    """The design in words: one group or with a control, k arms, with a follow-up."""
    words = texts(language)
    design = results["design"]
    arms = design.get("arms", [])
    if len(arms) > 2 or (arms and not design.get("classic", True)):
        text = say(language, "design.article.design_arms", escape=False, k=len(arms))
    else:
        text = words["article"]["design_control" if design["has_control"] else "design_one_group"]
    if len(design["waves"]) > 2:
        text += " " + words["design"]["article"]["design_followup"]
    return text


def markdown_table(frame: pd.DataFrame) -> str:
    """A table as Markdown (pipe table), every cell and header made inert (no markup, link,
    pipe or line break of a user's text can act)."""

    def cell(value: object) -> str:
        return inert(value, "markdown")

    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def write_article_kit(bundle_dir: Path, folder: Path) -> None:
    """Tables (DOCX, CSV, Markdown), figures (PNG 300 dpi, SVG) and paragraphs, in Indonesian
    and English, for an article about the study."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bundle = load_bundle(bundle_dir)
    for language in ("id", "en"):
        target = folder / language
        made = tables(bundle, language)
        for name, (_, table) in made.items():
            files.write_csv(target / f"{name}.csv", table)
            files.atomic_write_text(target / f"{name}.md", markdown_table(table))
        captions = []
        for name, (figure, caption) in figures(bundle, language).items():
            files.write_figure(target / name, figure)
            plt.close(figure)
            captions.append(f"{name}: {caption}")
        files.atomic_write_text(target / "figure_captions.txt", "\n".join(captions) + "\n")
        paragraphs = (
            tryout_paragraphs(bundle, language)
            if _is_tryout(bundle)
            else [
                ("Results", results_paragraph(bundle, language)),
                ("Methods", methods_paragraph(bundle, language)),
            ]
        )
        files.atomic_write_text(
            target / "paragraphs.md",
            "".join(  # the paragraphs' user text (scale names, method) shows, never acts
                f"## {heading}\n\n{inert(text, 'markdown')}\n\n" for heading, text in paragraphs
            ),
        )
        write_docx(
            target / "article_tables.docx",
            title=bundle.results["program"]["title"],
            paragraphs=paragraphs,
            tables=list(made.values()),
        )
