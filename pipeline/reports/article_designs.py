"""The article kit's tables and sentences for the designs beyond one pre/post survey: the
instrument try-out ("Hasil uji validitas dan reliabilitas instrumen"), knowledge tests and
mastery, several arms, follow-up waves and the Bayes factors. Read from the bundle only."""

from __future__ import annotations

import math

import pandas as pd

from pipeline.bundle.read import Bundle
from pipeline.reports.apa import kit_say, kit_words, no_leading_zero
from pipeline.reports.design_tables import (
    arms_contrasts_table,
    arms_means_table,
    bayes_table,
    mastery_table,
    retained_table,
    test_items_table,
    test_summary_table,
    tryout_scales_table,
    tryout_table,
    waves_anova_table,
)
from pipeline.reports.tables import (
    descriptives_table,
    group_names,
    reliability_table,
    scale_names,
)
from pipeline.reports.words import fmt, fmt_p, texts

__all__ = ["design_sentences", "design_tables", "tryout_paragraphs", "tryout_tables"]


def tryout_tables(bundle: Bundle, language: str) -> list[tuple[str, str, pd.DataFrame]]:
    """The try-out's article tables (name, title, table): per item validity, per scale
    reliability, descriptives and reliability."""
    return [
        ("table1_tryout_items", _title(language, "tryout_items"), tryout_table(bundle, language)),
        ("table2_tryout_reliability", _title(language, "tryout_reliability"),
         tryout_scales_table(bundle, language)),
        ("table3_descriptives", _title(language, "descriptives"),
         descriptives_table(bundle, language).reset_index()),
        ("table4_reliability", _title(language, "reliability"),
         reliability_table(bundle, language).reset_index()),
    ]  # fmt: skip


def _title(language: str, key: str) -> str:
    return kit_say(language, f"tables.{key}")


def tryout_paragraphs(bundle: Bundle, language: str) -> tuple[str, str]:
    """The try-out's methods and results paragraphs (marked text)."""
    results = bundle.results
    analysis = results["analysis"]
    sentences = _tryout_sentences(bundle, language)
    methods = kit_say(
        language,
        "tryout_methods",
        title=results["instrument"]["title"][language],
        n=int(bundle["tryout_scales"]["n"].max()),
        item_r=texts(language)["item_r_words"][analysis["item_r"]],
        alpha=no_leading_zero(fmt(analysis["alpha"], language)),
        df=analysis["r_table_df"],
    )
    return methods, sentences


def _tryout_sentences(bundle: Bundle, language: str) -> str:
    """Per scale: valid items and the reliability coefficient with its CI (no leading zero:
    a coefficient cannot exceed 1); then the dropped items."""
    names = scale_names(bundle, language)
    words = texts(language)["design"]
    bounded = lambda x: no_leading_zero(fmt(x, language, 3))  # noqa: E731
    out = []
    for row in bundle["tryout_scales"].itertuples():
        kept = row.alpha_valid_items if row.k_valid < row.k else math.nan
        out.append(kit_say(language, "tryout_sentence", scale=names[row.scale],
                           valid=row.k_valid, k=row.k,
                           coefficient=words["coefficient"][row.coefficient],
                           value=bounded(row.value), low=bounded(row.ci_low),
                           high=bounded(row.ci_high),
                           kept="" if math.isnan(kept) else bounded(kept)))  # fmt: skip
    items = bundle["tryout_items"]
    gugur = list(dict.fromkeys(items.loc[items["decision"] == "gugur", "item"]))
    if gugur:
        out.append(kit_say(language, "tryout_gugur", items=", ".join(map(str, gugur))))
    return " ".join(out)


def design_tables(
    bundle: Bundle, language: str, *, first: int
) -> list[tuple[str, str, pd.DataFrame]]:
    """The tables the design adds (name, title, table), numbered from ``first``: test summary
    and items, mastery, adjusted means and contrasts of several arms, the ANOVA over the
    waves, retained gain, Bayes factors."""
    found: list[tuple[str, pd.DataFrame]] = []
    if bundle.has("test_summary"):
        found.append(("test_summary", test_summary_table(bundle, language)))
        found.append(("test_items", test_items_table(bundle, language)))
    if bundle.has("mastery"):
        found.append(("mastery", mastery_table(bundle, language)))
    if bundle.has("arms_means"):
        found.append(("arms_means", arms_means_table(bundle, language)))
        found.append(("arms_contrasts", arms_contrasts_table(bundle, language)))
    if bundle.has("waves_anova"):
        designs = list(dict.fromkeys(bundle["waves_anova"]["design"]))
        table = pd.concat([waves_anova_table(bundle, language, design=d) for d in designs])
        found.append(("waves_anova", table.fillna("")))
    if bundle.has("retained_gain"):
        found.append(("retained_gain", retained_table(bundle, language)))
    if bundle.has("bayes"):
        found.append(("bayes", bayes_table(bundle, language)))
    return [
        (f"table{first + k}_{name}", _title(language, name), table)
        for k, (name, table) in enumerate(found)
    ]


def design_sentences(bundle: Bundle, language: str, *, scale: str) -> list[str]:
    """Results sentences (marked text) the design adds for one scale: each treatment arm
    against each control arm (ANCOVA), and the change kept at each follow-up."""
    names = group_names(bundle, language)
    out = []
    if bundle.has("arms_contrasts"):
        c = bundle["arms_contrasts"]
        for r in c[(c["outcome"] == scale) & c["versus_control"]].itertuples():
            glossary = kit_words(language)["glossary"]
            out.append(kit_say(language, "arms_sentence",
                               arm=names[r.arm], reference=names[r.reference],
                               direction=glossary["higher" if r.estimate >= 0 else "lower"],
                               diff=fmt(abs(r.estimate), language), low=fmt(r.ci_low, language),
                               high=fmt(r.ci_high, language), df=fmt(r.df, language, 0),
                               t=fmt(r.t, language),
                               p=no_leading_zero(fmt_p(r.p_holm, language))))  # fmt: skip
    if bundle.has("retained_gain"):
        kept = bundle["retained_gain"]
        kept = kept[(kept["outcome"] == scale) & (kept["reference"] == "pre")]
        for r in kept.itertuples():
            wave = texts(language)["waves"].get(r.wave, r.wave)
            out.append(kit_say(language, "retained_sentence",
                               wave=wave, group=names.get(r.group, r.group),
                               diff=fmt(r.mean_difference, language), low=fmt(r.ci_low, language),
                               high=fmt(r.ci_high, language), n=int(r.n)))  # fmt: skip
    return out
