"""The article kit: APA 7 tables, figures, methods and results paragraphs and the scored data
for SPSS, from the bundle, in Indonesian and English.

Everything here reads the results bundle and formats it; the numbers are the bundle's. Tables
go out as CSV, Markdown and one DOCX (:mod:`pipeline.reports.docx`: number in bold, title in
italics, a rule above and below the header and at the bottom, italic symbols, a note under
each table); figures as PNG at 300 dpi and SVG with numbered captions that give n; paragraphs
from the templates and the glossary in ``resources/article_kit.yaml``
(:mod:`pipeline.reports.apa`); ``scores.sav`` from :mod:`pipeline.reports.spss`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.bundle import files
from pipeline.bundle.read import Bundle
from pipeline.inert import inert
from pipeline.reports.apa import (
    ApaTable,
    apa_table,
    as_markdown,
    kit_say,
    kit_words,
    no_leading_zero,
)
from pipeline.reports.article_designs import (
    design_sentences,
    design_tables,
    tryout_paragraphs,
    tryout_tables,
)
from pipeline.reports.docx import write_docx
from pipeline.reports.figures import figures, tight_box
from pipeline.reports.spss import write_scores_sav
from pipeline.reports.tables import (
    ancova_table,
    descriptives_table,
    effects_table,
    group_names,
    present_groups,
    reliability_table,
    scale_names,
    tests_table,
)
from pipeline.reports.words import fmt, fmt_p, texts

__all__ = [
    "article_headline",
    "figure_captions",
    "markdown_table",
    "methods_paragraph",
    "results_paragraph",
    "tables",
    "write_article_kit",
]


def tables(bundle: Bundle, language: str) -> list[ApaTable]:
    """The article tables in order, APA 7 formatted (:func:`pipeline.reports.apa.apa_table`).
    A try-out has its own ("Hasil Uji Validitas dan Reliabilitas Instrumen" first); a
    program's design adds its tables after the paired tests and the ANCOVA."""
    if _is_tryout(bundle):
        found = tryout_tables(bundle, language)
    else:
        found = _core_tables(bundle, language)
        found += design_tables(bundle, language, first=len(found) + 1)
    correction = bundle.results["analysis"]["multiplicity"]
    return [
        apa_table(frame, name=name, title=title, language=language, correction=correction)
        for name, title, frame in found
    ]


def _core_tables(bundle: Bundle, language: str) -> list[tuple[str, str, pd.DataFrame]]:
    """Descriptives, paired tests, effect sizes, reliability and (with a control) ANCOVA."""
    groups = len(present_groups(bundle)) > 1
    out = [
        ("table1_descriptives", _title(language, "descriptives"),
         descriptives_table(bundle, language).reset_index()),
        ("table2_paired_tests", _title(language, "paired_tests", groups=groups),
         tests_table(bundle, language).reset_index()),
        ("table3_effect_sizes", _title(language, "effect_sizes"),
         effects_table(bundle, language).reset_index()),
        ("table4_reliability", _title(language, "reliability"),
         reliability_table(bundle, language).reset_index()),
    ]  # fmt: skip
    ancova = ancova_table(bundle, language)
    if not ancova.empty:
        out.append(("table5_ancova", _title(language, "ancova"), ancova.reset_index()))
    return out


def _title(language: str, key: str, **values: object) -> str:
    """A table title from the kit's words, with its symbol markup kept for the renderers."""
    return kit_say(language, f"tables.{key}", **values)


def _is_tryout(bundle: Bundle) -> bool:
    return bundle.results["design"].get("kind") == "tryout"


def _one_group(bundle: Bundle) -> bool:
    """True when the study has no groups to name (one group, reported as "all")."""
    return present_groups(bundle) == ["all"]


def results_paragraph(bundle: Bundle, language: str) -> str:
    """The results in prose (marked text): the primary test of the total scale per group,
    the ANCOVA, and what the design adds."""
    scale = bundle.results["instrument"]["scales"][-1]["id"]
    sentences = [article_headline(bundle, language, scale=scale, group=g)
                 for g in present_groups(bundle)]  # fmt: skip
    ancova = bundle.tables.get("ancova")
    if ancova is not None and not ancova.empty:
        a = ancova.set_index("outcome").loc[scale]
        sentences.append(
            kit_say(
                language,
                "ancova_sentence",
                direction=_direction(language, a["adjusted_difference"]),
                diff=fmt(abs(a["adjusted_difference"]), language),
                low=fmt(a["ci_low"], language),
                high=fmt(a["ci_high"], language),
                df=fmt(a["df_resid"], language, 0),
                F=fmt(a["F"], language),
                p=no_leading_zero(fmt_p(a["p_value"], language)),
                pes=no_leading_zero(fmt(a["partial_eta_squared"], language, 3)),
            )
        )
    return " ".join([*sentences, *design_sentences(bundle, language, scale=scale)])


def _direction(language: str, value: float) -> str:
    glossary = kit_words(language)["glossary"]
    return glossary["higher"] if value >= 0 else glossary["lower"]


def article_headline(bundle: Bundle, language: str, *, scale: str, group: str) -> str:
    """One results sentence (marked text) from the primary test of a scale and group; a
    one-group study names no group."""
    t = bundle["tests"]
    row = t[(t["outcome"] == scale) & (t["group"] == group) & t["primary"]].iloc[0]
    common = {
        "group": "" if _one_group(bundle) else group_names(bundle, language)[group],
        "scale": scale_names(bundle, language)[scale],
        "n": int(row["n"]),
    }
    if row["note"]:
        return kit_say(language, "headline_missing", **common)
    paired = row["test"] == "paired t"
    effects = bundle["effects"].set_index(["outcome", "group", "effect"])
    effect = effects.loc[(scale, group, "d_z" if paired else "rank-biserial r")]
    bounded = (lambda x: x) if paired else no_leading_zero  # r cannot exceed 1; d can
    return kit_say(
        language,
        "headline_t" if paired else "headline_wilcoxon",
        pre=fmt(row["mean_pre"], language),
        post=fmt(row["mean_post"], language),
        diff=fmt(row["estimate"], language),
        low=fmt(row["ci_low"], language),
        high=fmt(row["ci_high"], language),
        df=fmt(row["df"], language, 0),
        stat=fmt(row["statistic"], language),
        p=no_leading_zero(fmt_p(row["p_value"], language)),
        es=bounded(fmt(effect["value"], language)),
        es_low=bounded(fmt(effect["ci_low"], language)),
        es_high=bounded(fmt(effect["ci_high"], language)),
        magnitude=texts(language)["magnitude"][effect["magnitude"]],
        **common,
    )


def methods_paragraph(bundle: Bundle, language: str) -> str:
    """Design, participants, instrument and reliability, and the analysis, in prose (marked
    text)."""
    results = bundle.results
    instrument = results["instrument"]
    reliability = bundle["reliability"].dropna(subset=["alpha"])
    reach = results["flow"]["reach"]
    pooled = reach.get("all") or next(iter(reach.values()))
    primary = next(s for s in instrument["scales"] if s["id"] == results["primary_scale"])
    scale = primary if "min" in primary else instrument["response_scale"]
    return kit_say(
        language,
        "methods",
        design=_design_words(results, language),
        method=results["program"]["method"],
        started=pooled["started"],
        pairs=pooled["both"],
        title=instrument["title"][language],
        n_items=instrument["n_items"],
        low=fmt(scale["min"], language, 0),
        high=fmt(scale["max"], language, 0),
        alpha_min=no_leading_zero(fmt(reliability["alpha"].min(), language)),
        alpha_max=no_leading_zero(fmt(reliability["alpha"].max(), language)),
        correction=results["analysis"]["multiplicity"],
    )


def _design_words(results: dict, language: str) -> str:
    """The design in words: one group or with a control, k arms, with a follow-up."""
    design = results["design"]
    arms = design.get("arms", [])
    if len(arms) > 2 or (arms and not design.get("classic", True)):
        text = kit_say(language, "glossary.design_arms", k=len(arms))
    else:
        key = "design_control" if design["has_control"] else "design_one_group"
        text = kit_say(language, f"glossary.{key}")
    if len(design["waves"]) > 2:
        text += " " + kit_say(language, "glossary.design_followup")
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


def write_article_kit(bundle: Bundle, folder: Path) -> None:
    """Tables (DOCX, CSV, Markdown), figures (PNG 300 dpi, SVG), paragraphs and the scored
    data for SPSS (``scores.sav``), in Indonesian and English, for an article about the
    study."""
    for language in ("id", "en"):
        target = folder / language
        made = tables(bundle, language)
        for table in made:
            files.write_csv(target / f"{table.name}.csv", table.plain_frame())
            files.atomic_write_text(target / f"{table.name}.md", table.markdown())
        _write_figures(bundle, language, target)
        paragraphs = _paragraphs(bundle, language)
        files.atomic_write_text(
            target / "paragraphs.md",
            "".join(f"## {as_markdown(h)}\n\n{as_markdown(t)}\n\n" for h, t in paragraphs),
        )
        write_docx(
            target / "article_tables.docx",
            title=bundle.results["program"]["title"],
            paragraphs=paragraphs,
            tables=made,
            language=language,
        )
        write_scores_sav(bundle, language, target / "scores.sav")


def _paragraphs(bundle: Bundle, language: str) -> list[tuple[str, str]]:
    """The methods and results paragraphs (marked text) under the kit's headings."""
    glossary = kit_words(language)["glossary"]
    if _is_tryout(bundle):
        methods, results = tryout_paragraphs(bundle, language)
    else:
        methods, results = methods_paragraph(bundle, language), results_paragraph(bundle, language)
    return [(glossary["methods"], methods), (glossary["results"], results)]


_FIGURE_LABEL = re.compile(r"^\s*(Gambar|Figure)(\s+\d+)?\.\s*")


def figure_captions(captions: list[str], language: str) -> list[str]:
    """Captions numbered in order in the text's language ("Gambar 1.", "Figure 1.")."""
    word = kit_words(language)["glossary"]["figure"]
    return [
        f"{word} {k}. " + _FIGURE_LABEL.sub("", caption)
        for k, caption in enumerate(captions, start=1)
    ]


def _write_figures(bundle: Bundle, language: str, target: Path) -> None:
    """Each figure as PNG and SVG, and ``figure_captions.txt`` with the numbered captions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, captions = [], []
    for name, (figure, caption) in figures(bundle, language).items():
        write_figure_files(target / name, figure)
        plt.close(figure)
        names.append(name)
        captions.append(caption)
    numbered = figure_captions(captions, language)
    lines = [f"{n}: {c}" for n, c in zip(names, numbered, strict=True)]
    files.atomic_write_text(target / "figure_captions.txt", "\n".join(lines) + "\n")


#: The kit's PNG resolution (journals ask for 300 dpi).
_PNG_DPI = 300
#: zlib's fastest level for the kit's PNGs: a figure at 300 dpi is millions of pixels, and
#: Pillow's default level 6 spent about a fifth of the kit's time compressing them, for files
#: about a fifth smaller (the pixels are the same at any level).
_PNG_OPTIONS = {"dpi": _PNG_DPI, "pil_kwargs": {"compress_level": 1}}


def write_figure_files(stem: Path, figure) -> None:
    """``figure`` as ``stem.png`` (300 dpi) and ``stem.svg``, both cropped to the tight box
    :func:`pipeline.bundle.files.write_figure` gives the PNG (the same pixels). The box is
    measured once, at the PNG's resolution and without a draw (:func:`tight_box`):
    ``bbox_inches="tight"`` would lay the figure out once more for each format before
    drawing it."""
    box = tight_box(figure, _PNG_DPI)
    for kind, options in (("png", _PNG_OPTIONS), ("svg", {})):
        data = files.figure_bytes(figure, kind, bbox_inches=box, **options)
        files.atomic_write_bytes(stem.with_suffix(f".{kind}"), data)
