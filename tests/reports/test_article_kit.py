"""The article kit read as a reader and a journal would: the DOCX tables follow APA 7 (three
rules, italic symbols with true subscripts, a note under each table that explains every symbol
and mark, no leading zero for p, r, α and η²), the Indonesian files hold no English words and
the English files no Indonesian ones, no "-0,00", and ``scores.sav`` opens with its labels and
the bundle's scores and no personal data. The README's picture of an article table
(docs/screenshots/article_table.png) is taken here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from pipeline import run_study
from pipeline.bundle.read import load_bundle
from pipeline.inert import inert
from pipeline.reports.apa import kit_words
from pipeline.reports.article import tables, write_article_kit
from pipeline.reports.words import texts
from tests.conftest import DEMO, ROOT

pytestmark = pytest.mark.slow

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: `make screenshots` sets this to docs/screenshots (the README's pictures); else a temporary
#: folder, so a test run leaves the work tree alone.
SHOTS_VARIABLE = "PKM_EVAL_SCREENSHOTS"
EXAMPLES = ROOT / "data" / "raw" / "examples"
PESANTREN = EXAMPLES / "pesantren"
#: English words that must not appear in the Indonesian kit (case-sensitive where a word is
#: also a symbol or a name); checked on whole words after the users' own texts are removed.
ENGLISH = (
    "Results", "Methods", "Table", "Figure", "Note", "group", "subgroup", "pairs", "pair",
    "score", "scores", "effect", "and", "the", "with", "before", "after", "mean", "paired",
    "test", "tests", "CI", "holm", "difference", "adjusted", "participants", "scale", "wave",
    "control", "treatment", "all", "of", "or", "to",
)  # fmt: skip
#: Indonesian words that must not appear in the English kit.
INDONESIAN = (
    "Hasil", "Metode", "Tabel", "Gambar", "Catatan", "dan", "yang", "dengan", "kelompok",
    "sebelum", "sesudah", "skor", "selisih", "pasangan", "rerata", "uji", "efek", "peserta",
    "semua", "berpasangan", "perlakuan", "pembanding", "skala", "butir", "IK", "pada",
)  # fmt: skip


def _kit(study: Path, folder: Path):
    result = run_study(
        study, processed_root=folder / "p", reports_root=folder / "r", render_report=False
    )
    kit = folder / "kit"
    write_article_kit(load_bundle(result.bundle_dir), kit)
    return load_bundle(result.bundle_dir), kit


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kit")
    shutil.copytree(DEMO, folder / "demo")
    return _kit(folder / "demo" / "study.yaml", folder)


@pytest.fixture(scope="module")
def one_group(tmp_path_factory):
    folder = tmp_path_factory.mktemp("one_group")
    shutil.copytree(PESANTREN, folder / "pesantren")
    return _kit(folder / "pesantren" / "study.yaml", folder)


@pytest.fixture(scope="module")
def designs(tmp_path_factory):
    """Kits of the designs that add tables: three arms with a follow-up, and a try-out."""
    made = []
    for name in ("three_arms", "tryout"):
        folder = tmp_path_factory.mktemp(name)
        shutil.copytree(EXAMPLES / name, folder / name)
        made.append(_kit(folder / name / "study.yaml", folder))
    return made


def _document(kit: Path, language: str):
    from docx import Document

    return Document(str(kit / language / "article_tables.docx"))


def _next_paragraph(table) -> str:
    """The text of the paragraph right after a table (its note)."""
    element = table._tbl.getnext()
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


def _runs(cell) -> list[tuple[str, bool, str | None]]:
    """(text, italic, vertical alignment) of every run in a cell."""
    out = []
    for run in cell.paragraphs[0].runs:
        align = run._r.find(f"{W}rPr/{W}vertAlign")
        out.append((run.text, bool(run.italic), None if align is None else align.get(f"{W}val")))
    return out


@pytest.mark.parametrize("language", ["id", "en"])
def test_docx_tables_have_the_three_apa_rules_and_no_vertical_ones(demo, language):
    document = _document(demo[1], language)
    assert len(document.tables) == 6
    for table in document.tables:
        borders = {
            e.tag.removeprefix(W): e.get(f"{W}val") for e in table._tbl.tblPr.find(f"{W}tblBorders")
        }
        assert borders == {
            "top": "single", "bottom": "single", "left": "nil", "right": "nil",
            "insideH": "nil", "insideV": "nil",
        }  # fmt: skip
        for cell in table.rows[0].cells:  # the rule under the header row
            rule = cell._tc.tcPr.find(f"{W}tcBorders/{W}bottom")
            assert rule is not None and rule.get(f"{W}val") == "single"
        for row in table.rows[1:]:
            assert all(c._tc.tcPr.find(f"{W}tcBorders") is None for c in row.cells)


@pytest.mark.parametrize("language", ["id", "en"])
def test_docx_symbols_are_italic_with_true_subscripts(demo, language):
    document = _document(demo[1], language)
    headers = [_runs(c) for t in document.tables for c in t.rows[0].cells]
    italic = {text for runs in headers for text, slanted, _ in runs if slanted}
    assert {"n", "M", "SD", "p", "t", "df", "d", "r", "F"} <= italic
    upright = {text for runs in headers for text, slanted, align in runs if not (slanted or align)}
    assert not {"n", "M", "SD", "p", "t", "df", "d", "r", "F"} & {s.strip() for s in upright}
    effect_header = _runs(document.tables[2].rows[0].cells[2])
    assert effect_header[:2] == [("d", True, None), ("z", False, "subscript")]
    eta = _runs(document.tables[4].rows[0].cells[-1])
    assert eta == [("η", False, None), ("2", False, "superscript"), ("p", False, "subscript")]
    text = " ".join(p.text for p in document.paragraphs)
    text += " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "d_z" not in text and "η²p" not in text
    results = [p for p in document.paragraphs if "t(28)" in p.text.replace(" ", "")]
    assert results and any(r.text == "t" and r.italic for r in results[0].runs)


def _symbols(table) -> list[str]:
    """The header's symbols: each italic run with the subscript that follows it (d + z)."""
    found = []
    for cell in table.rows[0].cells:
        runs = _runs(cell)
        for k, (text, italic, align) in enumerate(runs):
            if italic and align is None:
                after = runs[k + 1] if k + 1 < len(runs) else ("", False, None)
                found.append(text + (after[0] if after[2] == "subscript" else ""))
    return found


@pytest.mark.parametrize("language", ["id", "en"])
def test_docx_tables_are_numbered_and_noted_in_the_text_language(demo, language):
    document = _document(demo[1], language)
    glossary = kit_words(language)["glossary"]
    texts = [p.text for p in document.paragraphs]
    for number in range(1, len(document.tables) + 1):
        assert f"{glossary['table']} {number}" in texts
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 2")]
    assert headings == [glossary["methods"], glossary["results"]]
    for table in document.tables:
        note = _next_paragraph(table)
        assert note.startswith(f"{glossary['note']}."), note
        for symbol in _symbols(table):  # every symbol of the header is explained
            assert re.search(re.escape(symbol) + r"[\w-]* ?(\(\w+\))? ?=", note), (symbol, note)
        shown = " ".join(c.text for r in table.rows for c in r.cells)
        if "✓" in shown:
            assert "✓ =" in note
        header = " ".join(c.text for c in table.rows[0].cells)
        if "p (Holm)" in header:
            assert "p (Holm) =" in note and "Holm" in note


@pytest.mark.parametrize("language", ["id", "en"])
def test_bounded_values_have_no_leading_zero(demo, language):
    document = _document(demo[1], language)
    bounded = re.compile(r"^(< )?-?[.,]\d{3}$|^1[.,]000$")
    checked = 0
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        for k, name in enumerate(header):
            if name in ("p", "p (Holm)", "η2p"):
                for row in table.rows[1:]:
                    assert bounded.match(row.cells[k].text), (name, row.cells[k].text)
                    checked += 1
            if name.startswith(("α", "rrb", "ω")):
                for row in table.rows[1:]:
                    assert not re.search(r"(?<![\d.,])0[.,]\d", row.cells[k].text), name
                    checked += 1
    assert checked > 50
    paragraphs = (demo[1] / language / "paragraphs.md").read_text("utf-8")
    assert re.search(r"= [.,]355\b", paragraphs)  # η²p of the ANCOVA, not 0.355


def _user_texts(bundle, language: str) -> list[str]:
    """Texts the user wrote (titles, names, method): they are quoted, not translated."""
    program = bundle.results["program"]
    instrument = bundle.results["instrument"]
    found = [program[k] for k in ("title", "method", "partner", "place") if program.get(k)]
    found += [instrument["title"][language]]
    found += [s["name"][language] for s in instrument["scales"]]
    found += [inert(f, "markdown") for f in found]  # as paragraphs.md quotes them
    return sorted(set(found), key=len, reverse=True)


def _kit_text(kit: Path, language: str) -> str:
    """Every text of one language's kit: Markdown, captions, CSV tables and the DOCX."""
    folder = kit / language
    parts = [p.read_text("utf-8") for p in sorted(folder.glob("*.md"))]
    parts += [(folder / "figure_captions.txt").read_text("utf-8")]
    parts += [p.read_text("utf-8") for p in sorted(folder.glob("*.csv"))]
    document = _document(kit, language)
    parts += [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


@pytest.mark.parametrize(("language", "foreign"), [("id", ENGLISH), ("en", INDONESIAN)])
def test_each_language_holds_no_words_of_the_other(demo, one_group, designs, language, foreign):
    for bundle, kit in (demo, one_group, *designs):
        text = _kit_text(kit, language)
        for user in _user_texts(bundle, language):
            text = text.replace(user, " ")
        pattern = re.compile(r"(?<![\w-])(" + "|".join(foreign) + r")(?![\w-])")
        found = sorted(set(pattern.findall(text)))
        assert found == [], found


@pytest.mark.parametrize("language", ["id", "en"])
def test_numbers_and_sentences_read_as_published(demo, one_group, designs, language):
    for bundle, kit in (demo, one_group, *designs):
        text = _kit_text(kit, language)
        for user in _user_texts(bundle, language):
            text = text.replace(user, " ")
        assert not re.search(r"-0?[.,]0+(?![\d])", text)  # no negative zero
        assert "group x" not in text and "holm" not in text
        if language == "id":
            assert not re.search(r"\d\.\d", text)  # decimal commas only
        paragraphs = (kit / language / "paragraphs.md").read_text("utf-8")
        assert not re.search(r"\([^()]*\(", paragraphs), "nested brackets"
        assert not re.search(r"\)\s*\(", paragraphs), "brackets side by side"
        first = [line for line in paragraphs.splitlines() if line.startswith("## ")]
        glossary = kit_words(language)["glossary"]
        assert first == [f"## {glossary['methods']}", f"## {glossary['results']}"]
    results = (one_group[1] / language / "paragraphs.md").read_text("utf-8").split("## ")[-1]
    word = {"id": "kelompok", "en": "group"}[language]
    every = texts(language)["groups"]["all"]
    assert not re.search(rf"\b({word}|{every})\b", results), results


def test_one_group_tables_name_no_group(one_group):
    for language in ("id", "en"):
        for table in tables(one_group[0], language):
            column = kit_words(language)["columns"]["group"]
            assert column not in table.headers, table.name


@pytest.mark.parametrize("language", ["id", "en"])
def test_figure_captions_are_numbered_in_order(demo, language):
    lines = (demo[1] / language / "figure_captions.txt").read_text("utf-8").splitlines()
    word = kit_words(language)["glossary"]["figure"]
    assert [line.split(": ", 1)[1].split(".")[0] for line in lines] == [
        f"{word} {k}" for k in range(1, len(lines) + 1)
    ]


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_sav_holds_the_bundle_scores_with_labels(demo, language):
    import pyreadstat

    bundle, kit = demo
    data, meta = pyreadstat.read_sav(str(kit / language / "scores.sav"))
    labels = meta.column_names_to_labels
    spss = kit_words(language)["spss"]
    assert labels["participant_code"] == spss["participant_code"]
    groups = {"id": {1.0: "perlakuan", 2.0: "pembanding"}, "en": {1.0: "treatment", 2.0: "control"}}
    assert meta.variable_value_labels == {"group": groups[language]}
    wave = "sesudah" if language == "id" else "post"
    assert wave in labels["total_post"] and all(labels.values())
    long = data.melt(
        id_vars=["participant_code", "group"], var_name="variable", value_name="score"
    ).dropna(subset=["score"])
    scores = bundle["scores"].astype({"scale": str, "wave": str}).dropna(subset=["mean"])
    expected = scores.assign(variable=scores["scale"] + "_" + scores["wave"])
    merged = expected.merge(long, on=["participant_code", "variable"], how="outer")
    assert len(merged) == len(expected) == len(long)  # every score, nothing else
    assert (merged["mean"] - merged["score"]).abs().max() < 1e-12
    code = {1.0: "treatment", 2.0: "control"}
    assert (merged["group_y"].map(code) == merged["group_x"].astype(str)).all()


def test_the_sav_holds_no_personal_data(demo):
    import pyreadstat

    raw = pd.concat([pd.read_csv(DEMO / f"{w}.csv", dtype=str) for w in ("pre", "post")])
    secrets = {
        v.strip().casefold()
        for c in ("Nama Lengkap", "Nomor WhatsApp")
        for v in raw[c].dropna()
        if v.strip()
    }
    for language in ("id", "en"):
        path = demo[1] / language / "scores.sav"
        data, meta = pyreadstat.read_sav(str(path))
        assert list(data.columns[:2]) == ["participant_code", "group"]
        assert data["participant_code"].str.fullmatch(r"P\d{4}").all()
        words = " ".join(map(str, meta.column_names_to_labels.values())).casefold()
        assert not re.search(r"nama|name|phone|whatsapp|e-?mail|telepon", " ".join(data.columns))
        raw_bytes = path.read_bytes().decode("latin-1").casefold()
        assert not [s for s in secrets if s in raw_bytes or s in words]


def test_an_article_table_in_headless_chromium(demo, tmp_path):
    """Table 2 (paired tests, Indonesian) as the DOCX lays it out, for the README."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is missing: `make test` installs Debian's chromium when it can"
    table = tables(demo[0], "id")[1]
    page = tmp_path / "table.html"
    page.write_text(table.html(number=2, language="id"), "utf-8")
    folder = Path(os.environ.get(SHOTS_VARIABLE) or tmp_path / "shots").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "article_table.png"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
         "--window-size=1240,900", f"--screenshot={shot}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a table, not a blank
    html = page.read_text("utf-8")
    assert "<i>t</i> berpasangan ✓" in html and "Tabel 2" in html and "<i>Catatan.</i>" in html


def test_the_subgroup_interaction_is_named_in_the_report_language(demo):
    from pipeline.reports.tables import subgroups_table

    bundle = demo[0]
    assert "group x subgroup" in set(bundle["subgroups"]["term"])  # the bundle's own name
    for language, name in (("id", "kelompok × subkelompok"), ("en", "group × subgroup")):
        table = subgroups_table(bundle, language)
        column = texts(language)["columns"]["interaction"]
        assert set(table[column]) == {name}


def test_a_figure_without_a_screen_canvas_is_written(tmp_path):
    # The web page runs the study in a thread where the kit's figures may carry matplotlib's
    # base canvas, which cannot measure the tight box: Agg's measures it instead
    from matplotlib.figure import Figure

    from pipeline.reports.article import write_figure_files

    figure = Figure(figsize=(3, 2))
    figure.add_subplot().plot([1, 2, 3], [2, 1, 3])
    write_figure_files(tmp_path / "fig", figure)
    assert (tmp_path / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "fig.svg").read_bytes()
