"""Starting the page: local address only, usage statistics off, error details hidden, and the
command that starts it answers --help without starting anything."""

from __future__ import annotations

from typer.testing import CliRunner

from pipeline.app.launch import command, page_path
from pipeline.cli import app


def test_the_page_listens_on_this_computer_only_and_sends_nothing():
    line = command(port=8600, open_browser=False)
    assert line[1:5] == ["-m", "streamlit", "run", str(page_path())]
    flags = dict(flag.removeprefix("--").split("=", 1) for flag in line[5:])
    assert flags["server.address"] == "127.0.0.1"
    assert flags["server.port"] == "8600"
    assert flags["browser.gatherUsageStats"] == "false"
    assert flags["client.showErrorDetails"] == "none"
    assert flags["server.headless"] == "true"


def test_pkm_eval_app_help():
    result = CliRunner().invoke(app, ["app", "--help"])
    assert result.exit_code == 0
    assert "127.0.0.1" in result.output and "--port" in result.output
