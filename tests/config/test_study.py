"""Configuration errors reach the user as messages naming the file, key, value and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import builtin_instrument_path, load_instrument, load_study
from pipeline.errors import ConfigError


def _edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def _messages(error: ConfigError, language: str = "en") -> list[str]:
    return [p.message(language) for p in error.problems]


def test_bundled_instrument_meets_its_promises():
    instrument = load_instrument("builtin:career_awareness_planning")
    assert len(instrument.scales) >= 4
    assert len(instrument.items) >= 20
    assert sum(item.reverse for item in instrument.items) >= 4
    assert instrument.response_scale.codes == [1, 2, 3, 4, 5]
    assert all(scale.items for scale in instrument.scales)


def test_demo_study_loads(demo_copy):
    study = load_study(demo_copy)
    assert study.program.id == "demo"
    assert study.groups is not None and study.groups.control


def test_missing_key_is_named(demo_copy):
    _edit_yaml(demo_copy, lambda d: d["program"].pop("title"))
    with pytest.raises(ConfigError) as caught:
        load_study(demo_copy)
    assert _messages(caught.value) == [
        f"Key 'program.title' is missing in {demo_copy}; it is required."
    ]
    assert "Kunci 'program.title' tidak ada" in _messages(caught.value, "id")[0]


def test_wrong_type_names_value_and_expectation(demo_copy):
    _edit_yaml(demo_copy, lambda d: d["analysis"].update(min_answered_share="most"))
    with pytest.raises(ConfigError) as caught:
        load_study(demo_copy)
    (message,) = _messages(caught.value)
    assert message == (
        f"Value 'most' at key 'analysis.min_answered_share' in {demo_copy} is invalid; "
        "expected Input should be a valid number, unable to parse string as a number."
    )


def test_misspelt_key_is_reported_not_ignored(demo_copy):
    _edit_yaml(demo_copy, lambda d: d.update(wave=d["waves"]))
    with pytest.raises(ConfigError) as caught:
        load_study(demo_copy)
    assert any("Key 'wave' in" in m and "not a known key" in m for m in _messages(caught.value))


def test_scale_item_absent_from_codebook(tmp_path, demo_copy):
    codebook = tmp_path / "codebook.yaml"
    data = yaml.safe_load(builtin_instrument_path("career_awareness_planning").read_text("utf-8"))
    data["scales"][0]["items"].append("sk99")
    codebook.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    _edit_yaml(demo_copy, lambda d: d.update(instrument=str(codebook)))
    with pytest.raises(ConfigError) as caught:
        load_study(demo_copy)
    (message,) = _messages(caught.value)
    assert message == (
        f"The content of key 'scales' in {codebook} is inconsistent: scale "
        f"'{data['scales'][0]['id']}' lists item(s) sk99 that the codebook does not define "
        "under 'items'."
    )


def test_missing_study_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_study(tmp_path / "nope.yaml")
    assert _messages(caught.value) == [
        f"File {tmp_path / 'nope.yaml'} was not found; expected an existing study file."
    ]


def test_not_yaml_names_the_line(tmp_path):
    bad = tmp_path / "study.yaml"
    bad.write_text("program:\n  id: demo\n  title: [unclosed\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_study(bad)
    assert "is not valid YAML (line" in _messages(caught.value)[0]


def test_unknown_group_label_in_data_is_named(demo_copy):
    pre = demo_copy.parent / "pre.csv"
    lines = pre.read_text("utf-8").splitlines()
    lines[3] = (
        lines[3]
        .replace("Kelas Pembanding", "Kelas Pembandingg")
        .replace("Kelas Bimbingan Karier", "Kelas Pembandingg")
    )
    pre.write_text("\n".join(lines) + "\n", "utf-8")
    result = CliRunner().invoke(app, ["validate", str(demo_copy)])
    assert result.exit_code == 0  # one bad row is quarantined, not fatal
    study = load_study(demo_copy)
    from pipeline.stages.ingest import ingest
    from pipeline.stages.read import read_inputs
    from pipeline.stages.validate import validate

    validated = validate(ingest(read_inputs(study), study), study)
    messages = [p.message("en") for p in validated.problems if p.code == "group_unknown"]
    assert messages == [
        "Group 'Kelas Pembandingg' in pre.csv, row 4, column 'Kelompok' is not a declared "
        "group; expected one of 'Kelas Bimbingan Karier', 'Kelas Pembanding'."
    ]
    assert 4 in set(validated.quarantine["source_row"])


def test_cli_exit_codes(demo_copy, tmp_path):
    runner = CliRunner()
    _edit_yaml(demo_copy, lambda d: d["program"].pop("title"))
    bad = runner.invoke(app, ["validate", str(demo_copy)])
    assert bad.exit_code == 1
    assert "program.title" in bad.output
    usage = runner.invoke(app, ["run"])
    assert usage.exit_code == 2


def test_instrument_documentation_lists_every_item():
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "instrument.md").read_text("utf-8")
    instrument = load_instrument("builtin:career_awareness_planning")
    for item in instrument.items:
        assert item.text.id in doc and item.text.en in doc, item.id


@pytest.mark.parametrize(
    ("section", "key", "value", "instead"),
    [
        ("targets", "sessions", 4, "plan.plan.sessions"),
        ("targets", "completion_rate", 0.8, "plan.actuate.completion_share"),
        ("report", "formats", ["html"], "every run writes"),
    ],
)
def test_a_removed_key_is_named_with_its_replacement(demo_copy, section, key, value, instead):
    import yaml

    data = yaml.safe_load(demo_copy.read_text("utf-8"))
    data.setdefault(section, {})[key] = value
    demo_copy.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_study(demo_copy)
    (problem,) = caught.value.problems
    assert (problem.code, problem.column) == ("config_key_removed", f"{section}.{key}")
    assert instead in problem.message("en")
    assert "tidak dipakai lagi" in problem.message("id")


def test_the_headline_effect_follows_the_design_unless_declared(demo_copy):
    assert load_study(demo_copy).primary_effect() == "ancova"  # a control arm: ANCOVA
    _edit_yaml(demo_copy, lambda d: d.pop("groups"))
    assert load_study(demo_copy).primary_effect() == "d_z"  # one group: d_z
    _edit_yaml(demo_copy, lambda d: d["analysis"].update(primary_effect="g_av"))
    assert load_study(demo_copy).primary_effect() == "g_av"


def test_an_unknown_headline_effect_is_named(demo_copy):
    _edit_yaml(demo_copy, lambda d: d["analysis"].update(primary_effect="cohen_d"))
    with pytest.raises(ConfigError) as caught:
        load_study(demo_copy)
    (message,) = _messages(caught.value)
    assert message == (
        f"Value 'cohen_d' at key 'analysis.primary_effect' in {demo_copy} is invalid; expected "
        "Input should be 'auto', 'd_z', 'd_av', 'g_av', 'rank_biserial' or 'ancova'."
    )


def test_ancova_without_a_control_arm_is_refused(demo_copy):
    def one_group_ancova(data):
        data.pop("groups")
        data["analysis"]["primary_effect"] = "ancova"

    _edit_yaml(demo_copy, one_group_ancova)
    with pytest.raises(ConfigError) as caught:
        load_study(demo_copy)
    (message,) = _messages(caught.value)
    assert f"key 'analysis' in {demo_copy}" in message
    assert "primary_effect 'ancova' needs a control arm" in message


def test_ancova_with_broken_groups_names_only_the_groups(demo_copy):
    # the groups' own error says what is wrong; "needs a control arm" would mislead
    def broken(data):
        data["groups"]["unknown_key"] = 1
        data["analysis"]["primary_effect"] = "ancova"

    _edit_yaml(demo_copy, broken)
    with pytest.raises(ConfigError) as caught:
        load_study(demo_copy)
    messages = _messages(caught.value)
    assert any("unknown_key" in m for m in messages), messages
    assert not any("needs a control arm" in m for m in messages), messages
