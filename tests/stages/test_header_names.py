"""Header forgiveness, quiz recognition, one-column diagnosis and blank twin columns, on
hand-made cases and on the real-export corpus."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.stages.header_names import (
    closest_header,
    diagnose_split,
    empty_duplicates,
    header_key,
    header_keys,
    quiz_layout,
    strip_numbering,
)
from pipeline.stages.parse import read_table
from tests.stages.real_exports import MANIFEST, REAL, entries, frame, kpk, read_export, text

SK1 = "Saya tahu kegiatan apa yang paling saya sukai."


@pytest.mark.parametrize(
    "header",
    [
        f"1. {SK1}",
        f"6) {SK1}",
        f"Q9. {SK1}",
        f"q12 {SK1}",
        f"No. 3 {SK1}",
        f"No.3: {SK1}",
        f"Nomor 3. {SK1}",
        f"3 - {SK1}",
        f"(3) {SK1}",
        f"12a. {SK1}",
        f"Soal 4: {SK1}",
        f"7.{SK1}",
        f"{SK1} ",
        f"{SK1}:",
        f"{SK1} *",
        f"  {SK1.upper()}  ",
        f"{SK1} (wajib)",
        SK1.replace("kegiatan apa", "kegiatan\napa"),
        SK1.replace("kegiatan apa", "kegiatan   apa"),
        SK1.replace("sukai", "sukái"),
    ],
)
def test_every_form_spelling_of_a_header_has_the_items_key(header):
    assert header_key(header) == header_key(SK1) == "saya tahu kegiatan apa yang paling saya sukai"


@pytest.mark.parametrize(
    "header",
    [
        "5 tahun lagi saya ingin bekerja",
        "3-4 kali seminggu saya belajar",
        "1.5 jam sehari",
        "Quality",
    ],
)
def test_numbers_that_belong_to_the_text_stay(header):
    assert strip_numbering(header) == header


def test_declared_columns_are_not_taken_for_numbering():
    assert header_key("Nomor WhatsApp") == "nomor whatsapp"
    assert header_key("No. HP") == "no hp"
    assert header_key("Nama Lengkap :") == "nama lengkap"


def test_grid_and_group_path_headers_give_their_row_and_item_keys():
    keys = header_keys(f"2) Seberapa setuju Anda? [6. {SK1}]")
    assert keys[-1] == header_key(SK1)
    assert header_keys("kpk/sk1") == ("kpk sk1", "sk1")
    assert header_keys("   ") == ()


def test_closest_header_names_the_reworded_header_with_its_similarity():
    headers = ["Cap waktu", "Nama Lengkap", "21. Saya punya jadwal kapan tiap langkah rencana."]
    found, score = closest_header("Saya punya jadwal kapan setiap langkah rencana.", headers)
    assert found == headers[2]
    assert 85 < score < 100
    assert closest_header("apa saja", []) == (None, 0.0)


def test_closest_header_takes_the_best_of_several_wanted_texts():
    english = "I know which activities I enjoy most."
    found, score = closest_header([SK1, english], ["Timestamp", f"Q1. {english}"])
    assert (found, score) == (f"Q1. {english}", 100.0)


# --------------------------------------------------------------------------- the corpus


def _item_keys() -> dict[str, set[str]]:
    """Item id to every key its codebook entry can be matched by."""
    instrument = kpk()
    entries_ = [(i.id, i.text, i.headers) for i in instrument.items]
    entries_ += [(c.id, c.text, c.headers) for c in instrument.attention_checks]
    return {
        item_id: {header_key(t) for t in [item_id, text.id, text.en, *headers]}
        for item_id, text, headers in entries_
    }


@pytest.mark.parametrize("name", entries("items"))
def test_the_corpus_headers_find_their_items_by_key(name):
    keys = {k for header in frame(name).columns for k in header_keys(header)}
    found = [item_id for item_id, wanted in _item_keys().items() if wanted & keys]
    assert len(found) == MANIFEST[name]["items"]


def test_a_reworded_header_is_found_by_similarity_only():
    entry = MANIFEST["numbered_headers.csv"]["by_similarity"]["gp3"]
    headers = list(frame("numbered_headers.csv").columns)
    gp3 = kpk().item("gp3")
    assert not (_item_keys()["gp3"] & {k for h in headers for k in header_keys(h)})
    found, score = closest_header([gp3.text.id, gp3.text.en], headers)
    assert found == entry["header"]
    assert score >= entry["min"]


def test_the_header_with_a_line_break_matches_as_read_and_as_sniffed():
    """pandas keeps the line break; the sniffed header tuple glues the two lines without a
    space. Both give ex6's key."""
    ex6 = header_key(kpk().item("ex6").text.id)
    table = read_export("numbered_headers.csv")
    assert any(ex6 in header_keys(h) for h in table.frame.columns if "\n" in h)
    assert any(ex6 in header_keys(h) for h in table.header)


@pytest.mark.parametrize("name", entries("quiz"))
def test_quiz_exports_are_recognized(name):
    expected = MANIFEST[name]["quiz"]
    header = text(name).splitlines()[0].split(",")
    layout = quiz_layout(header)
    assert layout is not None
    assert layout.total == expected["total"]
    assert len(layout.scores) == expected["scores"]
    assert len(layout.feedback) == expected["feedback"]
    assert set(layout.scores) == set(layout.feedback)
    assert all(question in header for question in layout.scores)
    assert len(layout.added_columns) == 1 + expected["scores"] + expected["feedback"]


@pytest.mark.parametrize("name", sorted(set(entries("items")) - set(entries("quiz"))))
def test_ordinary_forms_are_not_quizzes(name):
    assert quiz_layout(list(frame(name).columns)) is None


@pytest.mark.parametrize("name", entries("split"))
def test_one_column_reads_are_diagnosed(name):
    expected = MANIFEST[name]["split"]
    lines = text(name).splitlines()[:30]
    header = next(csv.reader(lines[:1], delimiter=expected["delimiter"]))
    found = diagnose_split(header, lines)
    assert found.suspected
    assert (found.fault, found.delimiter, found.fields) == (
        expected["fault"],
        expected["delimiter"],
        expected["fields"],
    )


@pytest.mark.parametrize("name", entries("split"))
def test_the_reader_refuses_a_one_column_read_with_the_diagnosis(name):
    expected = MANIFEST[name]["split"]
    with pytest.raises(InputError) as caught:
        read_table((REAL / name).read_bytes(), name)
    [problem] = caught.value.problems
    assert problem.code == f"file_one_column_{expected['fault']}"
    assert problem.details["fields"] == expected["fields"]
    assert problem.value == repr(expected["delimiter"])
    assert name in problem.message("en") and name in problem.message("id")


WELL_SPLIT = sorted(
    n for n, e in MANIFEST.items() if n.endswith(".csv") and "split" not in e and "ragged" not in e
)


@pytest.mark.parametrize("name", WELL_SPLIT)
def test_well_split_files_are_not_suspected(name):
    table = read_export(name)
    assert not diagnose_split(list(table.header), text(name).splitlines()[:30]).suspected


def test_a_wrong_delimiter_is_named():
    lines = ["Cap waktu|Nama|Q1", "24/10/2025 18:46:43|Budi, S.Pd|Setuju", "x|Ani|Netral"]
    found = diagnose_split(["Cap waktu|Nama|Q1"], lines)
    assert (found.suspected, found.fault, found.delimiter, found.fields) == (
        True,
        "delimiter",
        "|",
        3,
    )


def test_a_true_single_column_file_is_not_suspected():
    lines = ["Saran untuk kegiatan", "Lebih lama", "Materinya bagus sekali", ""]
    assert not diagnose_split(["Saran untuk kegiatan"], lines).suspected
    assert not diagnose_split([], []).suspected


def test_the_blank_twin_column_is_found():
    table = read_export("kobo_versions.csv")
    expected = MANIFEST["kobo_versions.csv"]["empty_duplicates"]
    assert empty_duplicates(table.frame) == expected
    assert empty_duplicates(table.frame, header=list(table.header)) == expected


@pytest.mark.parametrize("name", sorted(set(entries("items")) - {"kobo_versions.csv"}))
def test_files_without_a_blank_twin_have_none(name):
    assert empty_duplicates(frame(name)) == {}


def test_two_filled_twins_are_left_to_the_ambiguity_check():
    table = pd.DataFrame({"Q1. Saya": ["1", "2"], "Saya": ["3", ""], "Saya.1": ["", ""]})
    assert empty_duplicates(table) == {"Saya.1": "Q1. Saya"}
