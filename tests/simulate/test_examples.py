"""The bundled example studies of a program's parts (pipeline/simulate/examples.py) and the
optional parts of a study: attendance, service log, aspirations, plan vs actual, CBPR cycle.
The design examples are tested in test_design_examples.py; every example's committed data are
checked here against a regeneration.

The slow tests run every example end to end (bundle and HTML report) once per module; the
fast ones check that the committed data are what the seeded generator writes, and that 3-point
and yes/no instruments go through the whole analysis.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.bundle.catalog import part_tables
from pipeline.config import load_study
from pipeline.errors import ConfigError
from pipeline.run import analyse, run_examples
from pipeline.simulate.examples import EXAMPLES_ROOT, PART_EXAMPLES, make_examples
from pipeline.simulate.survey import SimulationSpec, simulate_study

SECTIONS = {
    "pesantren": ["Proses pelaksanaan", "Manajemen: rencana dan capaian (POAC)"],
    "cbpr_children": [
        "Siklus CBPR",
        "Proses pelaksanaan",
        "Cita-cita",
        "Manajemen: rencana dan capaian (POAC)",
    ],
    "counseling_service": ["Process", "Service log", "Management: plan vs actual (POAC)"],
}
TABLES = {
    "pesantren": {"attendance_summary", "dose", "dose_response", "plan_vs_actual", "log_ledger"},
    "cbpr_children": {
        "attendance_summary",
        "dose_response",
        "aspirations_coded",
        "aspirations_levels",
        "aspirations_transition",
        "aspirations_isco",
        "aspirations_mcnemar",
        "cbpr_cycle",
        "plan_vs_actual",
    },
    "counseling_service": {
        "attendance_summary",
        "service_steps",
        "service_cases",
        "service_summary",
        "plan_vs_actual",
        "log_ledger",
    },
}


def test_committed_examples_equal_a_regeneration(tmp_path):
    make_examples(tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(EXAMPLES_ROOT) for p in EXAMPLES_ROOT.rglob("*") if p.is_file()
    )
    assert written == committed
    for name in written:
        assert (tmp_path / name).read_bytes() == (EXAMPLES_ROOT / name).read_bytes(), name


def test_a_study_without_optional_parts_declares_none():
    from tests.conftest import DEMO

    study = load_study(DEMO / "study.yaml")
    assert not study.declares_parts()
    assert study.attendance is study.service_log is study.plan is study.cbpr is None


def test_achieved_with_an_unknown_key_is_a_config_problem(tmp_path):
    import shutil

    shutil.copytree(EXAMPLES_ROOT / "pesantren", tmp_path / "s")
    path = tmp_path / "s" / "study.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["achieved"]["facilitatorz"] = 3
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(ConfigError) as error:
        analyse(load_study(path))
    assert error.value.problems[0].column == "achieved.facilitatorz"


def test_cbpr_stage_with_an_unknown_key_is_refused(tmp_path):
    import shutil

    shutil.copytree(EXAMPLES_ROOT / "cbpr_children", tmp_path / "s")
    path = tmp_path / "s" / "study.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["cbpr"]["agenda_set"]["decision"] = "misspelt key"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(ConfigError) as error:
        load_study(path)
    assert error.value.problems[0].column == "cbpr.agenda_set.decision"


def _short_instrument(folder: Path, low: int, high: int, labels: list[str]) -> str:
    items = [{"id": f"q{i}", "text": {"id": f"Pernyataan nomor {i}.", "en": f"Statement {i}."}}
             for i in range(1, 7)]  # fmt: skip
    items[-1]["reverse"] = True
    codebook = {
        "id": f"short_{low}_{high}",
        "title": {"id": "Skala pendek", "en": "Short scale"},
        "response_scale": {
            "min": low,
            "max": high,
            "labels": {low + k: {"id": t, "en": t} for k, t in enumerate(labels)},
        },
        "items": items,
        "scales": [
            {"id": "a", "name": {"id": "A", "en": "A"}, "items": ["q1", "q2", "q3"]},
            {"id": "b", "name": {"id": "B", "en": "B"}, "items": ["q4", "q5", "q6"]},
        ],
        "total_scale": {"id": "total", "name": {"id": "Total", "en": "Total"},
                        "items": [i["id"] for i in items]},
    }  # fmt: skip
    path = folder / "instrument.yaml"
    path.write_text(yaml.safe_dump(codebook, allow_unicode=True), "utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("low", "high", "labels"),
    [(1, 3, ["Tidak", "Kadang-kadang", "Ya"]), (0, 1, ["Tidak", "Ya"])],
    ids=["faces-1-3", "yes-no-0-1"],
)
def test_three_point_and_yes_no_scales_run_through_the_analysis(tmp_path, low, high, labels):
    from pipeline.config import load_instrument
    from pipeline.simulate.survey import study_yaml

    instrument_path = _short_instrument(tmp_path, low, high, labels)
    spec = SimulationSpec(n_treatment=40, n_control=0, effect=0.6, seed=7, careless=0)
    for wave, frame in simulate_study(load_instrument(instrument_path), spec).items():
        frame.to_csv(tmp_path / f"{wave}.csv", index=False)
    program = {"id": "short", "title": "t", "partner": "p", "place": "x", "method": "m",
               "start_date": "2026-07-06", "end_date": "2026-08-20", "funder": "f",
               "participants": "p"}  # fmt: skip
    text = study_yaml(program=program, spec=spec, with_groups=False, instrument=instrument_path)
    (tmp_path / "study.yaml").write_text(text, "utf-8")
    analysis = analyse(load_study(tmp_path / "study.yaml"))
    scores = analysis.scored.scores.dropna(subset=["mean"])
    assert scores["mean"].between(low, high).all()
    assert scores["pomp"].between(0, 100).all()
    answers = analysis.scored.keyed[["q1", "q6"]].stack().dropna()
    assert set(answers.unique()) <= {*range(low, high + 1)}
    tests = analysis.compared.tests
    assert {"paired t", "Wilcoxon signed-rank"} <= set(tests["test"])
    total = tests[(tests["outcome"] == "total") & (tests["test"] == "paired t")].iloc[0]
    assert total["estimate"] > 0 and np.isfinite(total["p_value"])
    assert analysis.scored.gain_summary["g_class"].notna().all()
    schemes = analysis.scored.category_schemes
    hypothetical = schemes[(schemes["scale"] == "total") & schemes["scheme"].str.startswith("hyp")]
    # Azwar's hypothetical norm of a sum over 6 items: mean 6 (low + high) / 2
    assert hypothetical["norm_mean"].iat[0] == pytest.approx(6 * (low + high) / 2)


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    results = run_examples(folder / "p", folder / "r", names=PART_EXAMPLES)
    return dict(zip(PART_EXAMPLES, results, strict=True)), folder


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PART_EXAMPLES))
def test_each_example_bundle_holds_its_tables(ran, name):
    results, _ = ran
    bundle_dir = results[name].bundle_dir
    facts = json.loads((bundle_dir / "results.json").read_text("utf-8"))["extras"]
    assert TABLES[name] <= set(facts["tables"])
    assert set(facts["tables"]) <= set(part_tables())
    for table in facts["tables"]:
        assert (bundle_dir / f"{table}.parquet").exists() and (bundle_dir / f"{table}.csv").exists()
    assert set(facts["personal_tables"]) <= set(part_tables(personal=True))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PART_EXAMPLES))
def test_each_report_shows_its_sections(ran, name):
    results, _ = ran
    html = results[name].report_path.read_text("utf-8")
    for heading in SECTIONS[name]:
        assert heading in html, heading


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PART_EXAMPLES))
def test_plan_vs_actual_says_what_was_met_and_not(ran, name):
    results, _ = ran
    plan = pd.read_parquet(results[name].bundle_dir / "plan_vs_actual.parquet")
    assert set(plan["pillar"]) == {"plan", "organize", "actuate", "control"}
    met = plan["met"].map(lambda m: None if pd.isna(m) else bool(m))
    assert (met == True).any() and (met == False).any()  # noqa: E712
    html = results[name].report_path.read_text("utf-8")
    assert ("belum tercapai" in html) if name != "counseling_service" else ("not met" in html)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PART_EXAMPLES))
def test_every_input_row_is_accounted_for(ran, name):
    results, _ = ran
    bundle_dir = results[name].bundle_dir
    source = EXAMPLES_ROOT / name
    ledger = pd.read_parquet(bundle_dir / "ledger.parquet")
    for wave in ("pre", "post"):
        rows = len(pd.read_csv(source / f"{wave}.csv", dtype=str, keep_default_na=False))
        assert (ledger["wave"] == wave).sum() == rows
    logs = pd.read_parquet(bundle_dir / "log_ledger.parquet")
    for file in logs["file"].unique():
        rows = len(pd.read_csv(source / file, dtype=str, keep_default_na=False))
        mine = logs[logs["file"] == file]
        assert len(mine) == rows and mine["source_row"].is_unique
        assert set(mine["status"]) <= {"used", "problem", "blank"}
        problems = mine[mine["status"] == "problem"]
        assert problems["reason"].str.len().gt(0).all()


@pytest.mark.slow
def test_log_problems_reach_the_bundle_without_names(ran):
    results, _ = ran
    problems = pd.read_csv(results["counseling_service"].bundle_dir / "problems.csv")
    assert (problems["file"] == "service_log.csv").any()
    problems = pd.read_csv(results["pesantren"].bundle_dir / "problems.csv")
    attendance = problems[problems["file"] == "attendance.csv"]
    assert len(attendance) == 1  # the name in the bad cell is masked by its kind and length
    assert attendance["value"].str.fullmatch(r"a text of \d+ characters|.*withheld.*").all()


@pytest.mark.slow
def test_aspirations_section_numbers_equal_the_bundle(ran):
    results, _ = ran
    bundle_dir = results["cbpr_children"].bundle_dir
    mcnemar = pd.read_parquet(bundle_dir / "aspirations_mcnemar.parquet").set_index("statistic")
    coded = pd.read_parquet(bundle_dir / "aspirations_coded.parquet")
    assert "raw" not in coded and "normalized" not in coded  # answers as written stay out
    assert (bundle_dir / "aspirations_review.csv").exists()
    html = results["cbpr_children"].report_path.read_text("utf-8")
    from pipeline.reports.words import fmt_p

    assert fmt_p(mcnemar.at["p_value", "value"], "id") in html
    assert "binomial eksak" in html or "khi-kuadrat" in html


@pytest.mark.slow
def test_no_raw_name_phone_or_answer_in_any_report(ran):
    results, folder = ran
    for name in PART_EXAMPLES:
        source = EXAMPLES_ROOT / name
        raw = pd.concat([pd.read_csv(source / f"{w}.csv", dtype=str) for w in ("pre", "post")])
        columns = [c for c in ("Nama Lengkap", "Nomor WhatsApp", "NIM") if c in raw]
        secrets = {v.strip().casefold() for c in columns for v in raw[c].dropna() if v.strip()}
        for log in ("attendance.csv",):
            frame = pd.read_csv(source / log, dtype=str)
            id_column = frame.columns[2]
            secrets |= {v.strip().casefold() for v in frame[id_column].dropna() if v.strip()}
        report_dir = folder / "r" / results[name].analysis.study.program.id
        files = [f for f in report_dir.rglob("*") if f.suffix in {".html", ".md", ".csv", ".txt"}]
        assert files
        for file in files:
            text = file.read_text("utf-8", errors="ignore").casefold()
            assert not [s for s in secrets if s in text], (name, file.name)


@pytest.mark.slow
def test_funder_summary_carries_each_examples_program_indicators(ran):
    from pipeline.bundle.read import load_bundle
    from pipeline.reports import notebook as p
    from pipeline.reports import summary

    results, _ = ran
    seen = {}
    for name, result in results.items():
        bundle = load_bundle(result.bundle_dir)
        table = summary.indicators(bundle, "en").set_index("indicator")
        extras = p.parts(bundle)
        seen[name] = table
        if "attendance_summary" in extras:
            a = extras["attendance_summary"].set_index("statistic")["value"]
            row = table.loc["Participants who completed the activities (attendance log)"]
            assert row["value"] == pytest.approx(a["completed_share"], abs=1e-12)  # a share
            assert row["detail"].startswith(f"{int(a['completed'])} / {int(a['enrolled'])}")
        if "service_summary" in extras:
            sv = extras["service_summary"].iloc[0]
            row = table.loc["Service cases finished within the time standards"]
            assert row["value"] == pytest.approx(sv["share_within"], abs=1e-12)
            assert sv["bottleneck"] in row["detail"]
        pillars = bundle.results["extras"]["plan"]["pillars"]
        met = sum(v["met"] for v in pillars.values())
        total = sum(v["targets"] for v in pillars.values())
        assert table.loc["Planned targets met", "value"] == met
        assert table.loc["Planned targets met", "detail"].startswith(f"of {total}")
    m = pd.read_parquet(results["cbpr_children"].bundle_dir / "aspirations_mcnemar.parquet")
    m = m[m["group"] == "all"].set_index("statistic")
    label = "Participants naming an occupation they aspire to"
    before, after = (seen["cbpr_children"].loc[f"{label}: {w}"] for w in ("pre", "post"))
    assert before["value"] == pytest.approx(m["p_pre"].iloc[0], abs=1e-12)
    assert after["value"] == pytest.approx(m["p_post"].iloc[0], abs=1e-12)
    assert f"n = {int(m[['a', 'b', 'c', 'd']].iloc[0].sum())}" in after["detail"]
    assert "Service cases" not in " ".join(seen["pesantren"].index)


def _copy_example(tmp_path, name):
    import shutil

    folder = tmp_path / name
    shutil.copytree(EXAMPLES_ROOT / name, folder)
    return folder


def test_attendance_under_the_post_test_spelling_counts_the_same_participant(tmp_path):
    # A name matched fuzzily across the waves may appear in the log as either wave spelt it;
    # it once counted as two people and crashed the dose-response (duplicate codes).
    folder = _copy_example(tmp_path, "pesantren")
    before = analyse(load_study(folder / "study.yaml"))
    key = before.cleaned.key
    spelt = key.pivot_table(
        index="participant_code", columns="wave", values="participant", aggfunc="first"
    ).dropna()
    differ = spelt[spelt["pre"] != spelt["post"]]
    assert len(differ), "the example needs a participant spelt differently in the waves"
    code, pre_name, post_name = differ.index[0], differ["pre"].iat[0], differ["post"].iat[0]
    log = folder / "attendance.csv"
    lines = log.read_text("utf-8").splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if f",{pre_name}," in line)
    lines[row] = lines[row].replace(f",{pre_name},", f",{post_name},")
    log.write_text("".join(lines), encoding="utf-8")

    after = analyse(load_study(folder / "study.yaml"))
    dose = after.parts.tables["dose"]
    assert dose["participant_code"].dropna().is_unique
    old = before.parts.tables["dose"].set_index("participant_code")
    new = dose.set_index("participant_code")
    assert new.at[code, "sessions_attended"] == old.at[code, "sessions_attended"]
    pd.testing.assert_frame_equal(
        before.parts.tables["attendance_summary"], after.parts.tables["attendance_summary"]
    )
    warned = [p for p in after.parts.problems if p.file == "attendance.csv"]
    assert len(warned) == len([p for p in before.parts.problems if p.file == "attendance.csv"])


def test_log_problems_withhold_ids_whatever_the_headers_case(tmp_path):
    from pipeline.config import Limits
    from pipeline.config.parts import AttendanceLog
    from pipeline.program.attendance import attendance_records
    from pipeline.program.parts import withhold_identity as _withhold_identity
    from pipeline.stages.read import read_log

    (tmp_path / "a.csv").write_text(
        "Pertemuan,Nama Anak,Hadir\n1,Budi Santoso,hadir\n1,Budi Santoso,hadir\n", "utf-8"
    )
    cfg = AttendanceLog(
        file="a.csv", session_column="Pertemuan", id_column="nama  anak", present_column="Hadir"
    )
    log = attendance_records(read_log(cfg, tmp_path, Limits()), cfg)
    duplicate = [p for p in log.problems if p.row == 3]
    assert duplicate and duplicate[0].column == "Nama Anak"
    shown = _withhold_identity(duplicate[0], cfg.id_column)
    assert "Budi" not in str(shown.value) and "Budi" not in shown.message("en")


def test_service_log_without_a_usable_case_is_reported_not_fatal(tmp_path):
    folder = _copy_example(tmp_path, "counseling_service")
    header = (folder / "service_log.csv").read_text("utf-8").splitlines()[0]
    case = "Budi Santoso 21010123"
    (folder / "service_log.csv").write_text(
        f"{header}\n{case},xx,yy,zz,ww,vv\n{case},xx,yy,zz,ww,vv\n", encoding="utf-8"
    )
    from pipeline.bundle.read import load_bundle
    from pipeline.reports import summary as funder
    from pipeline.run import run_study

    result = run_study(folder / "study.yaml", processed_root=tmp_path / "p", render_report=False)
    analysis = result.analysis
    summary = analysis.parts.tables["service_summary"]
    assert int(summary["n"].iat[0]) == 0 and summary["share_within"].isna().all()
    problems = [p for p in analysis.parts.problems if p.file == "service_log.csv"]
    assert any(p.row == 3 and p.column == "No. Kasus" for p in problems)  # the repeated case
    assert all("Budi" not in p.message("en") for p in problems)
    shown = funder.indicators(load_bundle(result.bundle_dir), "en").set_index("indicator")
    # no case finished: the share is missing (an empty cell in the workbook), not zero
    assert pd.isna(shown.loc["Service cases finished within the time standards", "value"])


def test_aspiration_interval_follows_the_studys_ci_level(tmp_path):
    folder = _copy_example(tmp_path, "cbpr_children")
    base = analyse(load_study(folder / "study.yaml")).parts.tables["aspirations_mcnemar"]
    study = yaml.safe_load((folder / "study.yaml").read_text("utf-8"))
    study.setdefault("analysis", {})["ci_level"] = 0.90
    (folder / "study.yaml").write_text(yaml.safe_dump(study, allow_unicode=True), "utf-8")
    narrow = analyse(load_study(folder / "study.yaml")).parts.tables["aspirations_mcnemar"]
    wide_row = base.set_index("statistic").loc["difference"]
    narrow_row = narrow.set_index("statistic").loc["difference"]
    assert wide_row["level"] == 0.95 and narrow_row["level"] == 0.90
    assert wide_row["ci_low"] < narrow_row["ci_low"] < narrow_row["ci_high"] < wide_row["ci_high"]


def test_a_target_without_data_is_not_labelled_as_measured(tmp_path):
    folder = _copy_example(tmp_path, "pesantren")
    study = yaml.safe_load((folder / "study.yaml").read_text("utf-8"))
    del study["attendance"]  # the sessions and completion targets lose their data
    (folder / "study.yaml").write_text(yaml.safe_dump(study, allow_unicode=True), "utf-8")
    table = analyse(load_study(folder / "study.yaml")).parts.tables["plan_vs_actual"]
    unmeasured = table[table["actual"].isna()]
    assert len(unmeasured) and unmeasured["source"].eq("").all()
    assert table.loc[table["source"].eq("data"), "actual"].notna().all()
