"""The three design examples run end to end from their study.yaml: a knowledge test from a
Google Forms quiz, an instrument try-out, three arms with a follow-up. Each writes its design
tables, a technical report with its sections in its language, the funder summary and an
article kit with its tables in Indonesian and English; every input row is accounted for and no
name reaches a report. The examples are run once per module (reports included)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.bundle.read import load_bundle
from pipeline.portfolio.effects import expand_arms, program_effect
from pipeline.reports.apa import no_leading_zero
from pipeline.reports.words import fmt, fmt_p
from pipeline.run import run_examples
from pipeline.simulate.examples import DESIGN_EXAMPLES, EXAMPLES_ROOT

TABLES = {
    "knowledge_test": {"test_items", "test_distractors", "test_summary", "mastery",
                       "mastery_tests", "bayes", "directional", "qq"},
    "tryout": {"tryout_items", "tryout_scales", "test_items", "test_distractors",
               "test_summary"},
    "three_arms": {"bayes", "qq", "arms_anova", "arms_means", "arms_contrasts", "waves_anova",
                   "friedman", "followup_pairs", "retained_gain", "sensitivity"},
}  # fmt: skip
SECTIONS = {
    "knowledge_test": ["Tes pengetahuan: analisis butir", "Ketuntasan belajar",
                       "Uji t berpasangan Bayesian dan hipotesis berarah", "6. Kategori skor"],
    "tryout": ["4. Hasil uji coba instrumen", "Hasil uji validitas dan reliabilitas instrumen",
               "5. Keterbatasan desain"],
    "three_arms": ["Comparing several arms", "Change up to the follow-up", "Sensitivity analysis",
                   "career workshop", "peer mentoring", "regular class"],
}  # fmt: skip
ARTICLE = {
    "knowledge_test": ["table5_test_summary", "table6_test_items", "table7_mastery",
                       "table8_bayes"],
    "tryout": ["table1_tryout_items", "table2_tryout_reliability"],
    "three_arms": ["table5_arms_means", "table6_arms_contrasts", "table7_waves_anova",
                   "table8_retained_gain", "table9_bayes"],
}  # fmt: skip


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    folder = tmp_path_factory.mktemp("design_examples")
    results = run_examples(folder / "p", folder / "r", names=DESIGN_EXAMPLES)
    return {name: (result, folder / "r" / result.analysis.study.program.id)
            for name, result in zip(DESIGN_EXAMPLES, results, strict=True)}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("name", DESIGN_EXAMPLES)
def test_each_design_example_writes_its_tables_and_sections(ran, name):
    result, report_dir = ran[name]
    bundle = load_bundle(result.bundle_dir)
    assert TABLES[name] <= set(bundle.results["design"]["tables"]) <= set(bundle.tables)
    html = (report_dir / "report.html").read_text("utf-8")
    for heading in SECTIONS[name]:
        assert heading in html, heading
    assert (report_dir / "funder_summary.html").is_file()
    for language in ("id", "en"):
        kit = report_dir / "article" / language
        for table in ARTICLE[name]:
            assert (kit / f"{table}.csv").is_file() and (kit / f"{table}.md").is_file(), table
        assert (kit / "article_tables.docx").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("name", DESIGN_EXAMPLES)
def test_every_input_row_is_accounted_for(ran, name):
    result, _ = ran[name]
    ledger = pd.read_parquet(result.bundle_dir / "ledger.parquet")
    for wave in result.analysis.study.waves.named():
        rows = pd.read_csv(EXAMPLES_ROOT / name / f"{wave}.csv", dtype=str, keep_default_na=False)
        assert (ledger["wave"] == wave).sum() == len(rows), wave


@pytest.mark.slow
def test_tryout_docx_table_is_the_validity_table_in_both_languages(ran):
    from docx import Document

    result, report_dir = ran["tryout"]
    items = pd.read_parquet(result.bundle_dir / "tryout_items.parquet")
    for language, title, decision in (
        ("id", "Hasil Uji Validitas dan Reliabilitas Instrumen", "gugur"),
        ("en", "Item Validity and Reliability of the Instrument in the Try-Out", "dropped (gugur)"),
    ):
        document = Document(str(report_dir / "article" / language / "article_tables.docx"))
        assert title in [p.text for p in document.paragraphs]
        table = document.tables[0]
        cells = [[c.text for c in row.cells] for row in table.rows]
        assert len(cells) == len(items) + 1  # a header and one row per item
        first = items.iloc[0]
        # r hitung and r tabel, without the leading zero (APA 7: r cannot exceed 1)
        assert cells[1][2] == no_leading_zero(fmt(first["r"], language, 3))
        assert cells[1][3] == no_leading_zero(fmt(first["r_critical"], language, 3))
        assert decision in {row[4] for row in cells[1:]}
        text = (report_dir / "article" / language / "paragraphs.md").read_text("utf-8")
        scales = pd.read_parquet(result.bundle_dir / "tryout_scales.parquet")
        assert all(no_leading_zero(fmt(v, language, 3)) in text for v in scales["value"])


@pytest.mark.slow
def test_knowledge_and_arms_reports_show_the_bundle_numbers(ran):
    result, report_dir = ran["knowledge_test"]
    html = (report_dir / "report.html").read_text("utf-8")
    mastery = pd.read_parquet(result.bundle_dir / "mastery_tests.parquet").iloc[0]
    assert fmt_p(mastery["p_value"], "id") in html
    summary = pd.read_parquet(result.bundle_dir / "test_summary.parquet")
    assert all(fmt(v, "id", 3) in html for v in summary["kr20"])
    result, report_dir = ran["three_arms"]
    html = (report_dir / "report.html").read_text("utf-8")
    contrasts = pd.read_parquet(result.bundle_dir / "arms_contrasts.parquet")
    assert all(fmt(v, "en") in html for v in contrasts["estimate"])
    paragraphs = (report_dir / "article" / "en" / "paragraphs.md").read_text("utf-8")
    assert "Controlling for pre scores, the career workshop arm" in paragraphs
    assert "At the follow-up" in paragraphs


@pytest.mark.slow
def test_funder_summary_rows_of_the_designs(ran):
    from pipeline.reports import summary
    from pipeline.reports.effect import headline_effect

    tryout = summary.indicators(load_bundle(ran["tryout"][0].bundle_dir), "en")
    assert "Valid items: World-of-work knowledge" in set(tryout["indicator"])
    bundle = load_bundle(ran["three_arms"][0].bundle_dir)
    arms = summary.indicators(bundle, "en")
    labels = set(arms["indicator"])
    # the first treatment arm against the control is the headline, named once above the table;
    # the other arm's contrast stays an indicator
    headline = headline_effect(bundle)
    assert (headline.effect, headline.group, headline.reference) == (
        "ancova",
        "workshop",
        "regular",
    )
    assert "regular class" in headline.name(bundle, "en")
    assert "Adjusted difference, career workshop vs regular class (ANCOVA)" not in labels
    assert "Adjusted difference, peer mentoring vs regular class (ANCOVA)" in labels
    assert "Change kept at the follow-up (vs before)" in labels
    knowledge = summary.indicators(load_bundle(ran["knowledge_test"][0].bundle_dir), "id")
    # one row a wave, so that each share is a number in the workbook
    assert {"Peserta tuntas (KKM 70%): sebelum", "Peserta tuntas (KKM 70%): sesudah"} <= set(
        knowledge["indicator"]
    )


@pytest.mark.slow
def test_portfolio_takes_each_treatment_arm_against_the_control(ran):
    effect = program_effect(ran["three_arms"][0].bundle_dir)
    arms = {row["arm"]: row for row in effect["arms"]}
    assert set(arms) == {"workshop", "mentoring"}
    assert all(row["design"] == "controlled" and row["n_control"] > 0 for row in arms.values())
    assert arms["workshop"]["yi"] > arms["mentoring"]["yi"] > 0
    from pipeline.portfolio.effects import arm_effect
    from pipeline.stages.pairs import wide_scores

    wide = wide_scores(load_bundle(ran["three_arms"][0].bundle_dir)["scores"])
    treated, control = (arm_effect(wide.pairs("total", g)) for g in ("workshop", "regular"))
    assert arms["workshop"]["yi"] == pytest.approx(treated.yi - control.yi, rel=1e-12)
    # the shared control's variance counts once per treatment arm compared with it
    assert arms["workshop"]["vi"] == pytest.approx(treated.vi + 2 * control.vi, rel=1e-12)
    rows = expand_arms([{"program_id": "three", "title": "t", **effect}])
    assert [r["program_id"] for r in rows] == ["three:workshop", "three:mentoring"]
    assert all("arms" not in r and r["vi"] > 0 for r in rows)
    assert program_effect(ran["tryout"][0].bundle_dir)["not_pooled_reason"] == "tryout"


@pytest.mark.slow
def test_no_raw_name_reaches_a_design_report(ran):
    for name, (_, report_dir) in ran.items():
        study = ran[name][0].analysis.study
        secrets = set()
        for wave in study.waves.named():
            raw = pd.read_csv(EXAMPLES_ROOT / name / f"{wave}.csv", dtype=str)
            for column in ("Nama Lengkap", "Nomor WhatsApp"):
                if column in raw:
                    secrets |= {v.strip().casefold() for v in raw[column].dropna() if v.strip()}
        for file in [f for f in report_dir.rglob("*") if f.suffix in {".html", ".md", ".csv"}]:
            text = file.read_text("utf-8", errors="ignore").casefold()
            assert not [s for s in secrets if s in text], (name, file.name)
