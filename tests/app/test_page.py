"""Each step of the page driven by Streamlit's AppTest (no browser): facts, uploads, the drafted
mapping and a bundled instrument, validation with match reviews, the run and its downloads,
the language switch and the delete button."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pipeline.app import runner
from pipeline.app.text import Words, all_texts
from pipeline.config import load_study
from pipeline.stages.ingest import ingest
from pipeline.stages.read import read_inputs
from pipeline.stages.validate import validate
from tests.app.conftest import FACTS, PAGE, demo_bytes

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _page() -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    return at.run()


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at: AppTest, key: str, language: str = "id"):
    label = Words(language)(key)
    return next(b for b in at.button if b.label == label)


def _facts(at: AppTest, **facts) -> AppTest:
    w = Words("id")
    for key, value in (FACTS | facts).items():
        next(t for t in at.text_input if t.label == w(f"fact_{key}")).input(value)
    return _ok(_button(at, "save_facts").click().run())


def _upload(at: AppTest, files: dict[str, tuple[str, bytes]]) -> AppTest:
    w = Words("id")
    for role, (name, data) in files.items():
        uploader = next(u for u in at.file_uploader if u.label == w(f"upload_{role}"))
        uploader.set_value((name, data, "text/csv"))
    at.run()
    return _ok(_button(at, "read_uploads").click().run())


DEMO_FILES = {"pre": ("pre.csv", demo_bytes("pre")), "post": ("post.csv", demo_bytes("post"))}


def test_step1_checks_the_facts_and_names_the_study_folder(project):
    at = _ok(_page())
    assert at.session_state["step"] == 1
    at = _facts(at, title="", partner="", place="", method="")
    assert at.session_state["step"] == 1
    assert any(Words("id")("fact_title") in warning.value for warning in at.warning)
    at = _facts(at)
    assert at.session_state["step"] == 2
    assert at.session_state["program_id"] == "bimbingan-karier-santri"
    assert not any(project.iterdir()), "step 1 writes nothing"


def test_step2_keeps_uploads_in_the_study_folder_only(project):
    at = _upload(_facts(_page()), DEMO_FILES)
    assert at.session_state["step"] == 3
    written = sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())
    assert written == [
        "data/raw/bimbingan-karier-santri/post.csv",
        "data/raw/bimbingan-karier-santri/pre.csv",
    ]


def test_a_broken_upload_gets_the_problem_table_not_a_traceback(project):
    at = _upload(_facts(_page()), {"pre": ("pre.csv", b"\n\n\n"), "post": DEMO_FILES["post"]})
    assert at.session_state["step"] == 2
    [table] = at.table
    shown = table.value
    w = Words("id")
    columns = ("file", "row", "column", "value", "expected", "message")
    assert list(shown.columns) == [w(f"col_{c}") for c in columns]
    assert shown[w("col_file")].tolist() == ["pre.csv"]
    assert "kosong" in shown[w("col_message")].iat[0]  # Indonesian by default


def test_step3_shows_the_draft_and_writes_a_study_that_loads(project):
    at = _upload(_facts(_page()), DEMO_FILES)
    grid = at.session_state["grid"]
    roles = grid.set_index("header")["role"]
    assert (roles == "item").sum() == 24
    assert roles["Nama Lengkap"] == "id" and roles["Kelompok"] == "group"
    assert roles["Nomor WhatsApp"] == "contact" and roles["Cap waktu"] == "timestamp"
    at = _ok(_button(at, "save_mapping").click().run())
    assert at.session_state["step"] == 4
    study = load_study(project / "data/raw/bimbingan-karier-santri/study.yaml")
    assert study.program.title == FACTS["title"]
    assert study.groups.treatment == ["Kelas Bimbingan Karier"]
    assert study.groups.control == ["Kelas Pembanding"]
    assert len(study.instrument_spec.items) == 24
    assert study.instrument == "codebook.yaml"


def test_choosing_a_bundled_instrument_fills_the_grid_in(project):
    at = _upload(_facts(_page()), DEMO_FILES)
    at.selectbox[0].select("career_awareness_planning").run()
    grid = _ok(at).session_state["grid"]
    items = grid[grid["role"].eq("item")]
    assert items["item_id"].tolist()[:3] == ["sk1", "sk2", "sk3"]
    assert items.set_index("item_id").loc["sk4", "reverse"]
    assert grid.loc[grid["role"].eq("attention_check"), "item_id"].tolist() == ["ac1"]
    at = _ok(_button(at, "save_mapping").click().run())
    study = load_study(project / "data/raw/bimbingan-karier-santri/study.yaml")
    assert study.instrument == "career_awareness_planning.yaml"
    assert [s.id for s in study.instrument_spec.scales][:1] == ["self_knowledge"]


def test_step4_validates_and_saves_match_decisions(project):
    post = demo_bytes("post").replace(b"Ahmad Wahyudi", b"Wahyudi A")  # scores 82: proposed
    at = _upload(_facts(_page()), {"pre": DEMO_FILES["pre"], "post": ("post.csv", post)})
    at = _ok(_button(at, "save_mapping").click().run())
    at = _ok(_button(at, "validate_button").click().run())
    checked = at.session_state["checked"]
    folder = project / "data/raw/bimbingan-karier-santri"
    study = load_study(folder / "study.yaml")
    cli = validate(ingest(read_inputs(study), study), study)  # what `pkm-eval validate` lists
    assert (
        (checked.n_input, checked.n_quarantined) == (cli.n_input, len(cli.quarantine)) == (120, 1)
    )
    assert checked.problems == cli.problems
    [shown] = at.table
    assert shown.value[Words("id")("col_row")].tolist() == [str(p.row) for p in cli.problems]
    pending = checked.pending
    assert len(pending) >= 1
    first = pending.index[0]
    at.radio(key=f"review_{first}").set_value("yes").run()
    at = _ok(_button(at, "save_decisions").click().run())
    saved = pd.read_csv(folder / "match_review.csv", keep_default_na=False)
    assert saved.loc[first, "decision"] == "yes"
    assert load_study(folder / "study.yaml").match_review == "match_review.csv"
    assert first not in at.session_state["checked"].pending.index


@pytest.mark.slow
def test_step5_runs_once_and_offers_the_downloads(project):
    at = _upload(_facts(_page()), DEMO_FILES)
    at = _ok(_button(at, "save_mapping").click().run())
    at = _ok(_button(at, "validate_button").click().run())
    at = _ok(_button(at, "to_run").click().run())
    at = _ok(_button(at, "run_button").click().run())
    study = project / "data/raw/bimbingan-karier-santri/study.yaml"
    job = runner.current(study)
    assert job is not None
    again = runner.start(
        study, processed_root=project / "data/processed", reports_root=project / "reports"
    )
    assert again is job, "a second click joins the run already going"
    job.thread.join(timeout=300)
    at = _ok(at.run())
    assert job.result is not None, job.problems
    assert job.started == list(runner.STAGES)
    labels = {b.label for b in at.get("download_button")}
    w = Words("id")
    for key in ("report", "funder_html", "funder_pdf", "funder_xlsx", "article", "archive"):
        assert w(f"download_{key}") in labels


def test_the_english_switch_changes_every_word(project):
    at = _ok(_page())
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == Words("en")("title")
    assert {t.label for t in at.text_input} >= {Words("en")("fact_title")}


def test_every_text_has_both_languages():
    for key, texts in all_texts().items():
        if key != "draft_reasons":
            assert set(texts) == {"id", "en"}, key
            assert all(texts.values()), key


def test_the_draft_reasons_read_in_indonesian(project):
    at = _upload(_facts(_page()), DEMO_FILES)
    reasons = set(at.session_state["grid"]["reason"])
    w = Words("id")
    assert {w.reason(r) for r in reasons} & set(reasons) == set(), "every reason translated"
    assert w.reason("24 distinct values") == "24 nilai berbeda"
    assert Words("en").reason("phone numbers") == "phone numbers"


def test_delete_removes_raw_data_bundle_and_reports(project):
    at = _upload(_facts(_page()), DEMO_FILES)
    for folder in ("data/processed", "reports"):
        (project / folder / "bimbingan-karier-santri").mkdir(parents=True)
        (project / folder / "bimbingan-karier-santri" / "x.csv").write_text("a")
    at.checkbox(key="delete_sure").check().run()
    at = _ok(_button(at, "delete_button").click().run())
    assert not list(project.rglob("*.csv"))
    assert at.session_state["step"] == 1


def test_a_try_out_wave_is_drafted_and_its_study_file_checked(project):
    at = _facts(_page())
    at.radio(key="design").set_value("tryout").run()
    at = _upload(at, {"tryout": DEMO_FILES["pre"]})
    assert at.session_state["step"] == 3
    assert at.session_state["draft"].waves == ("tryout",)
    at = _ok(_button(at, "save_mapping").click().run())
    folder = project / "data/raw/bimbingan-karier-santri"
    assert (folder / "tryout.csv").is_file() and (folder / "study.yaml").is_file()
    # The study file takes the single wave (`waves: {tryout: ...}`, no post-test placeholder)
    assert at.session_state["step"] == 4
    study = load_study(folder / "study.yaml")
    assert study.is_tryout and study.waves.named().keys() == {"tryout"}
    _ok(_button(at, "validate_button").click().run())


def test_every_role_and_arm_has_words():
    from pipeline.app.mapping import ARMS, ROLE_CHOICES

    for language in ("id", "en"):
        w = Words(language)
        assert all(w(f"role_{r}") for r in ROLE_CHOICES)
        assert all(w(f"arm_{a}") for a in ARMS)
