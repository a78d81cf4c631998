"""Bundle writes are all-or-nothing, and a file system that refuses gives a clear error: a
killed run leaves the previous bundle whole (every table from one run) and no temporary files
after the next start; a read-only folder, a full disk or a name too long is named with its
remedy, exit 1, and what was there before is unchanged."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.bundle import files
from pipeline.bundle.read import load_bundle
from pipeline.errors import OutputError

ROOT = Path(__file__).resolve().parents[2]


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _grow(study: Path) -> None:
    """A second export with more rows, so two runs' tables differ in length."""
    pre = study.parent / "pre.csv"
    lines = pre.read_text("utf-8").splitlines()
    extra = [line.replace(",", "x,", 1).replace(",", "-baru,", 1) for line in lines[1:11]]
    pre.write_text("\n".join([*lines, *extra]) + "\n", "utf-8")


def _kill_after(study: Path, processed: Path, tables: int) -> int:
    """Run the study in a child that dies (as if killed) after writing ``tables`` tables."""
    script = textwrap.dedent(
        f"""
        import os
        from pipeline.bundle import files
        from pipeline import run_study
        written = []
        original = files.write_table
        def dying(folder, name, frame):
            if len(written) == {tables}:
                os._exit(9)
            written.append(name)
            original(folder, name, frame)
        files.write_table = dying
        run_study({str(study)!r}, processed_root={str(processed)!r}, render_report=False)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env).returncode


def _one_run(bundle) -> None:
    """Every table of the bundle belongs to the run its results describe."""
    flow = bundle.results["flow"]
    assert len(bundle["ledger"]) == flow["input_rows"]
    assert int(bundle["sources"]["rows"].sum()) == flow["input_rows"]
    assert bundle["ledger"]["outcome"].value_counts().to_dict() == flow["outcomes"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The demo study run once: its folder and its processed root, copied by each test."""
    import shutil

    from pipeline import run_study
    from tests.conftest import DEMO

    root = tmp_path_factory.mktemp("run")
    shutil.copytree(DEMO, root / "demo")
    run_study(root / "demo" / "study.yaml", processed_root=root / "p", render_report=False)
    return root


@pytest.fixture
def ran(demo_run, tmp_path):
    """A private copy of the demo study and of its processed folder after one run."""
    import shutil

    shutil.copytree(demo_run / "demo", tmp_path / "demo")
    shutil.copytree(demo_run / "p", tmp_path / "p")
    return tmp_path / "demo" / "study.yaml", tmp_path / "p"


@pytest.mark.parametrize("tables", [1, 15])
def test_a_run_killed_in_the_bundle_leaves_the_previous_bundle_whole(ran, tables):
    from pipeline import run_study

    demo_copy, processed = ran
    folder = processed / "demo"
    before = _hashes(folder)
    rows_before = load_bundle(folder).results["flow"]["input_rows"]
    _grow(demo_copy)
    assert _kill_after(demo_copy, processed, tables) == 9
    assert _hashes(folder) == before  # untouched: no table of the killed run
    _one_run(load_bundle(folder))
    again = run_study(demo_copy, processed_root=processed, render_report=False)
    bundle = load_bundle(again.bundle_dir)
    _one_run(bundle)
    assert bundle.results["flow"]["input_rows"] > rows_before
    leftovers = [p.name for p in processed.rglob("*") if p.name.startswith(".")]
    assert leftovers == [], "the next run clears a killed run's temporary files"


def test_a_swap_cut_between_its_renames_is_undone_at_the_next_start(tmp_path):
    target = tmp_path / "study"
    with files.staged_folder(target) as staging:
        files.write_json(staging / "status.json", {"status": "complete", "run": 1})
    retired = tmp_path / ".study.old-999999999-deadbeef"  # a process that no longer exists
    os.replace(target, retired)
    (tmp_path / ".study.new-999999999-cafe0000").mkdir()  # its half-written staging folder
    with files.staged_folder(target) as staging:
        assert (target / "status.json").read_text("utf-8").count('"run": 1')  # restored first
        files.write_json(staging / "status.json", {"status": "complete", "run": 2})
    assert '"run": 2' in (target / "status.json").read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study"]


def test_a_running_writers_staging_folder_is_left_alone(tmp_path):
    target = tmp_path / "study"
    alive = tmp_path / f".study.new-{os.getpid()}-0badf00d"  # this process: still writing
    alive.mkdir()
    with files.staged_folder(target) as staging:
        files.write_json(staging / "status.json", {"status": "complete"})
    assert alive.is_dir()


def test_the_fallback_for_a_folder_in_use_never_leaves_it_looking_complete(tmp_path, monkeypatch):
    """Windows cannot rename a folder with an open file: files move in one by one, and a stop
    part-way leaves a status the loader refuses."""
    target = tmp_path / "study"
    with files.staged_folder(target) as staging:
        files.write_json(staging / "status.json", {"status": "complete"})
        files.write_json(staging / "a.json", {"run": 1})
    real_replace = os.replace

    def in_use(source, destination):
        if Path(source) == target:
            raise PermissionError(errno.EACCES, "in use", str(source))
        if Path(destination) == target / "b.json":
            raise KeyboardInterrupt  # stopped part-way through the moves
        return real_replace(source, destination)

    monkeypatch.setattr(os, "replace", in_use)
    with pytest.raises(KeyboardInterrupt), files.staged_folder(target) as staging:
        files.write_json(staging / "status.json", {"status": "complete"})
        files.write_json(staging / "a.json", {"run": 2})
        files.write_json(staging / "b.json", {"run": 2})
    assert '"incomplete"' in (target / "status.json").read_text("utf-8")


# --------------------------------------------------------------------------- refusals


@pytest.fixture
def refusing(monkeypatch):
    """Make the file system refuse every write under a folder with an error number."""

    def refuse(folder: Path, number: int) -> None:
        folder = folder.resolve()

        def guard(function):
            def guarded(path, *args, **kwargs):
                if Path(os.fsdecode(path)).resolve().is_relative_to(folder):
                    raise OSError(number, os.strerror(number), os.fsdecode(path))
                return function(path, *args, **kwargs)

            return guarded

        for name in ("mkdir", "open", "replace", "rename"):
            monkeypatch.setattr(os, name, guard(getattr(os, name)))

    return refuse


@pytest.mark.parametrize(
    ("number", "remedy"),
    [
        (errno.EROFS, "make the folder writable"),
        (errno.EACCES, "make the folder writable"),
        (errno.ENOSPC, "free space on that disk"),
    ],
)
def test_an_unwritable_bundle_folder_is_named_with_its_remedy(ran, refusing, number, remedy):
    from pipeline import run_study

    demo_copy, processed = ran
    before = _hashes(processed)
    refusing(processed, number)
    with pytest.raises(OutputError) as caught:
        run_study(demo_copy, processed_root=processed, render_report=False)
    message = caught.value.problems[0].message("en")
    assert str(processed) in message and remedy in message
    assert "earlier outputs there are unchanged" in message
    assert _hashes(processed) == before
    _one_run(load_bundle(processed / "demo"))


def test_the_cli_exits_1_with_the_message_not_a_traceback(demo_copy, tmp_path, refusing):
    from pipeline.cli import app

    refusing(tmp_path / "p", errno.EROFS)
    result = CliRunner().invoke(
        app, ["run", str(demo_copy), "--processed-dir", str(tmp_path / "p"), "--no-report"]
    )
    assert result.exit_code == 1, result.output
    assert "Could not write in the folder" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit


def test_a_name_too_long_for_the_file_system_is_a_clear_error(demo_copy, tmp_path):
    from pipeline import run_study

    deep = tmp_path / ("d" * 300)  # a folder name longer than any file system allows
    with pytest.raises(OutputError) as caught:
        run_study(demo_copy, processed_root=deep, render_report=False)
    assert "shorter program.id" in caught.value.problems[0].message("en")


@pytest.mark.slow
def test_an_unwritable_reports_folder_is_named_and_the_old_report_kept(
    demo_copy, tmp_path, refusing
):
    from pipeline import run_study
    from pipeline.reports.render import render_reports

    reports = tmp_path / "r"
    result = run_study(demo_copy, processed_root=tmp_path / "p", reports_root=reports)
    before = _hashes(reports)
    refusing(reports, errno.EROFS)
    with pytest.raises(OutputError) as caught:
        render_reports(result.bundle_dir, result.report_path.parent, language="en")
    assert str(reports) in caught.value.problems[0].message("en")
    assert _hashes(reports) == before
