"""Drafting a codebook and a study file from exports: the demo's 24 items, attention check,
id, time and group are found, every draft loads with today's models, and the demo's draft
reads and validates the demo's own files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.config import load_instrument, load_study
from pipeline.draft import ROLES, propose, render_codebook, render_study
from pipeline.errors import InputError
from pipeline.run import analyse
from pipeline.stages.clean import clean
from pipeline.stages.ingest import ingest
from pipeline.stages.parse import read_table
from pipeline.stages.read import read_inputs
from pipeline.stages.validate import validate
from tests.stages.real_exports import MANIFEST, REAL, frame

DEMO = Path(__file__).resolve().parent.parent / "data" / "raw" / "demo"
KPK_REVERSED = ["q04", "q11", "q12", "q17", "q23", "q24"]  # sk4 ck5 ck6 ex5 gp5 gp6


def _demo_frames() -> dict[str, pd.DataFrame]:
    return {
        w: read_table((DEMO / f"{w}.csv").read_bytes(), f"{w}.csv").frame for w in ("pre", "post")
    }


def _write(draft, folder: Path, **options) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "codebook.yaml").write_text(render_codebook(draft), "utf-8")
    (folder / "study.yaml").write_text(render_study(draft, **options), "utf-8")
    return folder / "study.yaml"


@pytest.fixture(scope="module")
def demo_draft():
    return propose(_demo_frames(), files={"pre": "pre.csv", "post": "post.csv"})


def test_the_demo_draft_finds_the_questionnaire(demo_draft):
    kpk = load_instrument("builtin:career_awareness_planning")
    assert [i.text for i in demo_draft.items] == [i.text.id for i in kpk.items]
    assert demo_draft.check is not None
    assert demo_draft.check.text == kpk.attention_checks[0].text.id
    assert demo_draft.check.expected == kpk.attention_checks[0].expected
    scale = demo_draft.scale
    assert (scale.family, scale.min, scale.max) == ("agree", 1, 5)
    assert scale.labels == {c: (t.id, t.en) for c, t in kpk.response_scale.labels.items()}


def test_the_demo_draft_finds_the_other_columns(demo_draft):
    assert (demo_draft.id_column, demo_draft.id_kind, demo_draft.id_usable) == (
        "Nama Lengkap",
        "name",
        True,
    )
    assert demo_draft.timestamp == "Cap waktu"
    assert demo_draft.contacts == ("Nomor WhatsApp",)
    assert demo_draft.group.column == "Kelompok"
    assert demo_draft.group.treatment == ("Kelas Bimbingan Karier",)
    assert demo_draft.group.control == ("Kelas Pembanding",)
    [gender] = demo_draft.demographics
    assert (gender.name, gender.column, set(gender.values)) == (
        "gender",
        "Jenis Kelamin",
        {"Laki-laki", "Perempuan"},
    )
    assert demo_draft.dates == (dt.date(2026, 7, 6), dt.date(2026, 8, 17))
    assert set(demo_draft.columns["role"]) <= set(ROLES)
    assert demo_draft.columns["role"].value_counts()["item"] == 24


def test_reverse_keyed_items_are_marked_for_review(demo_draft):
    assert [i.id for i in demo_draft.items if i.reverse] == KPK_REVERSED
    assert all(i.item_rest_r < 0 for i in demo_draft.items if i.reverse)
    assert all(i.item_rest_r > 0.3 for i in demo_draft.items if not i.reverse)
    assert render_codebook(demo_draft).count("CHECK: reverse-keyed?") == len(KPK_REVERSED)


def test_the_demo_draft_loads_reads_and_validates_its_files(demo_draft, tmp_path):
    folder = tmp_path / "demo"
    folder.mkdir()
    for wave in ("pre", "post"):
        (folder / f"{wave}.csv").write_bytes((DEMO / f"{wave}.csv").read_bytes())
    study = load_study(_write(demo_draft, folder, program_id="demo-draft"))
    assert [i.id for i in study.instrument_spec.items][:2] == ["q01", "q02"]
    ingested = ingest(read_inputs(study), study)
    validated = validate(ingested, study)
    assert validated.n_input == sum(
        len(read_table((DEMO / f"{w}.csv").read_bytes(), "x.csv").frame) for w in ("pre", "post")
    )
    assert ingested.responses[[f"q{k:02d}" for k in range(1, 25)]].notna().mean().mean() > 0.95
    assert not [p for p in validated.problems if p.code == "label_unknown"]


def test_the_demo_draft_runs_to_the_bundled_studys_total_score_result(
    demo_draft, tmp_path, demo_analysis
):
    """Same items, same reversals, same ids: the drafted one-scale codebook must reproduce
    the bundled instrument's total-scale tests exactly, and account for every input row."""
    folder = tmp_path / "demo"
    folder.mkdir()
    for wave in ("pre", "post"):
        (folder / f"{wave}.csv").write_bytes((DEMO / f"{wave}.csv").read_bytes())
    drafted = analyse(load_study(_write(demo_draft, folder, program_id="demo-draft")))
    columns = ["outcome", "group", "test", "n", "mean_pre", "mean_post", "statistic", "p_value"]
    mine = drafted.compared.tests.query("outcome == 'total'")[columns].reset_index(drop=True)
    bundled = demo_analysis.compared.tests.query("outcome == 'total'")[columns]
    pd.testing.assert_frame_equal(mine, bundled.reset_index(drop=True))
    ledger, reference = drafted.cleaned.ledger, demo_analysis.cleaned.ledger
    assert (
        ledger["outcome"].value_counts().to_dict() == reference["outcome"].value_counts().to_dict()
    )


def test_the_draft_comments_say_what_to_check(demo_draft):
    codebook, study = render_codebook(demo_draft), render_study(demo_draft)
    for text in (codebook, study):
        assert "PERIKSA" in text and "CHECK" in text
    assert "ISI" in study and "FILL IN" in study
    assert "# Kolom yang tidak dipakai" not in study  # every demo column found a role
    parsed = yaml.safe_load(study)
    assert parsed["columns"] == {
        "id": "Nama Lengkap",
        "id_kind": "name",
        "timestamp": "Cap waktu",
        "contact": ["Nomor WhatsApp"],
    }


# --------------------------------------------------------------------------- the corpus

DRAFTED = sorted(n for n, e in MANIFEST.items() if "items" in e and e.get("wave") == "pre")


def _fixture_draft(name: str):
    entry = MANIFEST[name]
    frames = {"pre": frame(name)}
    files = {"pre": name}
    if "pair" in entry:
        frames["post"], files["post"] = frame(entry["pair"]), entry["pair"]
    return propose(frames, files=files)


@pytest.mark.parametrize("name", DRAFTED)
def test_every_corpus_draft_loads_with_todays_models(name, tmp_path):
    draft = _fixture_draft(name)
    study = load_study(_write(draft, tmp_path, today=dt.date(2025, 10, 24)))
    assert len(study.instrument_spec.items) == 24
    assert [c.expected for c in study.instrument_spec.attention_checks] == [4]
    assert [i.id for i in draft.items if i.reverse] == KPK_REVERSED
    expected = MANIFEST[name]["id"]
    fallback = expected.get("fallback")
    wanted = fallback["column"] if fallback else expected["column"]
    assert draft.id_column == MANIFEST[name].get("draft", {}).get("id", wanted)
    assert draft.id_usable == (expected["usable"] or fallback is not None)


@pytest.mark.parametrize("name", sorted(n for n in DRAFTED if "ledger" in MANIFEST[n]))
def test_a_drafted_pair_runs_and_accounts_for_every_row(name, tmp_path):
    """The draft keys masked names and NIM typos by student number; the current clean stage
    then gives the ledger the manifest states, one outcome per input row."""
    entry = MANIFEST[name]
    for file in (name, entry["pair"]):
        (tmp_path / file).write_bytes((REAL / file).read_bytes())
    study = load_study(_write(_fixture_draft(name), tmp_path))
    assert (study.columns.id_columns[0], study.columns.id_kinds[0]) == ("NIM", "number")
    validated = validate(ingest(read_inputs(study), study), study)
    ledger = clean(validated, study).ledger
    assert ledger["outcome"].value_counts().to_dict() == entry["ledger"]
    assert len(ledger) == entry["rows"] + MANIFEST[entry["pair"]]["rows"]


def test_masked_names_make_the_student_number_the_id_and_the_names_personal_data():
    draft = _fixture_draft("masked_names_pre.csv")
    assert (draft.id_column, draft.id_kind) == ("NIM", "number")
    assert "Nama" in draft.contacts
    study = render_study(draft)
    assert "'Nama' tidak dipakai sebagai identitas / not used as the id: masked" in study


def test_initials_are_proposed_only_with_a_warning():
    draft = _fixture_draft("initials_pre.csv")
    assert not draft.id_usable
    assert "CANNOT tell people apart" in render_study(draft)


def test_the_english_form_draft_finds_email_and_english_labels():
    draft = _fixture_draft("gforms_download_en.csv")
    expected = MANIFEST["gforms_download_en.csv"]["draft"]
    assert len(draft.items) == expected["items"]
    assert bool(draft.check) == expected["attention_check"]
    assert draft.id_column == expected["id"] and draft.timestamp == expected["timestamp"]
    assert list(draft.contacts) == expected["contact"]
    assert [d.column for d in draft.demographics] == expected["demographics"]
    assert [draft.scale.min, draft.scale.max] == expected["scale"]
    assert draft.items[0].text == "I know which activities I enjoy most."
    assert 'post: "post.csv"' in render_study(draft)  # one export: post left to fill in


def test_quiz_kobo_and_numbered_columns_are_not_taken_for_items_or_demographics():
    quiz = _fixture_draft("quiz_id.csv")
    roles = quiz.columns.set_index("header")["role"]
    assert roles["Total skor"] == "quiz"
    assert (roles[roles.index.str.endswith(("[Skor]", "[Masukan]"))] == "quiz").all()
    assert quiz.demographics == ()
    kobo = _fixture_draft("kobo_versions.csv").columns.set_index("header")["role"]
    assert kobo[["_id", "_uuid", "__version__", "_index", "start", "end"]].eq("platform").all()
    assert kobo["_submission_time"] == "timestamp"
    assert (kobo == "empty").sum() == 1
    numbered = _fixture_draft("numbered_headers.csv")
    assert numbered.items[0].text == "Saya tahu kegiatan apa yang paling saya sukai."
    # The ingest stage matches numbered headers by their key: no extra header to declare.
    assert numbered.items[0].headers == ()


def test_the_nim_pair_draft_finds_groups_by_their_labels():
    draft = _fixture_draft("nim_typos_pre.csv")
    assert draft.group.treatment == ("Peserta PKM",)
    assert draft.group.control == ("Kelompok Pembanding",)
    # The name beside the student number is the fallback key, so near misses come with names.
    assert (draft.id_column, draft.id_fallbacks, draft.contacts) == (
        "NIM",
        (("Nama Mahasiswa", "name"),),
        (),
    )
    columns = yaml.safe_load(render_study(draft))["columns"]
    assert (columns["id"], columns["id_kind"]) == (["NIM", "Nama Mahasiswa"], ["number", "name"])


# --------------------------------------------------------------------------- hand-made frames

AGREE = ["Sangat Tidak Setuju", "Tidak Setuju", "Netral", "Setuju", "Sangat Setuju"]
OFTEN = ["Tidak Pernah", "Jarang", "Kadang-kadang", "Sering", "Selalu"]


def _answers(labels: list[str], n: int, items: int, seed: int) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=n)
    codes = np.clip(np.rint(2 + trait[:, None] + rng.normal(0, 0.6, (n, items))), 0, 4)
    return {
        f"{k + 1}. Pernyataan {k + 1}": [labels[int(c)] for c in codes[:, k]] for k in range(items)
    }


def test_two_label_families_of_one_length_share_the_codes():
    table = pd.DataFrame(
        {
            "Nama": [f"Peserta {k}" for k in range(30)],
            **_answers(AGREE, 30, 4, 1),
            **{f"Frekuensi {k}": v for k, v in enumerate(_answers(OFTEN, 30, 3, 2).values())},
        }
    )
    draft = propose({"pre": table})
    assert len(draft.items) == 7
    assert draft.scale.family == "agree"
    assert draft.scale.aliases["selalu"] == 5 and draft.scale.aliases["tidak pernah"] == 1


def test_numbers_and_four_point_labels_make_their_own_scales():
    numbers = pd.DataFrame(
        {"NIM": [f"23{k:06d}" for k in range(20)], **_answers(["1", "2", "3", "4", "5"], 20, 5, 3)}
    )
    draft = propose({"pre": numbers})
    assert (draft.scale.family, draft.scale.min, draft.scale.max) == ("numeric", 1, 5)
    assert (draft.id_column, draft.id_kind) == ("NIM", "number")
    four = ["STS", "TS", "S", "S", "SS"]
    labels = pd.DataFrame({"Nama": [f"Peserta {k}" for k in range(20)], **_answers(four, 20, 5, 4)})
    draft = propose({"pre": labels})
    assert draft.scale.labels == {
        1: ("Sangat Tidak Setuju", "Strongly Disagree"),
        2: ("Tidak Setuju", "Disagree"),
        3: ("Setuju", "Agree"),
        4: ("Sangat Setuju", "Strongly Agree"),
    }
    assert draft.scale.aliases == {"s": 3, "ss": 4, "sts": 1, "ts": 2}


def test_headers_that_would_break_yaml_stay_one_value(tmp_path):
    odd = 'Saya: "yakin" # pasti\nbisa [1]: ya'
    table = pd.DataFrame({"Nama": [f"Peserta {k}" for k in range(12)], **_answers(AGREE, 12, 3, 5)})
    table[odd] = _answers(AGREE, 12, 1, 6).popitem()[1]
    draft = propose({"pre": table})
    study = load_study(_write(draft, tmp_path, today=dt.date(2025, 1, 1)))
    assert odd.replace("\n", " ").startswith(study.instrument_spec.items[-1].text.id[:5])
    assert study.program.start_date == dt.date(2025, 1, 1)


def test_no_questionnaire_is_one_clear_problem():
    table = pd.DataFrame({"Nama": ["Ani", "Budi"], "Saran": ["Bagus", "Lebih lama"]})
    with pytest.raises(InputError) as caught:
        propose({"pre": table}, files={"pre": "saran.csv"})
    [problem] = caught.value.problems
    assert problem.code == "no_questionnaire"
    assert "Sangat Setuju" in problem.message("en") and "Sangat Setuju" in problem.message("id")
    assert "saran.csv" in problem.message("en") and "'Saran'" in problem.message("en")


def test_a_group_without_a_control_label_asks_which_it_is():
    table = pd.DataFrame(
        {
            "Nama": [f"Peserta {k}" for k in range(20)],
            "Kelompok": ["Kelas A", "Kelas B"] * 10,
            **_answers(AGREE, 20, 4, 7),
        }
    )
    draft = propose({"pre": table})
    assert draft.group.control == ()
    assert "which label is the comparison group?" in render_study(draft)


def test_the_fixture_files_are_all_in_the_manifest():
    on_disk = {p.name for p in REAL.iterdir() if p.suffix in {".csv", ".xlsx"}}
    assert on_disk == set(MANIFEST)
