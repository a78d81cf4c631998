"""The technical report as a reader meets it, read from the executed HTML: it opens with its key
findings, a figure and a contents list; every table has one header row, no ``None`` or ``nan``
cell, and waves in time order; the page's title is the program's; the Indonesian report holds
no English words and the English one no Indonesian; a weak reliability is flagged where it
stands; a one-group study names no group. The README's first screen of the report
(docs/screenshots/report.png) is taken here when ``PKM_EVAL_SCREENSHOTS`` names a folder."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import run_study
from pipeline.bundle.read import load_bundle
from pipeline.config import load_instrument
from pipeline.config.instrument import builtin_instrument_path
from pipeline.reports import notebook as p
from pipeline.reports.render import render_notebook, to_html
from pipeline.reports.words import texts

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PESANTREN = ROOT / "data" / "raw" / "examples" / "pesantren"
#: English words an Indonesian report must not hold (and their Indonesian counterparts, which
#: an English report must not hold), matched as whole words, case-sensitive.
ENGLISH = ["Table", "Figure", "Group", "Scale", "Contents", "Results", "Methods", "before",
           "after", "treatment", "control", "participants", "difference", "the", "and", "of",
           "with", "scores", "Key findings", "group", "subgroup"]  # fmt: skip
INDONESIAN = ["Tabel", "Gambar", "Kelompok", "Skala", "Daftar isi", "sebelum", "sesudah",
              "perlakuan", "pembanding", "peserta", "selisih", "dan", "yang", "dari", "untuk",
              "skor", "Temuan utama", "semua", "tidak", "sedang", "rendah", "tinggi",
              "efektif"]  # fmt: skip


class _Page(HTMLParser):
    """The visible text of a report page, its title and its tables (header rows and cells)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.title = ""
        self.tables: list[dict] = []
        self._skip = 0
        self._where: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self._where.append(tag)
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "table":
            self.tables.append({"header_rows": 0, "header": [], "rows": [], "caption": ""})
        elif tag == "tr" and self.tables:
            if "thead" in self._where:
                self.tables[-1]["header_rows"] += 1
            else:
                self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None and self.tables:
            text = "".join(self._cell).strip()
            if "tbody" in self._where and self.tables[-1]["rows"]:
                self.tables[-1]["rows"][-1].append(text)
            elif "thead" in self._where:
                self.tables[-1]["header"].append(text)
            self._cell = None
        if tag in self._where:
            del self._where[len(self._where) - 1 - self._where[::-1].index(tag)]

    def handle_data(self, data):
        if self._skip:
            return
        if "title" in self._where:
            self.title += data
        if "caption" in self._where and self.tables:
            self.tables[-1]["caption"] += data
        if self._cell is not None:
            self._cell.append(data)
        self.text.append(data)


def _read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _scramble_subscale(folder: Path, scale: str) -> None:
    """Answers of one subscale's items shuffled within each column (seeded), in pre and post:
    the scale's reliability falls to about zero, as a badly fitting subscale's does."""
    instrument = load_instrument(builtin_instrument_path("career_awareness_planning"))
    ids = next(s.items for s in instrument.scales if s.id == scale)
    statements = [item.text.id for item in instrument.items if item.id in ids]
    rng = np.random.default_rng(7)
    for wave in ("pre", "post"):
        frame = pd.read_csv(folder / f"{wave}.csv", dtype=str, keep_default_na=False)
        for column in [c for c in frame.columns if any(f"[{s}]" in c for s in statements)]:
            frame[column] = rng.permutation(frame[column].to_numpy())
        frame.to_csv(folder / f"{wave}.csv", index=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo study run end to end (Indonesian report), and its bundle's report in English."""
    from tests.conftest import DEMO

    folder = tmp_path_factory.mktemp("reading")
    shutil.copytree(DEMO, folder / "demo")
    result = run_study(
        folder / "demo" / "study.yaml", processed_root=folder / "p", reports_root=folder / "r"
    )
    english = render_notebook(
        ROOT / "notebooks" / "technical_report.ipynb",
        {"bundle_dir": str(result.bundle_dir), "language": "en"},
    )
    pages = {
        "id": (folder / "r" / "demo" / "report.html").read_text("utf-8"),
        "en": to_html(english, load_bundle(result.bundle_dir).results["program"]["title"]),
    }
    return load_bundle(result.bundle_dir), pages, folder


@pytest.fixture(scope="module")
def weak(tmp_path_factory):
    """A one-group study (the pesantren example) whose self-knowledge items answer at random."""
    folder = tmp_path_factory.mktemp("weak")
    shutil.copytree(PESANTREN, folder / "study")
    _scramble_subscale(folder / "study", "self_knowledge")
    result = run_study(
        folder / "study" / "study.yaml", processed_root=folder / "p", reports_root=folder / "r"
    )
    html = Path(result.report_path).read_text("utf-8")
    return load_bundle(result.bundle_dir), html


def _visible(page: _Page, bundle) -> str:
    """The page's text without what users wrote (program facts, file names, package names),
    which is in whatever language they wrote it."""
    text = " ".join(page.text)
    program = bundle.results["program"]
    for value in sorted((str(v) for v in program.values() if v), key=len, reverse=True):
        text = text.replace(value, " ")
    manifest = bundle.manifest
    for name in manifest["packages"]:
        text = text.replace(name, " ")
    return text


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_report_opens_with_findings_a_figure_and_contents(demo, language):
    bundle, pages, _ = demo
    html = pages[language]
    words = texts(language)
    first = html.index(words["key_findings"])
    figure = html.index("data:image/png", first)
    contents = html.index(f"<strong>{words['contents']}</strong>")
    assert figure < contents
    assert contents < html.index('<a id="section_program">')
    for key in ("section_program", "section_flow", "section_scores", "section_manifest"):
        assert f'href="#{key}"' in html and f'<a id="{key}">' in html
    # The findings name the primary scale's change with its effect size, as the tests hold it.
    tests = bundle["tests"]
    t = tests[(tests["outcome"] == "total") & (tests["group"] == "treatment") & tests["primary"]]
    findings = html[first:figure]
    assert p.fmt(t["mean_pre"].iat[0], language) in findings
    assert p.fmt(t["mean_post"].iat[0], language) in findings
    assert "d_z = " in findings
    # ... and the headline effect the study declares, by name, with its value and label
    effect = p.headline_effect(bundle)
    brief = texts(language)["brief"]
    assert f"<strong>{brief['headline']}:</strong>" in findings
    assert f"= {p.fmt(effect.value, language)}" in findings and effect.label(language) in findings


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_page_title_is_the_programs(demo, language):
    bundle, pages, folder = demo
    title = bundle.results["program"]["title"]
    assert _read(pages[language]).title.strip() == title
    funder = (folder / "r" / "demo" / "funder_summary.html").read_text("utf-8")
    assert _read(funder).title.strip() == title


@pytest.mark.parametrize("language", ["id", "en"])
def test_tables_have_one_header_row_and_no_empty_words(demo, language):
    _, pages, _ = demo
    tables = _read(pages[language]).tables
    assert len(tables) > 15
    for table in tables:
        assert table["header_rows"] == 1, table["caption"]
        cells = [c for row in table["rows"] for c in row]
        assert not {"None", "nan", "NaN", "<NA>", "NaT"} & set(cells), table["caption"]
    # units and n in the captions of the main tables
    numbered = [t["caption"] for t in tables if re.match(r"(Tabel|Table) \d\.", t["caption"])]
    assert len(numbered) == 6 and all("n = " in c for c in numbered[:2])


def test_numbers_are_right_aligned_and_p_values_do_not_wrap(demo):
    _, pages, _ = demo
    html = pages["id"]
    assert re.search(r"td\.num \{\s*text-align: right;\s*white-space: nowrap;", html)
    cells = re.findall(r"<td ([^>]*)>(?:&lt;|<) 0,001</td>", html)
    assert cells and all(re.search(r'class="[^"]*\bnum\b', c) for c in cells)
    # a text column (scale names) is left-aligned
    assert re.search(
        r'class="data row0 col0 text[^"]*" >Kesadaran|class="data row0 col0 text', html
    )


@pytest.mark.parametrize("language", ["id", "en"])
def test_waves_are_in_time_order_in_every_table(demo, language):
    _, pages, _ = demo
    waves = texts(language)["waves"]
    order = {waves[w]: i for i, w in enumerate(("pre", "post", "follow_up"))}
    checked = 0
    for table in _read(pages[language]).tables:
        for row_a, row_b in zip(table["rows"], table["rows"][1:], strict=False):
            at = next((i for i, c in enumerate(row_b) if c in order), None)
            if at is None or at >= len(row_a) or row_a[at] not in order:
                continue
            if not any(row_b[:at]):  # the same scale and group: waves go on in time order
                assert order[row_a[at]] < order[row_b[at]], (table["caption"], row_a, row_b)
                checked += 1
    assert checked >= 20
    # Table 1 in full: each scale and group reads pre, then post.
    text = pages[language]
    assert text.index(f">{waves['pre']}<") < text.index(f">{waves['post']}<")


@pytest.mark.parametrize("language", ["id", "en"])
def test_figures_draw_pre_before_post(demo, language):
    bundle, _, _ = demo
    waves = texts(language)["waves"]
    figure, _ = p.score_figure(bundle, language, scale="total")
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend == [waves["pre"], waves["post"]]
    change, caption = p.change_figure(bundle, language, scale="total")
    ticks = [t.get_text() for t in change.axes[0].get_xticklabels()]
    assert ticks == [waves["pre"], waves["post"]] * 2
    # every participant with both scores is one line; their mean differences are the bundle's
    paired = bundle["tests"].query("outcome == 'total' and test == 'paired t'")
    assert len(change.axes[0].lines) == int(paired["n"].sum()) + len(paired)
    assert f"n = {int(paired['n'].sum())}" in caption
    import matplotlib.pyplot as plt

    plt.close("all")


def test_likert_answers_are_whole_percentages_that_add_up(demo):
    bundle, _, _ = demo
    figures = p.figures(bundle, "id")
    figure, _ = figures["figure4_items"]
    ax = figure.axes[0]
    statements = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert statements[0] == bundle.results["instrument"]["item_texts"]["sk1"]["id"]
    shares = np.array([[12.5, 12.5, 75.0], [100 / 3, 100 / 3, 100 / 3], [0.4, 0.4, 99.2]])
    whole = p.whole_percentages(shares)
    assert whole.sum(axis=1).tolist() == [100, 100, 100]
    assert (np.abs(whole - shares) < 1).all()
    labels = [int(t.get_text()) for t in ax.texts if t.get_text().isdigit()]
    assert labels and min(labels) >= 0
    assert ax.get_xticklabels()[0].get_text() == "100"  # the left side reads positive
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("language", ["id", "en"])
def test_no_word_of_the_other_language(demo, language):
    bundle, pages, _ = demo
    text = _visible(_read(pages[language]), bundle)
    own, foreign = (INDONESIAN, ENGLISH) if language == "id" else (ENGLISH, INDONESIAN)
    found = [w for w in foreign if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    assert not found, found
    # the check reads the report's words: most of its own language's list is there
    present = [w for w in own if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    assert len(present) >= len(own) - 5, sorted(set(own) - set(present))


def test_a_weak_reliability_is_flagged_where_it_stands(weak):
    bundle, html = weak
    reliability = bundle["reliability"]
    low = reliability[reliability["alpha"] < p.WEAK_ALPHA]
    assert not low.empty  # the scrambled subscale
    table = next(t for t in _read(html).tables if t["caption"].startswith("Reliabilitas"))
    flagged = [row for row in table["rows"] if any("⚠" in c for c in row)]
    assert len(flagged) == len(low)
    for alpha in low["alpha"]:
        assert any(c.startswith(p.fmt(alpha, "id") + " [") and c.endswith("⚠") for r in flagged
                   for c in r)  # fmt: skip
    threshold = p.fmt(p.WEAK_ALPHA, "id")
    assert f"⚠ = α di bawah {threshold}" in html
    findings = html[html.index("Temuan utama") : html.index("Daftar isi")]
    assert f"{len(low)} angka reliabilitas di bawah batas α = {threshold}" in findings


def test_a_one_group_study_names_no_group(weak):
    bundle, html = weak
    page = _read(html)
    text = " ".join(page.text)
    assert "semua peserta" not in text
    assert "Pada kelompok" not in text and "Kelompok:" not in text
    headers = [c for t in page.tables for c in t["header"]]
    assert "Skala" in headers and "Kelompok" not in headers
    figure, _ = p.score_figure(bundle, "id", scale="total")
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == ["sebelum", "sesudah"]
    import matplotlib.pyplot as plt

    plt.close("all")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is missing: `make test` installs Debian's chromium when it can"
    return found


def test_first_screen_screenshot(demo, tmp_path):
    """The README's picture of the report's first screen: headless Chromium, 1200 x 1600."""
    _, _, folder = demo
    shots = os.environ.get("PKM_EVAL_SCREENSHOTS")
    shot = (Path(shots).resolve() if shots else tmp_path) / "report.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
        "--window-size=1200,1600", f"--screenshot={shot}",
        (folder / "r" / "demo" / "report.html").as_uri(),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_results_json_keeps_item_statements(demo):
    bundle, _, folder = demo
    texts_ = json.loads((folder / "p" / "demo" / "results.json").read_text("utf-8"))
    kept = texts_["instrument"]["item_texts"]
    assert len(kept) == bundle.results["instrument"]["n_items"]
    assert all(t["id"] and t["en"] for t in kept.values())


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_figure_is_described_by_its_caption(demo, language):
    """A screen reader reads each figure's caption, not nbconvert's "No description has been
    provided for this image"."""
    _, pages, _ = demo
    html = pages[language]
    images = re.findall(r"<img\b[^>]*>", html)
    assert len(images) >= 3  # the change figure (twice), the scores and the Q-Q plot
    word = "Gambar" if language == "id" else "Figure"
    for image in images:
        alt = re.search(r'\balt="([^"]*)"', image)
        assert alt and alt.group(1).startswith(word), image[:120]
        assert "*" not in alt.group(1) and "\\" not in alt.group(1)
    assert "No description has been provided" not in html


def test_a_caption_reads_aloud_as_typed():
    """The alternative text undoes the Markdown escapes of the user's text and drops emphasis."""
    title = "Skor *Karier* <b>x</b> [1] d_z www.contoh.id \\ 50%"
    caption = f"_Gambar 1. {p.esc(title)} (*n* = 3)._"
    assert p.plain_caption(caption) == f"Gambar 1. {title} (n = 3)."
