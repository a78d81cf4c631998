"""YAML from a user is read safely: bombs, deep nesting, repeated keys, impossible dates and
oversized files give located problems within a memory bound, never a traceback."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import load_instrument, load_study
from pipeline.config.safe_yaml import MAX_BYTES
from pipeline.errors import ConfigError
from tests.bounded import PEAK_LIMIT_MB, run_bounded


def _laughs(width: int, depth: int) -> str:
    """The billion-laughs alias bomb: each level lists the previous one ``width`` times."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, depth):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _messages(error: ConfigError) -> str:
    return " | ".join(p.message("en") for p in error.problems)


def _study_text(demo_copy: Path) -> str:
    return demo_copy.read_text("utf-8")


@pytest.mark.parametrize("where", ["unknown_key", "title"])
def test_a_billion_laughs_is_refused_within_a_memory_bound(demo_copy, where):
    bomb = _laughs(9, 9)  # 9**9 = 387 million strings once expanded
    text = _study_text(demo_copy)
    if where == "unknown_key":
        text = bomb.replace("l8:", "extra_bomb:", 1) + text
    else:
        text = bomb + text.replace('  title: "', '  title: *l8\n  subtitle: "', 1)
    demo_copy.write_text(text, "utf-8")
    outcome = run_bounded(
        f"""
        from pipeline.config import load_study
        load_study({str(demo_copy)!r})
        """
    )
    assert outcome["error"] is None, outcome
    assert any("values once expanded" in m for m in outcome["problems"]), outcome
    assert outcome["peak_mb"] < PEAK_LIMIT_MB


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("x: " + "[" * 3000 + "]" * 3000 + "\n", "line 1"),
        ("x: " + "[" * 100_000 + "\n", "line 1"),
        ("".join(" " * i + f"k{i}:\n" for i in range(1000)) + " " * 1000 + "v: 1\n", "line"),
    ],
    ids=["flow_3000_levels", "100000_brackets", "block_1000_levels"],
)
def test_deep_nesting_is_a_located_problem_not_a_recursion_error(tmp_path, text, found):
    path = tmp_path / "study.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_study(path)
    assert found in _messages(caught.value)


@pytest.mark.parametrize(
    ("section", "key", "value"), [("program", "id", "other"), ("waves", "pre", "post.csv")]
)
def test_a_repeated_key_names_both_lines(demo_copy, section, key, value):
    lines = demo_copy.read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{section}:"))
    first = next(i for i in range(at, len(lines)) if lines[i].lstrip().startswith(f"{key}:"))
    lines.insert(first + 1, f"  {key}: {value}")
    demo_copy.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_study(demo_copy)
    message = _messages(caught.value)
    assert f"Key '{section}.{key}' appears twice" in message
    assert f"lines {first + 1} and {first + 2}" in message


def test_a_date_that_does_not_exist_names_its_key(demo_copy):
    text = _study_text(demo_copy).replace("start_date: 2026-07-06", "start_date: 2026-13-45")
    demo_copy.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_study(demo_copy)
    message = _messages(caught.value)
    assert "'2026-13-45' at key 'program.start_date'" in message


def test_an_oversized_file_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text("x: '" + "a" * (MAX_BYTES + 10) + "'\n", "utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError) as caught:
            load_study(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "too large for a configuration file" in _messages(caught.value)
    assert peak < 3 * MAX_BYTES  # read up to the limit, never parsed


def test_an_alias_that_contains_itself_is_refused(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text("program: &p {id: x, again: *p}\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_study(path)
    assert "contains itself" in _messages(caught.value)


def test_a_300_character_program_id_is_a_clear_error(demo_copy, tmp_path):
    from pipeline import run_study

    text = _study_text(demo_copy).replace("id: demo ", "id: " + "a" * 300 + " ", 1)
    demo_copy.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        run_study(demo_copy, processed_root=tmp_path / "p", render_report=False)
    assert "program.id" in _messages(caught.value)
    assert "at most 64 characters" in _messages(caught.value)


def test_a_study_cannot_take_the_portfolio_folder_name(demo_copy):
    text = _study_text(demo_copy).replace("id: demo ", "id: portfolio-examples ", 1)
    demo_copy.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_study(demo_copy)
    assert "portfolio-" in _messages(caught.value)


def test_codebooks_and_dictionaries_use_the_same_loader(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text("id: a\nid: b\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_instrument(str(path))
    assert "appears twice" in _messages(caught.value)
    from pipeline.program.aspiration_dictionary import load_dictionary

    path.write_text(_laughs(9, 9), "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_dictionary(path)
    assert "values once expanded" in _messages(caught.value)


def test_the_portfolio_reads_program_ids_with_the_safe_loader(tmp_path):
    from pipeline.portfolio.discover import duplicate_ids

    bomb = tmp_path / "a" / "study.yaml"
    bomb.parent.mkdir()
    bomb.write_text(_laughs(9, 9) + "program: {id: *l8}\n", "utf-8")
    tracemalloc.start()
    try:
        assert duplicate_ids([bomb, bomb]) == {}
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


@st.composite
def bombs(draw) -> str:
    """Alias bombs of random width and depth, placed under a random key of a study file."""
    width = draw(st.integers(2, 40))
    depth = draw(st.integers(2, 12))
    place = draw(st.sampled_from(["top", "program", "list"]))
    bomb = _laughs(width, depth)
    last = f"*l{depth - 1}"
    if place == "top":
        return bomb + f"extra: {last}\n"
    if place == "program":
        return bomb + f"program:\n  id: x\n  title: {last}\n"
    return bomb + f"demographics:\n  - {last}\n  - {last}\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bombs())
def test_any_alias_bomb_is_loaded_or_refused_within_a_memory_bound(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("bomb") / "study.yaml"
    path.write_text(text, "utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError):
            load_study(path)  # refused as a bomb, or as an invalid study: never expanded
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 256 << 20


def test_ordinary_anchors_still_work(demo_copy):
    data = yaml.safe_load(_study_text(demo_copy))
    text = _study_text(demo_copy).replace(
        '  treatment: ["Kelas Bimbingan Karier"]', '  treatment: &t ["Kelas Bimbingan Karier"]'
    )
    demo_copy.write_text(text + "\nextra_note_for_people: *t\n", "utf-8")
    with pytest.raises(ConfigError) as caught:  # an unknown key is still refused...
        load_study(demo_copy)
    assert "extra_note_for_people" in _messages(caught.value)
    demo_copy.write_text(text, "utf-8")  # ...while the anchor itself loads
    assert load_study(demo_copy).groups.treatment == data["groups"]["treatment"]
