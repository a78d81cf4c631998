"""The article kit's tables and sentences for the designs beyond one pre/post survey: the
instrument try-out ("Hasil uji validitas dan reliabilitas instrumen"), knowledge tests and
mastery, several arms, follow-up waves and the Bayes factors. Read from the bundle only."""

from __future__ import annotations

import pandas as pd

from pipeline.bundle.read import Bundle
from pipeline.reports.design_tables import (
    arms_contrasts_table,
    arms_means_table,
    bayes_table,
    mastery_table,
    retained_table,
    test_items_table,
    test_summary_table,
    tryout_scales_table,
    tryout_sentences,
    tryout_table,
    waves_anova_table,
)
from pipeline.reports.tables import descriptives_table, group_names, reliability_table
from pipeline.reports.words import fmt, fmt_p, say, texts

__all__ = ["design_sentences", "design_tables", "tryout_paragraphs", "tryout_tables"]


def tryout_tables(bundle: Bundle, language: str) -> dict[str, tuple[str, pd.DataFrame]]:
    """The try-out's article tables: per item validity, per scale reliability, descriptives."""
    words = texts(language)
    return {
        "table1_tryout_items": (words["design"]["article"]["tryout_table"],
                                tryout_table(bundle, language)),
        "table2_tryout_reliability": (words["design"]["article"]["tryout_scales"],
                                      tryout_scales_table(bundle, language)),
        "table3_descriptives": (words["article"]["table1"],
                                descriptives_table(bundle, language).reset_index()),
        "table4_reliability": (words["article"]["table4"],
                               reliability_table(bundle, language).reset_index()),
    }  # fmt: skip


def tryout_paragraphs(bundle: Bundle, language: str) -> list[tuple[str, str]]:
    """The try-out's results and methods paragraphs."""
    results = bundle.results
    analysis = results["analysis"]
    sentences = " ".join(tryout_sentences(bundle, language, escape=False))
    items = bundle["tryout_items"]
    gugur = list(dict.fromkeys(items.loc[items["decision"] == "gugur", "item"]))
    if gugur:
        sentences += " " + say(
            language, "design.tryout_gugur", escape=False, items=", ".join(gugur)
        )
    methods = say(
        language,
        "design.article.tryout_methods",
        escape=False,
        title=results["instrument"]["title"][language],
        n=int(bundle["tryout_scales"]["n"].max()),
        item_r=texts(language)["item_r_words"][analysis["item_r"]],
        alpha=fmt(analysis["alpha"], language),
        df=analysis["r_table_df"],
    )
    return [("Results", sentences), ("Methods", methods)]


def design_tables(
    bundle: Bundle, language: str, *, first: int
) -> dict[str, tuple[str, pd.DataFrame]]:
    """The tables the design adds, numbered from ``first``: test summary and items, mastery,
    adjusted means and contrasts of several arms, the ANOVA over the waves, retained gain,
    Bayes factors."""
    words = texts(language)["design"]["article"]
    found: list[tuple[str, str, pd.DataFrame]] = []
    if bundle.has("test_summary"):
        found.append(("test_summary", words["test_summary"], test_summary_table(bundle, language)))
        found.append(("test_items", words["test_items"], test_items_table(bundle, language)))
    if bundle.has("mastery"):
        found.append(("mastery", words["mastery"], mastery_table(bundle, language)))
    if bundle.has("arms_means"):
        found.append(("arms_means", words["arms_means"], arms_means_table(bundle, language)))
        found.append(("arms_contrasts", words["arms_contrasts"],
                      arms_contrasts_table(bundle, language)))  # fmt: skip
    if bundle.has("waves_anova"):
        designs = list(dict.fromkeys(bundle["waves_anova"]["design"]))
        table = pd.concat([waves_anova_table(bundle, language, design=d) for d in designs])
        found.append(("waves_anova", words["waves_anova"], table.fillna("")))
    if bundle.has("retained_gain"):
        found.append(("retained_gain", words["retained"], retained_table(bundle, language)))
    if bundle.has("bayes"):
        found.append(("bayes", words["bayes"], bayes_table(bundle, language)))
    return {
        f"table{first + k}_{name}": (title, table) for k, (name, title, table) in enumerate(found)
    }


def design_sentences(bundle: Bundle, language: str, *, scale: str) -> list[str]:
    """Results sentences the design adds for one scale: each treatment arm against each
    control arm (ANCOVA), and the change kept at each follow-up."""
    words = texts(language)["design"]["article"]
    names = group_names(bundle, language)
    out = []
    if bundle.has("arms_contrasts"):
        c = bundle["arms_contrasts"]
        for r in c[(c["outcome"] == scale) & c["versus_control"]].itertuples():
            out.append(say(language, "design.article.arms_sentence", escape=False,
                           arm=names[r.arm], reference=names[r.reference],
                           direction=words["higher"] if r.estimate >= 0 else words["lower"],
                           diff=fmt(abs(r.estimate), language), low=fmt(r.ci_low, language),
                           high=fmt(r.ci_high, language), df=fmt(r.df, language, 0),
                           t=fmt(r.t, language), p=fmt_p(r.p_holm, language)))  # fmt: skip
    if bundle.has("retained_gain"):
        kept = bundle["retained_gain"]
        kept = kept[(kept["outcome"] == scale) & (kept["reference"] == "pre")]
        for r in kept.itertuples():
            wave = texts(language)["waves"].get(r.wave, r.wave)
            out.append(say(language, "design.article.retained_sentence", escape=False,
                           wave=wave, group=names.get(r.group, r.group),
                           diff=fmt(r.mean_difference, language), low=fmt(r.ci_low, language),
                           high=fmt(r.ci_high, language), n=int(r.n)))  # fmt: skip
    return out
