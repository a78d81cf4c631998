"""The page in a real browser: headless Chromium (Debian's, driven by Playwright for Python)
takes the demo's two exports through the five steps, downloads the study zip and checks that
its numbers equal a command-line run of the same study; a broken upload shows the problem
table. The screenshots in the README (docs/screenshots/app_*.png) are taken here."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import playwright.sync_api as playwright
import pytest

from pipeline.app.text import Words
from tests.app.conftest import DEMO, FACTS, ROOT

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
#: `make screenshots` sets this to docs/screenshots (the README's pictures); else a temporary
#: folder, so a test run leaves the work tree alone.
SHOTS_VARIABLE = "PKM_EVAL_SCREENSHOTS"
STUDY = "bimbingan-karier-santri"
w = Words("id")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "the page's server stopped"
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the page did not come up at {url} within {timeout} s")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``python -m pipeline.app`` (what ``pkm-eval app`` starts) on a free local port, over
    an empty project folder."""
    project = tmp_path_factory.mktemp("project")
    port = _free_port()
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = (project.parent / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "pipeline.app", "--port", str(port), "--root", str(project),
         "--no-browser"],
        cwd=project, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        yield url, project
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).is_file(), "Chromium is missing: `make test` installs Debian's chromium"
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    page.get_by_text(w("step_of", n=1, total=5)).wait_for(timeout=60_000)
    return page


def _settled(page) -> None:
    """Wait until the page's script has finished (no stale elements of the last step)."""
    running = page.locator('[data-testid="stStatusWidgetRunningIcon"]')
    playwright.expect(running).to_have_count(0, timeout=120_000)
    page.wait_for_timeout(500)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get(SHOTS_VARIABLE)
    return Path(folder).resolve() if folder else tmp_path_factory.mktemp("screenshots")


def _shot(page, folder: Path, name: str, focus=None) -> None:
    """A screenshot for the README, ``focus`` scrolled into view; a page, not a blank."""
    _settled(page)
    if focus is not None:
        focus.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
    folder.mkdir(parents=True, exist_ok=True)
    data = page.screenshot(path=str(folder / f"app_{name}.png"))
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def _click(page, key: str, **values) -> None:
    page.get_by_role("button", name=w(key, **values), exact=True).click()


def _step(page, n: int) -> None:
    page.get_by_text(w("step_of", n=n, total=5)).wait_for(timeout=120_000)


def _facts(page, title: str = FACTS["title"]) -> None:
    for key, value in (FACTS | {"title": title}).items():
        page.get_by_label(w(f"fact_{key}"), exact=True).fill(value)
    _click(page, "save_facts")
    _step(page, 2)


def _upload(page, files: dict[str, Path]) -> None:
    for role, path in files.items():
        uploader = page.locator('[data-testid="stFileUploader"]').filter(
            has_text=w(f"upload_{role}")
        )
        uploader.locator('input[type="file"]').set_input_files(str(path))
        uploader.locator('[data-testid="stFileChipName"]', has_text=path.name).wait_for()
        # A file counts as uploaded once its chip stops spinning.
        playwright.expect(page.locator('[data-testid="stFileChipIconSpinner"]')).to_have_count(
            0, timeout=60_000
        )


def test_two_exports_to_a_report_whose_zip_reruns_from_the_command_line(
    served, browser, shots, tmp_path
):
    url, project = served
    page = _open(browser, url)
    for key, value in FACTS.items():
        page.get_by_label(w(f"fact_{key}"), exact=True).fill(value)
    _shot(page, shots, "1_facts")
    _click(page, "save_facts")
    _step(page, 2)
    _upload(page, {"pre": DEMO / "pre.csv", "post": DEMO / "post.csv"})
    _shot(page, shots, "2_uploads")
    _click(page, "read_uploads")
    _step(page, 3)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    _shot(page, shots, "3_mapping", focus=grid)
    _click(page, "save_mapping")
    _step(page, 4)
    _click(page, "validate_button")
    counts = page.get_by_text(w("validate_counts", n=120, good=119, bad=1))
    counts.wait_for(timeout=60_000)
    _shot(page, shots, "4_validate", focus=counts)
    _click(page, "to_run")
    _step(page, 5)
    _click(page, "run_button")
    page.get_by_text(w("stage_ingest")).first.wait_for()
    page.get_by_text(w("run_done", rows=120)).wait_for(timeout=300_000)
    page.get_by_text(w("downloads_title")).wait_for()
    _shot(page, shots, "5_results", focus=page.get_by_text(w("downloads_title")))
    report = page.locator("iframe").first
    report.wait_for()
    _shot(page, shots, "5_report", focus=report)
    with page.expect_download(timeout=60_000) as download:
        _click(page, "download_archive")
    archive = tmp_path / "study.zip"
    download.value.save_as(archive)
    written = {p.relative_to(project).parts[:-1] for p in project.rglob("*") if p.is_file()}
    homes = {("data", "raw", STUDY), ("data", "processed", STUDY), ("reports", STUDY)}
    assert {parts[: len(h)] for parts in written for h in homes if parts[: len(h)] == h} == homes
    assert all(any(parts[: len(h)] == h for h in homes) for parts in written), written
    _same_numbers_as_the_command_line(archive, tmp_path)
    page.context.close()


def _same_numbers_as_the_command_line(archive: Path, tmp_path: Path) -> None:
    """Unpack the zip, rerun its study.yaml with ``pkm-eval run`` and compare every table."""
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        opened.extractall(unpacked)
    assert f"data/raw/{STUDY}/study.yaml" in names
    assert f"data/raw/{STUDY}/codebook.yaml" in names
    assert f"reports/{STUDY}/report.html" in names
    rerun = tmp_path / "rerun"
    subprocess.run(
        [Path(sys.executable).with_name("pkm-eval"), "run", f"data/raw/{STUDY}/study.yaml",
         "--processed-dir", str(rerun), "--no-report"],
        cwd=unpacked, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, timeout=300,
        capture_output=True,
    )  # fmt: skip
    page_bundle, cli_bundle = unpacked / "data/processed" / STUDY, rerun / STUDY
    tables = sorted(p.name for p in page_bundle.glob("*.csv"))
    assert {"tests.csv", "effects.csv", "descriptives.csv", "reliability.csv"} <= set(tables)
    assert tables == sorted(p.name for p in cli_bundle.glob("*.csv"))
    for name in tables:
        assert (page_bundle / name).read_bytes() == (cli_bundle / name).read_bytes(), name
    page_results = json.loads((page_bundle / "results.json").read_text("utf-8"))
    assert page_results == json.loads((cli_bundle / "results.json").read_text("utf-8"))


def test_a_broken_upload_shows_the_problem_table(served, browser, shots, tmp_path):
    url, _ = served
    page = _open(browser, url)
    _facts(page, title="Uji berkas rusak")
    broken = tmp_path / "pre.xlsx"
    broken.write_bytes(b"this is not a workbook")
    shutil.copy(DEMO / "post.csv", tmp_path / "post.csv")
    _upload(page, {"pre": broken, "post": tmp_path / "post.csv"})
    _click(page, "read_uploads")
    page.get_by_text(w("problems_found", n=1)).wait_for(timeout=60_000)
    table = page.locator('[data-testid="stTable"], [data-testid="stDataFrame"]').first
    table.wait_for()
    _shot(page, shots, "problem_table", focus=table)
    text = table.inner_text()
    assert "pre.xlsx" in text and "XLSX" in text
    assert "Traceback" not in page.content()
    page.context.close()
