"""The funder summary as its reader gets it: the one-page HTML brief, its A4 PDF and its
workbook, read back for the demo (treatment and control), a one-group example (pesantren),
three arms with a follow-up, and an instrument try-out, in Indonesian and English.

Each output is opened and read: pre is drawn and written before post, the headline effect is
named with its value and interval, every caveat of the bundle is there, the page's title is
the program's, the Indonesian page holds none of a fixed list of English words (and the
English page none of a list of Indonesian ones), the PDF is one A4 page, and the workbook's
numbers are numbers. The README's picture of the funder page is taken here
(``PKM_EVAL_SCREENSHOTS=docs/screenshots``)."""

from __future__ import annotations

import base64
import dataclasses
import html
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline import run_study
from pipeline.bundle.read import load_bundle
from pipeline.reports.brief import brief_html, change_figure, pdf_pages, write_funder_summary
from pipeline.reports.effect import headline_effect, ngain_note
from pipeline.reports.summary import write_funder_xlsx
from pipeline.reports.words import fmt, say
from pipeline.simulate.examples import EXAMPLES_ROOT
from tests.conftest import DEMO

pytestmark = pytest.mark.slow

STUDIES = {
    "demo": DEMO / "study.yaml",
    "pesantren": EXAMPLES_ROOT / "pesantren" / "study.yaml",
    "three_arms": EXAMPLES_ROOT / "three_arms" / "study.yaml",
    "tryout": EXAMPLES_ROOT / "tryout" / "study.yaml",
}
CHANGE = ["demo", "pesantren", "three_arms"]  # the studies that measure a change
LANGUAGES = ["id", "en"]
#: Words that give away an untranslated English text on the Indonesian page, and the reverse.
ENGLISH = ["the", "and", "of", "before", "after", "participants", "group", "score", "mean",
           "effect", "difference", "completed", "notes", "headline", "reach", "indicator",
           "value", "detail", "improved", "rose", "points", "what it means"]  # fmt: skip
INDONESIAN = ["dan", "dari", "yang", "peserta", "sebelum", "sesudah", "kelompok", "skor",
              "rata-rata", "efek", "menjadi", "naik", "selisih", "catatan", "artinya",
              "keterangan", "nilai", "tuntas", "dibanding", "pembanding"]  # fmt: skip
#: The headline effect each design chooses by default (analysis.primary_effect: auto).
DEFAULT_EFFECT = {"demo": "ancova", "pesantren": "d_z", "three_arms": "ancova", "tryout": None}
SCREENSHOTS = "PKM_EVAL_SCREENSHOTS"


@pytest.fixture(scope="module")
def briefs(tmp_path_factory):
    """Each study analysed once (no notebook), its brief, PDF and workbook written in both
    languages: name -> (bundle, {language: folder})."""
    root = tmp_path_factory.mktemp("funder")
    out = {}
    for name, study in STUDIES.items():
        result = run_study(study, processed_root=root / "p", reports_root=root / "r",
                           render_report=False)  # fmt: skip
        folders = {}
        for language in LANGUAGES:
            folder = root / "briefs" / name / language
            folder.mkdir(parents=True)
            bundle = load_bundle(result.bundle_dir)
            write_funder_summary(bundle, folder, language)
            write_funder_xlsx(bundle, folder / "funder_summary.xlsx", language)
            folders[language] = folder
        out[name] = (load_bundle(result.bundle_dir), folders)
    return out


def _page(briefs, name: str, language: str) -> str:
    return (briefs[name][1][language] / "funder_summary.html").read_text("utf-8")


def _text(page: str) -> str:
    """The page's visible text: tags, the style sheet and the figure's data URI removed."""
    page = re.sub(r"<style>.*?</style>|<img[^>]*>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _user_text(bundle, language: str) -> list[str]:
    """Texts a user typed (program facts, scale and arm names): they may be in any language."""
    program = bundle.results["program"]
    texts = [str(v) for k, v in program.items() if k != "id" and isinstance(v, str)]
    texts += [s["name"][language] for s in bundle.results["instrument"]["scales"]]
    texts += [a["title"][language] for a in bundle.results["design"]["arms"] if a.get("title")]
    return sorted(texts, key=len, reverse=True)


def _limits(bundle, language: str) -> list[str]:
    return [
        say(language, f"limits.{limit['code']}", escape=False,
            **{k: (fmt(100 * v, language, 0) + "%" if k == "share" else v)
               for k, v in limit.items() if k != "code"})
        for limit in bundle.results["limits"]
    ]  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", CHANGE)
def test_pre_is_before_post_in_the_sentence_and_the_figure(briefs, name, language):
    bundle, _ = briefs[name]
    page = _page(briefs, name, language)
    tests = bundle["tests"]
    focus = headline_effect(bundle).group
    t = tests[(tests["outcome"] == bundle.results["primary_scale"]) & (tests["group"] == focus)
              & (tests["test"] == "paired t")].iloc[0]  # fmt: skip
    pre, post = fmt(t["mean_pre"], language), fmt(t["mean_post"], language)
    lead = re.search(r'<p class="lead">(.*?)</p>', page, re.S).group(1)
    assert pre in lead and post in lead and lead.index(pre) < lead.index(post)
    words = {"id": ("sebelum", "sesudah"), "en": ("pre", "post")}[language]
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1))
    svg = svg.decode("utf-8")  # matplotlib keeps each drawn text as a comment
    assert svg.index(f"<!-- {words[0]} -->") < svg.index(f"<!-- {words[1]} -->")
    figure = change_figure(bundle, language)
    ticks = [(t.get_position()[0], t.get_text()) for t in figure.axes[0].get_xticklabels()]
    assert [label for _, label in sorted(ticks)][:2] == list(words)
    assert len(figure.axes[0].containers) == len(bundle.results["design"]["arms"] or [1])


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", CHANGE)
def test_the_headline_effect_is_named_with_its_interval(briefs, name, language):
    bundle, _ = briefs[name]
    page = _page(briefs, name, language)
    effect = headline_effect(bundle)
    assert effect.effect == DEFAULT_EFFECT[name] == bundle.results["primary_effect"]
    block = re.search(r'<p class="effect">(.*?)</p>', page, re.S).group(1)
    assert effect.name(bundle, language, html=True) in block
    assert fmt(effect.value, language) in block and effect.interval(language) in block
    assert effect.label(language) in block
    assert ("ANCOVA" in block) == (effect.effect == "ancova")
    assert ("<i>d</i><sub>z</sub>" in block) == (effect.effect == "d_z")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_disagreeing_n_gain_is_explained(briefs, language):
    bundle, _ = briefs["demo"]
    effect = headline_effect(bundle)
    gain = bundle["gain_summary"].set_index(["scale", "group"]).loc[(effect.scale, effect.group)]
    assert effect.magnitude == "large" and gain["effectiveness"] == "tidak efektif"
    note = ngain_note(bundle, effect, language, html=True)
    assert fmt(gain["effectiveness_pct"], language, 1) + "%" in note
    assert ("ruang yang masih tersisa" if language == "id" else "room left to improve") in note
    assert note in _page(briefs, "demo", language)
    agreeing = dataclasses.replace(effect, magnitude="small")  # small and tidak efektif agree
    assert ngain_note(bundle, agreeing, language) is None


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(STUDIES))
def test_every_caveat_and_the_title_are_on_the_page(briefs, name, language):
    bundle, folders = briefs[name]
    page = _page(briefs, name, language)
    limits = _limits(bundle, language)
    assert len(limits) == len(bundle.results["limits"]) >= 2
    for sentence in limits:
        assert html.escape(sentence) in page, sentence
    assert page.count("<li>") == len(limits)
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert html.unescape(title) == bundle.results["program"]["title"]
    notes = load_workbook(folders[language] / "funder_summary.xlsx").worksheets[-1]
    assert [c.value for c in notes["A"]][1:] == limits


@pytest.mark.parametrize("name", list(STUDIES))
def test_each_page_speaks_one_language(briefs, name):
    bundle, _ = briefs[name]
    for language, foreign in (("id", ENGLISH), ("en", INDONESIAN)):
        text = _text(_page(briefs, name, language))
        for typed in _user_text(bundle, language):
            text = text.replace(typed, " ")
        found = sorted({w for w in foreign if re.search(rf"(?<![\w-]){w}(?![\w-])", text, re.I)})
        assert not found, f"{name} ({language}): {found}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(STUDIES))
def test_the_pdf_is_one_a4_page(briefs, name, language):
    pdf = (briefs[name][1][language] / "funder_summary.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(abs(float(w) - 595) < 1 and abs(float(h) - 842) < 1 for w, h in boxes)
    assert pdf_pages(pdf) == 1


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(STUDIES))
def test_workbook_numbers_are_numbers(briefs, name, language):
    bundle, folders = briefs[name]
    book = load_workbook(folders[language] / "funder_summary.xlsx")
    looks_numeric = re.compile(r"^\s*[-+]?\d+(?:[.,]\d+)?\s*%?\s*$")
    numbers = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    assert not looks_numeric.match(cell.value), (sheet.title, cell.coordinate)
                numbers += isinstance(cell.value, int | float)
    assert numbers >= 5
    indicators = book.worksheets[0]
    values = {r[0].value: r[1].value for r in indicators.iter_rows(min_row=2)}
    if name in CHANGE:
        t = bundle["tests"]
        focus = headline_effect(bundle).group
        t = t[(t["outcome"] == bundle.results["primary_scale"]) & (t["group"] == focus)
              & (t["test"] == "paired t")].iloc[0]  # fmt: skip
        numbers_shown = [v for v in values.values() if isinstance(v, float)]
        for mean in (t["mean_pre"], t["mean_post"]):  # a workbook keeps 15 significant digits
            assert any(v == pytest.approx(mean, rel=1e-12) for v in numbers_shown)
        effect = headline_effect(bundle)
        assert values[effect.name(bundle, language)] == pytest.approx(effect.value)
    reach = book.worksheets[1]
    if name != "tryout":
        counts = [[c.value for c in row] for row in reach.iter_rows(min_row=2)]
        arms = bundle.results["design"]["arms"] or [{"name": "all"}]
        assert len(counts) == len(arms)
        for arm, row in zip(arms, counts, strict=True):
            flow = bundle.results["flow"]["reach"][arm["name"]]
            assert row[1:4] == [flow["started"], flow["completed"], flow["both"]]
            assert row[4] == pytest.approx(flow["both"] / flow["started"])


def test_the_brief_is_written_without_chromium(briefs, tmp_path, monkeypatch, caplog):
    bundle, _ = briefs["pesantren"]
    monkeypatch.setenv("PKM_EVAL_CHROMIUM", str(tmp_path / "no-such-browser"))
    with caplog.at_level(logging.WARNING):
        written = write_funder_summary(bundle, tmp_path, "id")
    assert written.is_file() and not (tmp_path / "funder_summary.pdf").exists()
    assert "Chromium was not found" in caplog.text and "PDF" in caplog.text


def test_screenshot_of_the_funder_page(briefs, tmp_path):
    """The README's picture of the demo's funder page, taken by headless Chromium."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is missing: `make test` installs Debian's chromium when it can"
    folder = Path(os.environ.get(SCREENSHOTS) or tmp_path).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    bundle, folders = briefs["demo"]
    page = folders[bundle.results["language"]] / "funder_summary.html"
    shot = folder / "funder_summary.png"
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
               "--window-size=900,1250", f"--screenshot={shot}", page.as_uri()]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a page, not a blank


def test_the_same_bundle_gives_the_same_page(briefs):
    # the figure's SVG element ids come from a fixed salt: two renderings are byte-identical
    bundle, _ = briefs["demo"]
    assert brief_html(bundle, "en") == brief_html(bundle, "en")


def test_the_pages_the_package_writes_import_no_scipy_stats(briefs, tmp_path):
    """The funder summary's figure (a t quantile per mean) and the article kit need no
    ``scipy.stats``: importing it cost half a CPU second of every report's rendering. A fresh
    interpreter, so other tests' imports do not count."""
    from tests.fresh import loaded_after

    code = (
        "from pathlib import Path\n"
        "from pipeline.bundle.read import load_bundle\n"
        "from pipeline.reports.article import write_article_kit\n"
        "from pipeline.reports.brief import write_funder_summary\n"
        f"bundle = load_bundle(Path({str(briefs['demo'][0].folder)!r}))\n"
        f"write_funder_summary(bundle, Path({str(tmp_path)!r}), 'id', pdf=False)\n"
        f"write_article_kit(bundle, Path({str(tmp_path / 'article')!r}))\n"
    )
    assert loaded_after(code, ("scipy.stats",)) == {"scipy.stats": False}
